"""SQL for the union's targets (coverage by a deadline, new stations per year)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import psycopg


def upsert(conn: psycopg.Connection[Any], targets: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update targets by (kind, metric, deadline). Returns how many."""
    n = 0
    for t in targets:
        conn.execute(
            """INSERT INTO targets (kind, metric, value, starts_on, deadline, note)
               VALUES (%s, %s, %s, %s, %s, %s)
               ON CONFLICT (kind, metric, deadline) DO UPDATE SET value = EXCLUDED.value,
                   starts_on = EXCLUDED.starts_on, note = EXCLUDED.note""",
            (t["kind"], t["metric"], t["value"], t.get("starts_on"), t["deadline"], t.get("note")),
        )
        n += 1
    return n


def all_targets(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every stored target, by deadline, kind and metric."""
    return list(conn.execute("SELECT * FROM targets ORDER BY deadline, kind, metric").fetchall())


def get(conn: psycopg.Connection[Any], kind: str, metric: str, deadline: Any) -> dict[str, Any]:
    """The stored target with this kind, metric and deadline (it must exist)."""
    row = conn.execute(
        "SELECT * FROM targets WHERE kind = %s AND metric = %s AND deadline = %s",
        (kind, metric, deadline),
    ).fetchone()
    assert row is not None
    return dict(row)


def delete(
    conn: psycopg.Connection[Any], kind: str, metric: str, deadline: Any
) -> dict[str, Any] | None:
    """Delete one target; returns it, or None when there was none."""
    row = conn.execute(
        "DELETE FROM targets WHERE kind = %s AND metric = %s AND deadline = %s RETURNING *",
        (kind, metric, deadline),
    ).fetchone()
    return None if row is None else dict(row)


def audit(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """The target audit, oldest first."""
    return list(conn.execute("SELECT * FROM target_audit ORDER BY id").fetchall())
