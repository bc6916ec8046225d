"""A real uvicorn server for tests that need real HTTP clients (GDAL, Chromium, load)."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from tests.helpers.paths import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    database_url: str, *, output: IO[str] | None = None, **env: str
) -> tuple[str, subprocess.Popen[str]]:
    """Start ``uvicorn api.app:create_app`` on 127.0.0.1 (a free port) in its own process
    and wait until ``/readyz`` answers (database reachable, migrations applied); returns
    its base URL and the process.

    ``output`` receives the server's stdout and stderr (its logs); ``env`` adds settings.
    """
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **env},
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=1) as r:
                if r.status == 200:
                    return base, proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError("the test server did not start")
        time.sleep(0.1)


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def running_server(database_url: str, **env: str) -> Iterator[str]:
    """A server of its own (``env``: more settings) for the duration of a ``with`` block;
    yields its base URL. Tests that need no special settings use the ``live_server``
    fixture instead."""
    base, proc = start_server(database_url, **env)
    try:
        yield base
    finally:
        stop_server(proc)


@contextmanager
def yizhan_serve(
    database_url: str,
    *args: str,
    scheme: str = "http",
    verify: ssl.SSLContext | bool = True,
    **env: str,
) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """``yizhan serve --host 127.0.0.1 --port P ARGS`` as a person runs it (a real
    subprocess, ``env``: more settings), until ``scheme://127.0.0.1:P/readyz`` answers
    (``verify``: httpx's, e.g. a CA file for HTTPS); yields the port and the process."""
    import httpx

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        + list(args),
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                with httpx.Client(verify=verify, timeout=1) as client:
                    if client.get(f"{scheme}://127.0.0.1:{port}/readyz").status_code == 200:
                        break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("yizhan serve did not start")
            time.sleep(0.2)
        yield port, proc
    finally:
        stop_server(proc)
