"""Test fixtures: a real PostgreSQL + PostGIS, started by the tests themselves.

Without ``DATABASE_URL`` the tests start the same managed cluster Yizhan uses, in its own
home (``.yizhan-test``), and create a fresh database for the session. With
``DATABASE_URL`` they create the fresh database on that server instead. Either way the
database is dropped at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

DATA_TABLES = (
    "station_audit",
    "stations",
    "walk_edges",
    "walk_nodes",
    "streets",
    "districts",
    "targets",
    "target_audit",
    "import_log",
    "coverage_geoms",
    "coverage_snapshots",
    "login_failures",
    "auth_tokens",
    "users",
)


def _with_db(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """URL of a fresh, migrated database for this test session."""
    from geo.db.migrate import migrate
    from geo.settings import Settings, get_settings

    external = os.environ.get("DATABASE_URL")
    cluster = None
    if external:
        admin_url = external
    else:
        from geo.db.cluster import ManagedCluster

        home = Path(os.environ.get("YIZHAN_TEST_HOME", ROOT / ".yizhan-test"))
        port = int(os.environ.get("YIZHAN_TEST_DB_PORT", "55432"))
        cluster = ManagedCluster(Settings(home=home, database_url=None, db_port=port))
        was_running = cluster.is_running()
        admin_url = cluster.start().url("postgres")
    dbname = f"yizhan_test_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    url = _with_db(admin_url, dbname)
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


def truncate_all(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(sql.Identifier(t) for t in DATA_TABLES)
            )
        )


def load_futian(shared_data: Path, database_url: str) -> tuple[Path, Any, Any]:
    """Empty the database, then import the real Futian streets and the Shenzhen districts
    (福田 as the key district). Returns the folder and the two import reports."""
    from geo.importers import import_districts, import_streets

    truncate_all(database_url)
    folder = shared_data / "shenzhen-futian"
    streets = import_streets(folder / "streets.geojson")
    districts = import_districts(folder / "districts.geojson", name_field="qh", key=["福田"])
    return folder, streets, districts


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
