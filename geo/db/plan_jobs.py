"""SQL for siting plan jobs (``plan_jobs``, migration 0018).

Every query is parameterised. State changes name the states they start from, so a job
cancelled by a person or failed by the orphan sweep is never then run or marked
succeeded by the worker that had it. Progress only grows.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from geo.db import job_runners as runners

#: Advisory locks (PLAN_LOCK_CLASS, runner) are held by the processes that run plans.
PLAN_LOCK_CLASS = 0x5950  # "YP"

_COLUMNS = (
    "j.id, j.created_by, u.name AS created_by_name, j.params, j.state, j.stage, j.progress,"
    " j.result, j.error, j.created_at, j.started_at, j.finished_at,"
    " (SELECT c.name FROM users c WHERE c.id = j.cancelled_by) AS cancelled_by_name"
)
_SHORT = (
    "j.id, j.created_by, u.name AS created_by_name, j.params, j.state, j.stage, j.progress,"
    " NULL::jsonb AS result, j.error, j.created_at, j.started_at, j.finished_at,"
    " (SELECT c.name FROM users c WHERE c.id = j.cancelled_by) AS cancelled_by_name,"
    " jsonb_array_length(j.result -> 'sites') AS n_sites"
)
_ACTIVE = runners.ACTIVE


def _first(row: Any) -> Any:
    return row[0] if isinstance(row, tuple) else next(iter(row.values()))


def lock_runner(conn: psycopg.Connection[Any], runner: int) -> bool:
    """Take the runner's lock for this session; False when another session holds it."""
    return runners.lock_runner(conn, PLAN_LOCK_CLASS, runner)


def insert(
    conn: psycopg.Connection[Any],
    job_id: uuid.UUID,
    *,
    created_by: int,
    params: dict[str, Any],
    runner: int,
) -> None:
    """Add a queued job for ``runner``."""
    conn.execute(
        "INSERT INTO plan_jobs (id, created_by, params, state, runner)"
        " VALUES (%s, %s, %s, 'queued', %s)",
        (job_id, created_by, Jsonb(params), runner),
    )


def claim(conn: psycopg.Connection[Any], job_id: uuid.UUID, runner: int) -> bool:
    """Mark a queued job running under ``runner``; False when it is no longer queued."""
    row = conn.execute(
        "UPDATE plan_jobs SET state = 'running', runner = %s, started_at = now(),"
        " stage = 'network', progress = 0"
        " WHERE id = %s AND state = 'queued' RETURNING id",
        (runner, job_id),
    ).fetchone()
    return row is not None


def set_progress(
    conn: psycopg.Connection[Any], job_id: uuid.UUID, stage: str, progress: float
) -> str | None:
    """Record how far a running job has got (progress never goes back); the job's state
    afterwards (None when there is no such job)."""
    row = conn.execute(
        "UPDATE plan_jobs SET"
        " stage = CASE WHEN state = 'running' THEN %s ELSE stage END,"
        " progress = CASE WHEN state = 'running' THEN greatest(progress, least(%s, 1.0))"
        " ELSE progress END"
        " WHERE id = %s RETURNING state",
        (stage, float(progress), job_id),
    ).fetchone()
    return None if row is None else str(_first(row))


def succeed(conn: psycopg.Connection[Any], job_id: uuid.UUID, result: dict[str, Any]) -> bool:
    """Mark a running job succeeded with its plan; False when it is no longer running."""
    row = conn.execute(
        "UPDATE plan_jobs SET state = 'succeeded', result = %s, finished_at = now(),"
        " progress = 1 WHERE id = %s AND state = 'running' RETURNING id",
        (Jsonb(result), job_id),
    ).fetchone()
    return row is not None


def fail(conn: psycopg.Connection[Any], job_id: uuid.UUID, error: dict[str, Any]) -> bool:
    """Mark a queued or running job failed with ``error``; False when it had finished."""
    return runners.fail(conn, "plan_jobs", job_id, error)


def cancel(conn: psycopg.Connection[Any], job_id: uuid.UUID, by: int) -> bool:
    """Mark a queued or running job cancelled by user ``by``; False when it had finished."""
    row = conn.execute(
        f"UPDATE plan_jobs SET state = 'cancelled', cancelled_by = %s, finished_at = now()"
        f" WHERE id = %s AND state IN {_ACTIVE} RETURNING id",
        (by, job_id),
    ).fetchone()
    return row is not None


def fail_orphans(
    conn: psycopg.Connection[Any], error: dict[str, Any], job_id: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """Fail the queued and running jobs (or only ``job_id``) whose process is gone."""
    return runners.fail_orphans(conn, "plan_jobs", PLAN_LOCK_CLASS, error, job_id)


def get(conn: psycopg.Connection[Any], job_id: uuid.UUID) -> dict[str, Any] | None:
    """One job with its creator's name, or None."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM plan_jobs j JOIN users u ON u.id = j.created_by WHERE j.id = %s",
        (job_id,),
    ).fetchone()
    return dict(row) if row is not None else None


def recent(conn: psycopg.Connection[Any], limit: int) -> list[dict[str, Any]]:
    """The latest jobs, newest first, without their results (the number of sites)."""
    rows = conn.execute(
        f"SELECT {_SHORT} FROM plan_jobs j JOIN users u ON u.id = j.created_by"
        " ORDER BY j.created_at DESC, j.id LIMIT %s",
        (limit,),
    ).fetchall()
    return [dict(r) for r in rows]
