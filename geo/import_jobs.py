"""Station imports as jobs: checked before parsing, run in the request or in the
background, reported in short, with the full problem list kept for download.

An upload is first counted within the read limits (:func:`plan`), which refuses a file
that is too big before any row is validated. Small imports then run in the request;
big ones (more rows than ``YIZHAN_IMPORT_ASYNC_ROWS``, or any with ``async``) are queued
in a bounded thread pool inside the server process (:class:`ImportJobs`), and the job
in PostgreSQL says how far it got. Either way the import is one transaction, and the
job is marked succeeded, with its report and every problem row, inside it: a failed job
has stored nothing.

A job is queued or running only while its process lives: each process holds an
advisory lock, and a job whose process is gone is marked failed with a message saying
so, at start-up and whenever it is read.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg

from geo.accounts import REVIEWERS, User
from geo.db import import_jobs as db
from geo.db.connection import connect
from geo.db.job_runners import RunnerLock
from geo.errors import (
    ImportFailed,
    ImportInterrupted,
    InvalidInput,
    NotFound,
    RateLimited,
    YizhanError,
)
from geo.importers import ImportReport, problem_record, problems_csv
from geo.io.limits import ReadLimits
from geo.io.rows import count_rows
from geo.settings import ImportSettings
from geo.stations.imports import import_stations
from geo.vocab import KINDS

log = logging.getLogger("yizhan.imports")

INTERRUPTED = ImportInterrupted(
    "服务器在导入完成前重启或停止，导入未完成，没有写入任何数据；请重新上传文件",
    "the server restarted or stopped before this import finished; nothing from it was "
    "stored: upload the file again",
)
_FAILED = ImportFailed(
    "导入时发生内部错误，没有写入任何数据；请稍后重试",
    "an internal error stopped the import; nothing from it was stored: try again later",
)
_RECENT_JOBS = 50


def job_folder(job_id: uuid.UUID) -> Path:
    """Where a background job keeps its upload until it has run."""
    return Path(tempfile.gettempdir()) / f"yizhan-job-{job_id}"


def _fail_orphans(conn: psycopg.Connection[Any], job_id: uuid.UUID | None = None) -> int:
    """Fail the jobs whose process is gone (or only ``job_id``) and delete the uploads
    they left on this machine; how many."""
    failed = db.fail_orphans(conn, INTERRUPTED.as_dict(), job_id)
    for jid in failed:
        shutil.rmtree(job_folder(jid), ignore_errors=True)
    return len(failed)


@dataclass(frozen=True)
class ImportOptions:
    """What an upload asked for, kept with its job so the worker imports the same way."""

    kind: str
    crs: str
    dry_run: bool = False
    source: str | None = None
    encoding: str | None = None
    review_state: str = "approved"
    #: The importer's name when they may not publish (field staff): their rows may only
    #: change stations they registered (``geo.stations.imports``).
    field_staff: str | None = None
    #: Import even when the rows fit the streets far better in another datum.
    force: bool = False

    def check(self) -> None:
        """Refuse an unknown kind before a job is queued for it."""
        if self.kind not in KINDS:
            raise InvalidInput(
                f"未知的站点类型「{self.kind}」，可选：{', '.join(KINDS)}",
                f"unknown station kind '{self.kind}': use one of {', '.join(KINDS)}",
            )


def plan(path: Path, encoding: str | None, limits: ReadLimits) -> int:
    """The rows ``path`` holds, counted while streaming it within ``limits``.

    This is where an XLSX bomb or a million-row CSV is refused (413) before any row is
    validated and before any job exists; it keeps nothing but the count.
    """
    return count_rows(path, encoding=encoding, limits=limits)


def summary(report: ImportReport, listed: int) -> dict[str, Any]:
    """The report as people see it: every count, the first ``listed`` problems and
    possible duplicates, and how many there are of each."""
    problems = [
        {k: v for k, v in asdict(p).items() if k != "values"} for p in report.problems[:listed]
    ]
    return {
        "file": Path(report.file).name,
        "dry_run": report.dry_run,
        "counts": report.counts,
        "problems": problems,
        "problems_total": len(report.problems),
        "problem_codes": report.problem_codes(),
        "duplicates": report.duplicates[:listed],
        "duplicates_total": len(report.duplicates),
        "notes": report.notes,
        "datum": report.datum,
        "preview": report.preview,
    }


def _import(
    path: Path,
    options: ImportOptions,
    actor: str,
    url: str,
    limits: ReadLimits,
    finish: Callable[[Any, ImportReport], None],
    progress: Callable[[str, int, int | None], None] | None = None,
    preview_rows: int = 0,
) -> ImportReport:
    return import_stations(
        path,
        kind=options.kind,
        crs=options.crs,
        dry_run=options.dry_run,
        source=options.source,
        encoding=options.encoding,
        review_state=options.review_state,
        field_staff=options.field_staff,
        force=options.force,
        actor=actor,
        url=url,
        limits=limits,
        progress=progress,
        finish=finish,
        preview_rows=preview_rows,
    )


def run_now(
    url: str,
    settings: ImportSettings,
    *,
    user: User,
    path: Path,
    options: ImportOptions,
    rows_total: int,
) -> tuple[uuid.UUID, dict[str, Any]]:
    """Import in the caller's thread; the finished job (report and problems) is stored
    in the import's transaction. Returns the job id and the report summary."""
    job_id = uuid.uuid4()
    out: dict[str, Any] = {}

    def finish(conn: Any, report: ImportReport) -> None:
        out.update(summary(report, settings.import_report_problems))
        db.insert(
            conn,
            job_id,
            owner_id=user.id,
            file=path.name,
            options=asdict(options),
            background=False,
            rows_total=rows_total,
            result=out,
        )
        db.add_problems(conn, job_id, (problem_record(p) for p in report.problems))

    _import(
        path,
        options,
        user.name,
        url,
        ReadLimits.from_settings(settings),
        finish,
        preview_rows=settings.import_preview_rows,
    )
    return job_id, out


class _Progress:
    """Writes a running job's progress on its own connection, so it shows while the
    import's transaction is still open."""

    def __init__(self, url: str, job_id: uuid.UUID, rows_total: int | None) -> None:
        self.conn = connect(url, autocommit=True)
        self.job_id, self.rows_total = job_id, rows_total

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if total is None and phase == "reading":
            total = self.rows_total
        db.set_progress(self.conn, self.job_id, phase, done, total)

    def close(self) -> None:
        self.conn.close()


class ImportJobs:
    """The background imports of one server process: a bounded thread pool, and the
    advisory lock that tells other processes this one is alive.

    Parameters
    ----------
    url
        The database.
    settings
        The ``imports`` settings: workers, queue bound, report length, read limits.
    """

    def __init__(self, url: str, settings: ImportSettings) -> None:
        self.url = url
        self.settings = settings
        self._pool = ThreadPoolExecutor(settings.import_workers, thread_name_prefix="import")
        self._mutex = threading.Lock()
        self._active = 0  # queued or running here
        self._waiting: dict[uuid.UUID, Path] = {}  # queued jobs' folders, deleted on close
        self._runner = RunnerLock(url, db.JOB_LOCK_CLASS)

    # -------------------------------------------------------------- life cycle

    def start(self) -> None:
        """Take this process's lock, fail the jobs of processes that are gone, and
        delete finished jobs older than ``YIZHAN_IMPORT_KEEP_DAYS``. A database that is
        down now is tolerated: the lock is taken when the first job comes."""
        try:
            self._runner.ensure()
            with connect(self.url, autocommit=True) as conn:
                failed = _fail_orphans(conn)
                db.delete_finished(conn, older_than_days=self.settings.import_keep_days)
            if failed:
                log.warning("%d import job(s) were left unfinished and are now failed", failed)
        except (YizhanError, psycopg.Error) as exc:
            log.warning("import jobs: the database is not reachable yet (%s)", exc)

    def close(self) -> None:
        """Stop taking jobs; the running ones end with the process (their transactions
        roll back, and the next start marks them failed)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._mutex:
            for folder in self._waiting.values():
                shutil.rmtree(folder, ignore_errors=True)
            self._waiting.clear()
        self._runner.release()

    # -------------------------------------------------------------- jobs

    def submit(
        self, *, user: User, path: Path, workdir: Path, options: ImportOptions, rows_total: int
    ) -> uuid.UUID:
        """Queue an import of ``path``; the job takes ``workdir`` (moved to
        :func:`job_folder`) and deletes it when done.

        Raises
        ------
        RateLimited
            When ``YIZHAN_IMPORT_MAX_QUEUED`` imports are already waiting or running here.
        """
        with self._mutex:
            if self._active >= self.settings.import_max_queued:
                raise RateLimited(
                    f"正在排队或进行的导入已达 {self.settings.import_max_queued} 个，请稍后再试",
                    f"{self.settings.import_max_queued} imports are already waiting or "
                    "running: try again later",
                    retry_after_s=60,
                )
            self._active += 1
        job_id = uuid.uuid4()
        try:
            runner = self._runner.ensure()
            folder = workdir.rename(job_folder(job_id))
            with connect(self.url, autocommit=True) as conn:
                db.insert(
                    conn,
                    job_id,
                    owner_id=user.id,
                    file=path.name,
                    options=asdict(options),
                    background=True,
                    rows_total=rows_total,
                    runner=runner,
                )
            with self._mutex:
                self._waiting[job_id] = folder
            self._pool.submit(
                self._run, job_id, user.name, folder / path.name, folder, options, rows_total
            )
        except BaseException:
            shutil.rmtree(job_folder(job_id), ignore_errors=True)
            with self._mutex:
                self._active -= 1
                self._waiting.pop(job_id, None)
            raise
        return job_id

    def _run(
        self,
        job_id: uuid.UUID,
        actor: str,
        path: Path,
        workdir: Path,
        options: ImportOptions,
        rows_total: int,
    ) -> None:
        progress: _Progress | None = None
        with self._mutex:
            self._waiting.pop(job_id, None)
        try:
            runner = self._runner.ensure()
            with connect(self.url, autocommit=True) as conn:
                if not db.claim(conn, job_id, runner):
                    return  # failed meanwhile (its process was taken for gone)
            progress = _Progress(self.url, job_id, rows_total)
            _import(
                path,
                options,
                actor,
                self.url,
                ReadLimits.from_settings(self.settings),
                self._finisher(job_id),
                progress,
                preview_rows=self.settings.import_preview_rows,
            )
        except YizhanError as exc:
            self._fail(job_id, exc)
        except Exception:
            log.exception("import job %s failed", job_id)
            self._fail(job_id, _FAILED)
        finally:
            if progress is not None:
                progress.close()
            shutil.rmtree(workdir, ignore_errors=True)
            with self._mutex:
                self._active -= 1

    def _finisher(self, job_id: uuid.UUID) -> Callable[[Any, ImportReport], None]:
        def finish(conn: Any, report: ImportReport) -> None:
            if not db.succeed(conn, job_id, summary(report, self.settings.import_report_problems)):
                raise INTERRUPTED  # taken for gone meanwhile: roll the import back
            db.add_problems(conn, job_id, (problem_record(p) for p in report.problems))

        return finish

    def _fail(self, job_id: uuid.UUID, exc: YizhanError) -> None:
        try:
            with connect(self.url, autocommit=True) as conn:
                db.fail(conn, job_id, exc.as_dict())
        except (YizhanError, psycopg.Error):
            log.exception("import job %s: could not record its failure", job_id)


# ------------------------------------------------------------------ reading jobs


def _job_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise _no_such_job() from None


def _no_such_job() -> NotFound:
    return NotFound("没有这个导入任务", "no such import job")


def visible_job(conn: psycopg.Connection[Any], job_id: str, user: User) -> dict[str, Any]:
    """A job its owner, a reviewer or an admin may see (404 for anyone else, as for a
    job that does not exist); one whose process is gone is first marked failed."""
    jid = _job_id(job_id)
    _fail_orphans(conn, jid)
    job = db.get(conn, jid)
    if job is None or (job["owner_id"] != user.id and user.role not in REVIEWERS):
        raise _no_such_job()
    return job


def recent_jobs(conn: psycopg.Connection[Any], user: User) -> list[dict[str, Any]]:
    """The latest jobs the user may see: their own, or everyone's for reviewers."""
    owner = None if user.role in REVIEWERS else user.id
    return db.recent(conn, owner, _RECENT_JOBS)


def job_problems_csv(
    conn: psycopg.Connection[Any], job_id: str, user: User
) -> tuple[uuid.UUID, str]:
    """A visible job's id and every problem row of its report as CSV (through the
    spreadsheet sanitiser)."""
    job = visible_job(conn, job_id, user)
    return job["id"], problems_csv(db.problem_records(conn, job["id"]))
