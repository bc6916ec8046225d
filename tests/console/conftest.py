"""Console test fixtures: a client signed in with a page session as a new account of a role
(the headless Chromium, ``browser``, is the root conftest's)."""

from __future__ import annotations

import pytest

from tests.helpers.console import session_cookie


@pytest.fixture
def signed_in(client, make_user, database_url):
    """Sign ``client`` in (page session cookie) as a new account of ``role``."""

    def sign(name: str, role: str):
        make_user(name, role)
        client.cookies.clear()
        client.cookies.update(session_cookie(database_url, name))
        return client

    return sign
