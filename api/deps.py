"""FastAPI dependencies: the connection pool and a connection per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
from fastapi import Request
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from geo.errors import DatabaseUnavailable


def make_pool(url: str, min_size: int, max_size: int, timeout: float = 2.0) -> ConnectionPool:
    """A pool that checks connections before handing them out, so a restarted database
    is reconnected to without restarting Yizhan."""
    return ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"row_factory": dict_row, "autocommit": True},
        check=ConnectionPool.check_connection,
        open=False,
        timeout=timeout,
    )


def get_conn(request: Request) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection (autocommit: reads; writes open their own transaction)."""
    pool: ConnectionPool = request.app.state.pool
    try:
        with pool.connection() as conn:
            yield conn
    except (psycopg.OperationalError, TimeoutError) as exc:
        raise DatabaseUnavailable(
            "数据库暂时不可用，请稍后再试", "the database is unavailable, try again shortly"
        ) from exc
