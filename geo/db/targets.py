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
    return list(conn.execute("SELECT * FROM targets ORDER BY deadline, kind, metric").fetchall())
