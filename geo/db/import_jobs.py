"""SQL for import jobs (``import_jobs``, ``import_job_problems``, migration 0008).

Every query is parameterised. State changes name the state they start from
(``WHERE state = 'queued'`` …), so a job failed by the orphan sweep is never then run or
marked succeeded by the process that had lost it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from geo.db import job_runners as runners

#: Advisory locks (JOB_LOCK_CLASS, runner) are held by the processes that run jobs.
JOB_LOCK_CLASS = 0x594A  # "YJ"

_COLUMNS = (
    "j.id, j.owner_id, u.name AS owner, j.file, j.options, j.background, j.state, j.phase,"
    " j.done, j.total, j.rows_total, j.result, j.error, j.created_at, j.started_at,"
    " j.finished_at"
)
_ACTIVE = runners.ACTIVE


def lock_runner(conn: psycopg.Connection[Any], runner: int) -> bool:
    """Take the runner's lock for this session; False when another session holds it."""
    return runners.lock_runner(conn, JOB_LOCK_CLASS, runner)


def insert(  # noqa: PLR0913 - one column each
    conn: psycopg.Connection[Any],
    job_id: uuid.UUID,
    *,
    owner_id: int,
    file: str,
    options: dict[str, Any],
    background: bool,
    rows_total: int | None,
    runner: int | None = None,
    result: dict[str, Any] | None = None,
) -> None:
    """Add a job: queued for ``runner``, or (no runner) finished with ``result``."""
    finished = runner is None
    conn.execute(
        "INSERT INTO import_jobs (id, owner_id, file, options, background, state, runner,"
        " rows_total, done, result, started_at, finished_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " CASE WHEN %s THEN now() END, CASE WHEN %s THEN now() END)",
        (
            job_id,
            owner_id,
            file,
            Jsonb(options),
            background,
            "succeeded" if finished else "queued",
            runner,
            rows_total,
            rows_total if finished and rows_total is not None else 0,
            Jsonb(result) if result is not None else None,
            finished,
            finished,
        ),
    )


def claim(conn: psycopg.Connection[Any], job_id: uuid.UUID, runner: int) -> bool:
    """Mark a queued job running under ``runner``; False when it is no longer queued."""
    row = conn.execute(
        "UPDATE import_jobs SET state = 'running', runner = %s, started_at = now(),"
        " phase = 'reading', done = 0, total = rows_total"
        " WHERE id = %s AND state = 'queued' RETURNING id",
        (runner, job_id),
    ).fetchone()
    return row is not None


def set_progress(
    conn: psycopg.Connection[Any], job_id: uuid.UUID, phase: str, done: int, total: int | None
) -> None:
    """Record how far a running job has got."""
    conn.execute(
        "UPDATE import_jobs SET phase = %s, done = %s, total = %s"
        " WHERE id = %s AND state = 'running'",
        (phase, done, total, job_id),
    )


def succeed(conn: psycopg.Connection[Any], job_id: uuid.UUID, result: dict[str, Any]) -> bool:
    """Mark a running job succeeded with its report; False when it is no longer running."""
    row = conn.execute(
        "UPDATE import_jobs SET state = 'succeeded', result = %s, finished_at = now(),"
        " phase = NULL, done = coalesce(total, done)"
        " WHERE id = %s AND state = 'running' RETURNING id",
        (Jsonb(result), job_id),
    ).fetchone()
    return row is not None


def fail(conn: psycopg.Connection[Any], job_id: uuid.UUID, error: dict[str, Any]) -> bool:
    """Mark a queued or running job failed with ``error``; False when it had finished."""
    return runners.fail(conn, "import_jobs", job_id, error)


def fail_orphans(
    conn: psycopg.Connection[Any], error: dict[str, Any], job_id: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """Fail the queued and running jobs (or only ``job_id``) whose process is gone."""
    return runners.fail_orphans(conn, "import_jobs", JOB_LOCK_CLASS, error, job_id)


def add_problems(
    conn: psycopg.Connection[Any], job_id: uuid.UUID, records: Iterable[Sequence[Any]]
) -> int:
    """Store a job's problem records (row, field, code, reason_zh, reason_en, cells JSON
    text) in order, with COPY; returns how many."""
    n = 0
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY import_job_problems (job_id, n, file_row, field, code, reason_zh, reason_en,"
            " cells) FROM STDIN"
        ) as copy,
    ):
        for row, field, code, zh, en, cells in records:
            n += 1
            copy.write_row((job_id, n, row, field or None, code, zh, en, cells or None))
    return n


def get(conn: psycopg.Connection[Any], job_id: uuid.UUID) -> dict[str, Any] | None:
    """One job with its owner's name, or None."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM import_jobs j JOIN users u ON u.id = j.owner_id WHERE j.id = %s",
        (job_id,),
    ).fetchone()
    return dict(row) if row is not None else None


def recent(conn: psycopg.Connection[Any], owner_id: int | None, limit: int) -> list[dict[str, Any]]:
    """The latest jobs, newest first: ``owner_id``'s, or everyone's when None."""
    where = "WHERE j.owner_id = %s" if owner_id is not None else ""
    params: tuple[Any, ...] = (owner_id, limit) if owner_id is not None else (limit,)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM import_jobs j JOIN users u ON u.id = j.owner_id {where}"
        " ORDER BY j.created_at DESC, j.id LIMIT %s",
        params,
    ).fetchall()
    return [dict(r) for r in rows]


def problem_records(conn: psycopg.Connection[Any], job_id: uuid.UUID) -> Iterator[tuple[Any, ...]]:
    """A job's problem records in report order (as :func:`add_problems` took them)."""
    rows = conn.execute(
        "SELECT file_row, field, code, reason_zh, reason_en, cells::text AS cells"
        " FROM import_job_problems WHERE job_id = %s ORDER BY n",
        (job_id,),
    ).fetchall()
    for r in rows:
        yield (r["file_row"], r["field"] or "", r["code"], r["reason_zh"], r["reason_en"],
               r["cells"] or "")  # fmt: skip


def delete_finished(conn: psycopg.Connection[Any], *, older_than_days: int) -> int:
    """Delete jobs (and their problems) that finished more than ``older_than_days`` ago
    by the database's clock, which stamped them; returns how many."""
    cur = conn.execute(
        "DELETE FROM import_jobs WHERE finished_at < now() - make_interval(days => %s)",
        (older_than_days,),
    )
    return cur.rowcount
