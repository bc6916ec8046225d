"""#11 item 15: the OpenAPI document describes what the server does.

Schemathesis runs with every check (``--checks all``: documented status codes, content
types and headers, response schemas, schema-valid data accepted, schema-violating data
rejected, required headers, methods not in the document) against a real uvicorn, once
without a login and once with an admin's token (logout excluded, it would end the
token). The rules no schema can state are listed, with their reasons, in
``schemathesis.toml`` beside this file. Bounded: ``YIZHAN_SCHEMA_EXAMPLES`` examples per
operation (10 by default), a fixed seed.

``GET /api/v1/coverage/plan`` is left out here because one plan may take its time
limit (up to 120 s) by design; its parameters and answers are tested in tests/siting,
and it passes the same run by hand (README, Security).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.live import start_server, stop_server
from tests.helpers.staff import station

EXAMPLES = os.environ.get("YIZHAN_SCHEMA_EXAMPLES", "10")
CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture(scope="module")
def unthrottled_server(database_url: str) -> Iterator[str]:
    base, proc = start_server(database_url, YIZHAN_RATE_LIMIT_PER_MINUTE="0")
    try:
        yield base
    finally:
        stop_server(proc)


def _run(base: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        EXAMPLES,
        "--seed",
        "1",
        "--exclude-path",
        "/api/v1/coverage/plan",
        "--request-timeout",
        "30",
        "--no-color",
        *extra,
    ]
    with tempfile.TemporaryDirectory(prefix="yizhan-schemathesis-") as cwd:  # its cache
        return subprocess.run(  # noqa: S603 - our own tool, fixed arguments
            command, cwd=cwd, capture_output=True, text=True, timeout=900, check=False
        )


def _summary(out: str) -> str:
    """The failures part of schemathesis's report (the whole report is long)."""
    start = out.find("FAILURES")
    return out[start : start + 6000] if start >= 0 else out[-4000:]


@pytest.mark.realtime
def test_the_document_holds_without_a_login(unthrottled_server, client, admin) -> None:
    client.post("/api/v1/stations", json=station(), headers=admin)
    result = _run(unthrottled_server)
    assert result.returncode == 0, _summary(result.stdout)


@pytest.mark.realtime
def test_the_document_holds_with_a_staff_token(unthrottled_server, client, admin) -> None:
    client.post("/api/v1/stations", json=station(), headers=admin)
    token = admin["Authorization"]
    result = _run(
        unthrottled_server,
        "--exclude-path",
        "/api/v1/auth/logout",
        "-H",
        f"Authorization: {token}",
    )
    assert result.returncode == 0, _summary(result.stdout)
