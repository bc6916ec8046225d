"""Health checks for load balancers and systemd."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import APIRouter, Depends

from api.deps import get_conn
from geo.db.migrate import pending

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive (no database access)."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(conn: psycopg.Connection[Any] = Depends(get_conn)) -> dict[str, Any]:
    """The database answers and every migration is applied."""
    todo = pending(conn)
    if todo:
        from geo.errors import DatabaseUnavailable

        raise DatabaseUnavailable(
            f"数据库迁移未完成：{len(todo)} 个待应用，请运行 yizhan db migrate",
            f"{len(todo)} migration(s) pending: run `yizhan db migrate`",
        )
    return {"status": "ready"}
