"""FastAPI dependencies: the connection pool and a connection per request, and the
version a change is based on (``ETag`` out, ``If-Match`` in)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import psycopg
from fastapi import Header, Request, Response
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from psycopg_pool.base import AttemptWithBackoff

from geo.errors import DatabaseUnavailable, StaleVersion, VersionRequired

# The pool retries a lost database with exponential backoff and no ceiling, so after a
# one-minute outage it could wait another minute before trying again. Retry every second
# (±10 % jitter) instead: one cheap connection attempt per second per worker while the
# database is down, and service again within about a second of it coming back.
AttemptWithBackoff.DELAY_BACKOFF = 1.0


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
        reconnect_timeout=24 * 3600.0,  # never give up on the database
    )


@contextmanager
def pooled(pool: ConnectionPool) -> Iterator[psycopg.Connection[Any]]:
    """A connection from ``pool`` (autocommit: reads; writes open their own transaction);
    a lost database or an exhausted pool becomes :class:`DatabaseUnavailable` (503)."""
    try:
        with pool.connection() as conn:
            yield conn
    except (psycopg.OperationalError, TimeoutError) as exc:
        raise DatabaseUnavailable(
            "数据库暂时不可用，请稍后再试", "the database is unavailable, try again shortly"
        ) from exc


def get_conn(request: Request) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection for one request (see :func:`pooled`)."""
    with pooled(request.app.state.pool) as conn:
        yield conn


IfMatch = Annotated[
    str | None, Header(description='版本 / the ETag from GET, e.g. W/"3"', alias="If-Match")
]
_ETAG_RE = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def etag(version: int) -> str:
    """The (weak) ETag of a station version."""
    return f'W/"{version}"'


def set_etag(response: Response, version: int) -> None:
    """Send ``version`` as the response's ETag header."""
    response.headers["ETag"] = etag(version)


def if_match_version(header: str | None) -> int:
    """The version an If-Match header names: 428 when absent, 412 when unusable."""
    if header is None or not header.strip():
        raise VersionRequired(
            "修改需要 If-Match 标头（先 GET 取得 ETag）",
            "this change needs an If-Match header with the ETag from GET",
        )
    match = _ETAG_RE.match(header)
    if not match:
        raise StaleVersion(
            f"If-Match「{header[:40]}」不是本站点的版本",
            f"If-Match '{header[:40]}' does not name a version of this station",
        )
    return int(match[1])
