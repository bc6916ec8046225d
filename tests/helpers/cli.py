"""The ``yizhan`` command run as a person runs it: a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers.paths import ROOT


def yizhan(
    *args: str, url: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``yizhan ARGS`` on the database ``url`` (``env``: more environment; ``stdin``:
    what standard input holds, else it is inherited)."""
    env = {**os.environ, "DATABASE_URL": url, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        input=stdin,
    )
