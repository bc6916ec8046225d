"""Numbered SQL migrations (``migrations/NNNN_name.sql``), applied in order, once each.

A landed migration is never edited: its checksum is recorded and a changed file stops
``migrate`` with an error rather than leaving two databases with different schemas.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg

from geo.errors import DatabaseError

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_ID = 7_242_026  # advisory lock held while migrating


@dataclass(frozen=True)
class Migration:
    """One ``NNNN_name.sql`` file of the schema."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the SQL: a landed migration that changed is refused."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available() -> list[Migration]:
    """All migrations shipped with this version of Yizhan, in order."""
    out = []
    for entry in resources.files("geo.db").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            out.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(out, key=lambda m: m.version)


def _ensure_table(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
               version    integer PRIMARY KEY,
               name       text NOT NULL,
               checksum   text NOT NULL,
               applied_at timestamptz NOT NULL DEFAULT now())"""
    )


def applied(conn: psycopg.Connection[Any]) -> dict[int, str]:
    """Applied versions and their checksums (empty when none)."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS ok").fetchone()
    if not exists or not _first(exists):
        return {}
    rows = conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
    return {int(_first(r)): _second(r) for r in rows}


def _first(row: Any) -> Any:
    return row[0] if isinstance(row, tuple) else next(iter(row.values()))


def _second(row: Any) -> Any:
    return row[1] if isinstance(row, tuple) else list(row.values())[1]


def pending(conn: psycopg.Connection[Any]) -> list[Migration]:
    """Migrations not yet applied; raises when an applied one was edited."""
    done = applied(conn)
    out = []
    for mig in available():
        if mig.version in done:
            if done[mig.version] != mig.checksum:
                raise DatabaseError(
                    f"迁移 {mig.version:04d}_{mig.name} 在应用后被修改过，拒绝继续",
                    f"migration {mig.version:04d}_{mig.name} was edited after it was applied",
                )
        else:
            out.append(mig)
    return out


def migrate(conn: psycopg.Connection[Any]) -> list[Migration]:
    """Apply every pending migration, each in its own transaction. Returns those applied."""
    done: list[Migration] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
        _ensure_table(conn)
        for mig in pending(conn):
            with conn.transaction():
                conn.execute(mig.sql)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (mig.version, mig.name, mig.checksum),
                )
            done.append(mig)
    return done
