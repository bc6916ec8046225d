"""Fixtures for the staff API: an app on the real database, accounts and their logins."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.accounts import User, issue_token
from geo.db.accounts import insert_user, user_by_name
from geo.db.connection import transaction

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def _app_client(database_url) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as c:
        yield c


@pytest.fixture
def client(db, _app_client) -> TestClient:
    """A client of the app on the real, emptied database (no cookies from other tests)."""
    _app_client.cookies.clear()
    return _app_client


@functools.cache
def _password_hash() -> str:
    from geo.accounts import _hasher

    return _hasher.hash(PASSWORD)  # hashed once: Argon2 is slow on purpose


@pytest.fixture
def make_user(db, database_url) -> Callable[..., str]:
    """Create an account whose password is ``PASSWORD``; returns its name."""

    def make(name: str, role: str) -> str:
        with transaction(database_url, actor="test") as conn:
            insert_user(conn, name, role, _password_hash())
        return name

    return make


def bearer(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization headers for ``name`` (logs in through the token endpoint)."""
    r = client.post("/api/v1/auth/token", data={"username": name, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _token_for(database_url: str, name: str) -> dict[str, str]:
    """Authorization headers for ``name`` without a (slow) password check."""
    with transaction(database_url, actor="test") as conn:
        row = user_by_name(conn, name)
        token, _ = issue_token(conn, User(row["id"], row["name"], row["role"]))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def staff(make_user, database_url) -> dict[str, str]:
    return _token_for(database_url, make_user("wang.field", "field_staff"))


@pytest.fixture
def reviewer(make_user, database_url) -> dict[str, str]:
    return _token_for(database_url, make_user("li.review", "reviewer"))


@pytest.fixture
def planner(make_user, database_url) -> dict[str, str]:
    return _token_for(database_url, make_user("zhao.plan", "planner"))


@pytest.fixture
def admin(make_user, database_url) -> dict[str, str]:
    return _token_for(database_url, make_user("chen.admin", "admin"))


@pytest.fixture(scope="session")
def live_server(database_url) -> Iterator[str]:
    """A real uvicorn serving the app on 127.0.0.1 (a free port); yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(database_url), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def station(**over) -> dict:
    """A valid new love station body near Futian, Shenzhen (WGS-84)."""
    body = {
        "kind": "love_station",
        "name": "福田街道爱心驿站",
        "lon": 114.0550,
        "lat": 22.5410,
        "crs": "wgs84",
        "address": "福田区福华三路 88 号",
        "opening_hours": "Mo-Fr 08:00-18:00",
        "services": ["drinking_water", "heating", "rest_seats"],
        "phone": "0755-1234567",
        "host_org": "福田街道总工会",
        "level": "street",
        "opened_on": "2025-03-01",
    }
    body.update(over)
    return body


def offset(lon: float, lat: float, east_m: float = 0.0, north_m: float = 0.0):
    """A point ``east_m``/``north_m`` metres from (lon, lat)."""
    import math

    return (
        lon + east_m / (111_320.0 * math.cos(math.radians(lat))),
        lat + north_m / 110_574.0,
    )
