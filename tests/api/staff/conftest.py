"""Fixtures for the staff API: an app on the real database, accounts and their logins."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.db.accounts import insert_user
from geo.db.connection import transaction
from tests.helpers.staff import password_hash, token_for


@pytest.fixture(scope="session")
def _app_client(database_url) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as c:
        yield c


@pytest.fixture
def client(db, _app_client) -> TestClient:
    """A client of the app on the real, emptied database (no cookies from other tests)."""
    _app_client.cookies.clear()
    return _app_client


@pytest.fixture
def make_user(db, database_url) -> Callable[..., str]:
    """Create an account whose password is ``PASSWORD``; returns its name."""

    def make(name: str, role: str) -> str:
        with transaction(database_url, actor="test") as conn:
            insert_user(conn, name, role, password_hash())
        return name

    return make


@pytest.fixture
def staff(make_user, database_url) -> dict[str, str]:
    return token_for(database_url, make_user("wang.field", "field_staff"))


@pytest.fixture
def reviewer(make_user, database_url) -> dict[str, str]:
    return token_for(database_url, make_user("li.review", "reviewer"))


@pytest.fixture
def planner(make_user, database_url) -> dict[str, str]:
    return token_for(database_url, make_user("zhao.plan", "planner"))


@pytest.fixture
def admin(make_user, database_url) -> dict[str, str]:
    return token_for(database_url, make_user("chen.admin", "admin"))
