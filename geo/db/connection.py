"""Connections to PostGIS: the URL to use, single connections and the shared pool."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row

from geo.db.cluster import ManagedCluster
from geo.errors import DatabaseUnavailable
from geo.settings import Settings, get_settings


def database_url(settings: Settings | None = None, *, start: bool = True) -> str:
    """The URL Yizhan uses: ``DATABASE_URL`` if set, else the managed cluster's.

    With ``start`` the managed cluster is created and started when it is not running, so
    every command works right after ``make setup``.
    """
    settings = settings or get_settings()
    if settings.database.database_url:
        return settings.database.database_url
    cluster = ManagedCluster(settings.database)
    info = cluster.start() if start and not cluster.is_running() else cluster.info()
    if info is None:
        raise DatabaseUnavailable(
            "本地数据库尚未创建，请运行 yizhan db up",
            "the local database does not exist yet: run `yizhan db up`",
        )
    return info.url()


def connect(url: str | None = None, **kwargs: Any) -> psycopg.Connection[dict[str, Any]]:
    """A new connection returning rows as dicts."""
    try:
        return psycopg.connect(url or database_url(), row_factory=dict_row, **kwargs)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(
            f"无法连接数据库：{exc}", f"cannot connect to the database: {exc}"
        ) from exc


def set_actor(conn: psycopg.Connection[Any], actor: str, reason: str | None = None) -> None:
    """Name who acts in the current transaction; the audit triggers record it."""
    conn.execute("SELECT set_config('yizhan.actor', %s, true)", (actor,))
    conn.execute("SELECT set_config('yizhan.reason', %s, true)", (reason or "",))


@contextmanager
def transaction(
    url: str | None = None, *, actor: str = "system", reason: str | None = None
) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A connection inside one transaction, committed on success, rolled back on error."""
    with connect(url) as conn, conn.transaction():
        set_actor(conn, actor, reason)
        yield conn
