"""Test fixtures: a real PostgreSQL + PostGIS, started by the tests themselves.

Without ``DATABASE_URL`` the tests start the same managed cluster Yizhan uses, in its own
home (``.yizhan-test``), and create a fresh database for the session. With
``DATABASE_URL`` they create the fresh database on that server instead. Either way the
database is dropped at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from tests.helpers.browser import CHROMIUM, launch
from tests.helpers.db import truncate_all, with_db
from tests.helpers.live import start_server, stop_server
from tests.helpers.paths import ROOT, SHARED_DATA
from tests.helpers.staff import password_hash, token_for


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """URL of a fresh, migrated database for this test session."""
    from geo.db.migrate import migrate
    from geo.settings import DatabaseSettings, get_settings

    external = os.environ.get("DATABASE_URL")
    cluster = None
    if external:
        admin_url = external
    else:
        from geo.db.cluster import ManagedCluster

        home = Path(os.environ.get("YIZHAN_TEST_HOME", ROOT / ".yizhan-test"))
        port = int(os.environ.get("YIZHAN_TEST_DB_PORT", "55432"))
        cluster = ManagedCluster(DatabaseSettings(home=home, database_url=None, db_port=port))
        was_running = cluster.is_running()
        admin_url = cluster.start().url("postgres")
    dbname = f"yizhan_test_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    url = with_db(admin_url, dbname)
    with psycopg.connect(url) as conn:
        migrate(conn)
    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        yield url
    finally:
        if old is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = old
        get_settings.cache_clear()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))
        if cluster is not None and not was_running:
            cluster.stop()


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection]:
    """An empty database (all data tables truncated) and a connection to it."""
    from geo.db.connection import connect

    truncate_all(database_url)
    with connect(database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def db_module(database_url: str) -> Iterator[psycopg.Connection]:
    """A connection for a module whose fixtures load data once (no truncation)."""
    from geo.db.connection import connect

    with connect(database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real city data folder, or skip when this checkout has none beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real city data not found at {SHARED_DATA} (../shared/data is absent)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[str]:
    """A real uvicorn serving the app on the session's database, in its own process on
    127.0.0.1 (a free port); yields its base URL. For real HTTP clients (GDAL, Chromium,
    concurrent load); tests that need a server with other settings start their own."""
    base, proc = start_server(database_url)
    try:
        yield base
    finally:
        stop_server(proc)


# -- the app and staff accounts (staff API and security tests) ---------------------------


@pytest.fixture(scope="module")
def _app_client(database_url) -> Iterator[TestClient]:
    """One app per test module: its pooled connections must not outlive a restore of the
    database (tests/db), whose new PostGIS objects a pooled backend would not see."""
    from api.app import create_app

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

    from geo.db.accounts import insert_user
    from geo.db.connection import transaction

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


@pytest.fixture
def browser():
    """A headless Chromium (the system's, as CI installs it), skipped when absent."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            yield b
        finally:
            b.close()
