"""Fixtures for the staff API: an app on the real database, accounts and their logins."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.accounts import create_user
from geo.db.connection import transaction

PASSWORD = "correct horse battery"


@pytest.fixture
def client(db, database_url) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as c:
        yield c


@pytest.fixture
def make_user(db, database_url) -> Callable[..., str]:
    """Create an account with ``PASSWORD``; returns its name."""

    def make(name: str, role: str) -> str:
        with transaction(database_url, actor="test") as conn:
            create_user(conn, name, role, PASSWORD)
        return name

    return make


def bearer(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization headers for ``name`` (logs in through the token endpoint)."""
    r = client.post("/api/v1/auth/token", data={"username": name, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def staff(client, make_user) -> dict[str, str]:
    return bearer(client, make_user("wang.field", "field_staff"))


@pytest.fixture
def reviewer(client, make_user) -> dict[str, str]:
    return bearer(client, make_user("li.review", "reviewer"))


@pytest.fixture
def planner(client, make_user) -> dict[str, str]:
    return bearer(client, make_user("zhao.plan", "planner"))


@pytest.fixture
def admin(client, make_user) -> dict[str, str]:
    return bearer(client, make_user("chen.admin", "admin"))
