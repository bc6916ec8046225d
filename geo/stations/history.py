"""A station's history: every audited change as who, when, why and field from → to."""

from __future__ import annotations

from typing import Any

import psycopg

from geo.errors import NotFound
from geo.stations import sql as db

#: Bookkeeping columns that change with every write and say nothing on their own.
_IGNORED = frozenset({"id", "version", "created_at", "created_by", "updated_at", "updated_by"})


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict]:
    """Fields that differ between two audit snapshots, as ``{field, from, to}``.

    A creation (no ``before``) lists every field that was given a value.
    """
    before, after = before or {}, after or {}
    out = []
    for field in sorted((before.keys() | after.keys()) - _IGNORED):
        old, new = before.get(field), after.get(field)
        if old == new or (not before and new in (None, [], "")):
            continue
        out.append({"field": field, "from": old, "to": new})
    return out


def station_history(conn: psycopg.Connection[Any], station_id: int) -> list[dict[str, Any]]:
    """Every change to a station, oldest first; NotFound when it never existed."""
    rows = db.audit_rows(conn, station_id)
    if not rows:
        raise NotFound(f"没有编号为 {station_id} 的站点", f"no station with id {station_id}")
    return [
        {
            "version": r["version"],
            "action": r["action"],
            "actor": r["actor"],
            "at": r["at"],
            "reason": r["reason"],
            "changes": field_changes(r["before"], r["after"]),
        }
        for r in rows
    ]
