"""The ``yizhan`` command starts without the heavy libraries only some commands use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_start_up_imports_neither_folium_nor_pandas() -> None:
    # folium (the report's map) and pandas took about a second of every command's start,
    # coverage run's included; only the commands that use them import them.
    code = "import sys, api.cli; print(sorted({'folium', 'pandas'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
