"""SQL for stations: the one place that reads and writes the stations table.

Writes go through the audit triggers of migration 0001, which record who changed what
(``yizhan.actor``) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

#: Columns that a validated StationInput sets (file imports, staff edits).
INPUT_COLUMNS = (
    "kind",
    "name",
    "address",
    "district",
    "level",
    "host_org",
    "phone",
    "opening_hours",
    "services",
    "status",
    "opened_on",
    "closed_on",
    "source",
    "external_id",
)
#: Columns an import writes: the input plus the review state and the demo flag.
COLUMNS = (*INPUT_COLUMNS, "review_state", "is_demo")

_UPSERT = (
    "INSERT INTO stations ("
    + ", ".join(COLUMNS)
    + ", geom) VALUES ("
    + ", ".join(["%s"] * len(COLUMNS))
    + ", ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
    " ON CONFLICT (source, external_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c not in ("source", "external_id"))
    + ", geom = EXCLUDED.geom"
    " RETURNING id, (xmax = 0) AS inserted"
)


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def upsert_many(conn: psycopg.Connection[Any], rows: Iterable[Mapping[str, Any]]) -> UpsertCounts:
    """Insert stations or update them by (source, external_id).

    Each row maps the names in ``COLUMNS`` plus ``lon``/``lat`` (WGS-84). A row whose
    values equal the stored ones changes nothing: no new version, no audit row.
    """
    params = [tuple(row.get(c) for c in COLUMNS) + (row["lon"], row["lat"]) for row in rows]
    counts = UpsertCounts()
    if not params:
        return counts
    with conn.cursor() as cur:
        cur.executemany(_UPSERT, params, returning=True)
        returned = 0
        while True:
            row = cur.fetchone()
            if row is not None:
                returned += 1
                if row["inserted"]:
                    counts.created += 1
                else:
                    counts.updated += 1
            if not cur.nextset():
                break
    counts.unchanged = len(params) - returned
    return counts


def count(conn: psycopg.Connection[Any], **where: Any) -> int:
    """Number of stations, optionally filtered by equality on columns (kind, status, ...)."""
    from psycopg import sql

    clauses = [sql.SQL("{} = %s").format(sql.Identifier(k)) for k in where]
    query = sql.SQL("SELECT count(*) AS n FROM stations")
    if clauses:
        query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses)
    row = conn.execute(query, tuple(where.values())).fetchone()
    return int(row["n"]) if row else 0


def counts_by_kind(conn: psycopg.Connection[Any]) -> dict[str, int]:
    rows = conn.execute("SELECT kind, count(*) AS n FROM stations GROUP BY kind").fetchall()
    return {r["kind"]: int(r["n"]) for r in rows}
