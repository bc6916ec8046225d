"""Console test fixtures: a headless Chromium (skipped when absent), and a client signed in
with a page session as a new account of a role."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.browser import CHROMIUM, launch
from tests.helpers.console import session_cookie


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def signed_in(client, make_user, database_url):
    """Sign ``client`` in (page session cookie) as a new account of ``role``."""

    def sign(name: str, role: str):
        make_user(name, role)
        client.cookies.clear()
        client.cookies.update(session_cookie(database_url, name))
        return client

    return sign
