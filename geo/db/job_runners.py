"""What every kind of background job shares (``import_jobs``, ``plan_jobs``): the runner
lock that tells other processes a server process is alive, and the failing of jobs whose
process is gone.

A server process that runs jobs holds a session-level advisory lock
``(lock_class, runner)`` on a connection of its own for as long as it lives, and writes
its ``runner`` into each job it takes. A queued or running job whose runner's lock nobody
holds belongs to a process that has died: it is marked failed. Each job table has its own
lock class, so one kind's runners never look alive to the other.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from geo.db.connection import connect

#: The states of a job that has not finished.
ACTIVE = "('queued', 'running')"


def _first(row: Any) -> Any:
    return row[0] if isinstance(row, tuple) else next(iter(row.values()))


def orphan_clause(lock_class: int) -> str:
    """SQL true for a job ``j`` not finished whose runner's lock nobody holds."""
    return f"""
    j.state IN {ACTIVE}
    AND NOT EXISTS (
        SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = {int(lock_class)}::oid AND l.objid = j.runner::oid)
"""


def lock_runner(conn: psycopg.Connection[Any], lock_class: int, runner: int) -> bool:
    """Take the runner's lock for this session; False when another session holds it."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s, %s) AS ok", (lock_class, runner)).fetchone()
    return bool(row and _first(row))


def fail(
    conn: psycopg.Connection[Any], table: str, job_id: uuid.UUID, error: dict[str, Any]
) -> bool:
    """Mark a queued or running job of ``table`` failed with ``error``; False when it had
    finished."""
    row = conn.execute(
        sql.SQL(
            "UPDATE {} SET state = 'failed', error = %s, finished_at = now()"
            " WHERE id = %s AND state IN " + ACTIVE + " RETURNING id"
        ).format(sql.Identifier(table)),
        (Jsonb(error), job_id),
    ).fetchone()
    return row is not None


def fail_orphans(
    conn: psycopg.Connection[Any],
    table: str,
    lock_class: int,
    error: dict[str, Any],
    job_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Fail the queued and running jobs of ``table`` (or only ``job_id``) whose process is
    gone."""
    only = "AND j.id = %s" if job_id is not None else ""
    params: tuple[Any, ...] = (Jsonb(error), job_id) if job_id is not None else (Jsonb(error),)
    rows = conn.execute(
        sql.SQL(
            "UPDATE {} j SET state = 'failed', error = %s, finished_at = now()"
            " WHERE " + orphan_clause(lock_class) + only + " RETURNING j.id"
        ).format(sql.Identifier(table)),
        params,
    ).fetchall()
    return [_first(r) for r in rows]


class RunnerLock:
    """A process's runner id, its lock held on a live connection of its own (taken
    again on a new connection, under a new id, when the old one was lost)."""

    def __init__(self, url: str, lock_class: int) -> None:
        self.url = url
        self.lock_class = lock_class
        self.runner = 0
        self._conn: psycopg.Connection[Any] | None = None
        self._mutex = threading.Lock()

    def ensure(self) -> int:
        """The runner id, with its lock held."""
        with self._mutex:
            conn = self._conn
            if conn is not None:
                try:
                    conn.execute("SELECT 1")
                    return self.runner
                except psycopg.Error:
                    conn.close()
                    self._conn = None
            conn = connect(self.url, autocommit=True)
            while True:
                runner = secrets.randbelow(2**31 - 2) + 1
                if lock_runner(conn, self.lock_class, runner):
                    break
            self._conn, self.runner = conn, runner
            return runner

    def release(self) -> None:
        """Let the lock go (the process stops taking jobs)."""
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
