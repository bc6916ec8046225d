"""Siting plans as jobs: asked for from the console, run in the background, polled.

A planner asks for a plan (:func:`job_params` checks the question before any job
exists); :class:`PlanJobs` runs it in a bounded thread pool inside the server process,
and the job in PostgreSQL (``plan_jobs``, SQL in :mod:`geo.db.plan_jobs`) says which
stage it is in and how far it got: loading the network, the uncovered demand, the
candidates and their reach, solving (elapsed of the time limit), verifying. The finished
plan is stored with the job (never deleted), so its sites can be re-verified after a
planner moved them (:func:`verify`) and exported in WGS-84 or GCJ-02 (:func:`sites_file`).

A job is queued or running only while its process lives: each process holds an advisory
lock, and a job whose process is gone is marked failed, at start-up and whenever it is
read (as :mod:`geo.import_jobs`). Cancelling marks the job cancelled at once; its worker
stops at the next stage (a solver already running ends at its time limit, at most
:data:`MAX_JOB_TIME_LIMIT_S`) and never stores its answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from geo.accounts import User
from geo.crs import parse_crs, to_wgs84
from geo.db import plan_jobs as db
from geo.db.connection import connect
from geo.db.job_runners import RunnerLock
from geo.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PlanFailed,
    PlanInterrupted,
    RateLimited,
    YizhanError,
)
from geo.settings import SitingSettings

log = logging.getLogger("yizhan.plans")

#: The longest time limit a plan run from the page may have (seconds).
MAX_JOB_TIME_LIMIT_S = 300.0
#: The most sites a re-verification takes.
MAX_VERIFY_SITES = 1000
#: The share of the whole job each stage of :func:`geo.siting.plan.plan` ends at.
STAGE_END = {
    "network": 0.10,
    "demand": 0.20,
    "candidates": 0.35,
    "solving": 0.90,
    "verifying": 1.0,
}
_STAGE_START = dict(zip(STAGE_END, (0.0, *list(STAGE_END.values())[:-1]), strict=True))
MAX_RECENT = 200
#: How often a solving job's progress is written (seconds).
TICK_S = 0.5

INTERRUPTED = PlanInterrupted(
    "服务器在方案计算完成前重启或停止，方案未完成；请重新计算",
    "the server restarted or stopped before this plan finished: run it again",
)
_FAILED = PlanFailed(
    "计算方案时发生内部错误；请稍后重试",
    "an internal error stopped the plan: try again later",
)


class _Stopped(Exception):
    """The job was cancelled (or failed) while it ran: stop without storing."""


# ------------------------------------------------------------------ the question


def _bad(zh: str, en: str) -> InvalidInput:
    return InvalidInput(zh, en)


# One keyword per field of the page's form; a bundle type would only hide them.
def job_params(  # noqa: PLR0913
    *,
    as_of: dt.date,
    kind: str,
    distance: float | None,
    mode: str,
    k: int | None,
    time_limit: float,
    solver: str,
    spacing: float | None,
    settings: SitingSettings,
) -> dict[str, Any]:
    """The checked question of a plan job (JSON-ready), refused before a job exists.

    Raises
    ------
    InvalidInput
        An unknown mode; ``k`` missing for the best k or given for full coverage; a time
        limit not in (0, 300] s; everything :func:`geo.siting.plan.plan_question` refuses.
    """
    from geo.siting.plan import plan_question  # lazy: the solver's import is slow

    if mode not in ("full", "k"):
        raise _bad(
            f"未知的方案类型「{mode}」，可选：full（最少站点全覆盖）、k（最优 k 个）",
            f"unknown plan mode '{mode}': use full (fewest sites) or k (best k)",
        )
    if mode == "k" and k is None:
        raise _bad("选择“最优 k 个”时必须填写 k", "the best-k plan needs k")
    if mode == "full" and k is not None:
        raise _bad(
            "“最少站点全覆盖”方案不需要 k；要限定站点数请选“最优 k 个”",
            "a full-coverage plan takes no k: choose best k to fix the number of sites",
        )
    if not (isinstance(time_limit, int | float) and math.isfinite(time_limit)) or not (
        0 < time_limit <= MAX_JOB_TIME_LIMIT_S
    ):
        raise _bad(
            f"求解时限必须大于 0 且不超过 {MAX_JOB_TIME_LIMIT_S:.0f} 秒，收到 {time_limit}",
            f"the time limit must be more than 0 and at most {MAX_JOB_TIME_LIMIT_S:.0f} s; "
            f"got {time_limit}",
        )
    pq = plan_question(
        as_of,
        kind=kind,
        distance_m=distance,
        k=k,
        solver=solver,
        time_limit_s=time_limit,
        spacing_m=spacing,
        settings=settings,
    )
    return {
        "as_of": as_of.isoformat(),
        "kind": kind,
        "distance": pq.coverage.distance_m,
        "mode": mode,
        "k": pq.k,
        "time_limit": pq.time_limit_s,
        "solver": pq.solver,
        "spacing": pq.spacing_m,
    }


def _question(params: dict[str, Any], settings: SitingSettings) -> Any:
    from geo.siting.plan import plan_question

    return plan_question(
        dt.date.fromisoformat(params["as_of"]),
        kind=params["kind"],
        distance_m=params["distance"],
        k=params["k"],
        solver=params["solver"],
        time_limit_s=params["time_limit"],
        spacing_m=params["spacing"],
        settings=settings,
    )


def _with_gcj02(answer: dict[str, Any]) -> dict[str, Any]:
    """Each site's position also in GCJ-02 (``lon_gcj02``, ``lat_gcj02``), for Amap."""
    sites = answer["sites"]
    if not sites:
        return answer
    from geo.siting.present import site_positions

    answer["sites"] = [
        {**s, "lon_gcj02": a, "lat_gcj02": b}
        for s, (a, b) in zip(sites, site_positions(sites, "gcj02"), strict=True)
    ]
    return answer


# ------------------------------------------------------------------ running


class _Progress:
    """A running job's stage and progress, written on its own connection: each stage as
    :func:`~geo.siting.plan.plan` starts it, and while solving, the elapsed share of the
    time limit (a ticker thread). Stops the plan at the next stage once the job is no
    longer running (cancelled)."""

    def __init__(self, url: str, job_id: uuid.UUID, time_limit_s: float) -> None:
        self.conn = connect(url, autocommit=True)
        self.job_id, self.time_limit_s = job_id, time_limit_s
        self.stages: list[dict[str, Any]] = []
        self._mutex = threading.Lock()
        self._solving_since: float | None = None
        self._done = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="plan-progress", daemon=True)
        self._ticker.start()

    def _write(self, stage: str, progress: float) -> str | None:
        with self._mutex:
            return db.set_progress(self.conn, self.job_id, stage, progress)

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        if self.stages:
            self.stages[-1]["seconds"] = round(now - self.stages[-1].pop("_at"), 3)
        self.stages.append({"stage": stage, "_at": now})
        self._solving_since = now if stage == "solving" else None
        if self._write(stage, _STAGE_START[stage]) != "running":
            raise _Stopped

    def _tick(self) -> None:
        while not self._done.wait(TICK_S):
            since = self._solving_since
            if since is None:
                continue
            share = min((time.perf_counter() - since) / self.time_limit_s, 1.0)
            start, end = _STAGE_START["solving"], STAGE_END["solving"]
            try:
                self._write("solving", start + (end - start) * share)
            except psycopg.Error:
                log.warning("plan job %s: could not write its progress", self.job_id)

    def finish(self) -> list[dict[str, Any]]:
        """The stages in order with their seconds."""
        if self.stages and "_at" in self.stages[-1]:
            self.stages[-1]["seconds"] = round(time.perf_counter() - self.stages[-1].pop("_at"), 3)
        return self.stages

    def close(self) -> None:
        self._done.set()
        self._ticker.join()
        self.conn.close()


class PlanJobs:
    """The background plans of one server process: a bounded thread pool, and the
    advisory lock that tells other processes this one is alive.

    Parameters
    ----------
    url
        The database.
    settings
        The ``siting`` settings: the objective's weights, workers and queue bound.
    """

    def __init__(self, url: str, settings: SitingSettings) -> None:
        self.url = url
        self.settings = settings
        self._pool = ThreadPoolExecutor(settings.siting_job_workers, thread_name_prefix="plan")
        self._mutex = threading.Lock()
        self._active = 0  # queued or running here
        self._runner = RunnerLock(url, db.PLAN_LOCK_CLASS)

    def start(self) -> None:
        """Take this process's lock and fail the jobs of processes that are gone. A
        database that is down now is tolerated: the lock is taken when the first job
        comes."""
        try:
            self._runner.ensure()
            with connect(self.url, autocommit=True) as conn:
                failed = db.fail_orphans(conn, INTERRUPTED.as_dict())
            if failed:
                log.warning("%d plan job(s) were left unfinished and are now failed", len(failed))
        except (YizhanError, psycopg.Error) as exc:
            log.warning("plan jobs: the database is not reachable yet (%s)", exc)

    def close(self) -> None:
        """Stop taking jobs; running ones end with the process (the next start marks
        them failed)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._runner.release()

    def submit(self, *, user: User, params: dict[str, Any]) -> uuid.UUID:
        """Queue a plan for the checked ``params`` (:func:`job_params`).

        Raises
        ------
        RateLimited
            When ``YIZHAN_SITING_JOB_MAX_QUEUED`` plans are already waiting or running here.
        """
        limit = self.settings.siting_job_max_queued
        with self._mutex:
            if self._active >= limit:
                raise RateLimited(
                    f"正在排队或计算的方案已达 {limit} 个，请稍后再试",
                    f"{limit} plans are already waiting or running: try again later",
                    retry_after_s=30,
                )
            self._active += 1
        job_id = uuid.uuid4()
        try:
            runner = self._runner.ensure()
            with connect(self.url, autocommit=True) as conn:
                db.insert(conn, job_id, created_by=user.id, params=params, runner=runner)
            self._pool.submit(self._run, job_id, params)
        except BaseException:
            with self._mutex:
                self._active -= 1
            raise
        return job_id

    def _run(self, job_id: uuid.UUID, params: dict[str, Any]) -> None:
        try:
            run_job(self.url, job_id, params, self.settings, self._runner.ensure())
        except Exception:
            log.exception("plan job %s could not start", job_id)
            _fail(self.url, job_id, _FAILED)
        finally:
            with self._mutex:
                self._active -= 1


def run_job(
    url: str, job_id: uuid.UUID, params: dict[str, Any], settings: SitingSettings, runner: int
) -> None:
    """Run queued job ``job_id`` in this thread: claim it, plan with progress, store the
    plan (or the error); a job cancelled meanwhile is left as it is."""
    from geo.siting.plan import plan  # lazy: the solver's import is slow

    progress: _Progress | None = None
    try:
        with connect(url, autocommit=True) as conn:
            if not db.claim(conn, job_id, runner):
                return  # cancelled, or failed meanwhile (its process was taken for gone)
        pq = _question(params, settings)
        progress = _Progress(url, job_id, pq.time_limit_s)
        with connect(url, autocommit=True) as conn:
            answer = plan(conn, pq, progress=progress)
            answer["stages"] = progress.finish()
            db.succeed(conn, job_id, _with_gcj02(answer))
    except _Stopped:
        return
    except YizhanError as exc:
        _fail(url, job_id, exc)
    except Exception:
        log.exception("plan job %s failed", job_id)
        _fail(url, job_id, _FAILED)
    finally:
        if progress is not None:
            progress.close()


def _fail(url: str, job_id: uuid.UUID, exc: YizhanError) -> None:
    try:
        with connect(url, autocommit=True) as conn:
            db.fail(conn, job_id, exc.as_dict())
    except (YizhanError, psycopg.Error):
        log.exception("plan job %s: could not record its failure", job_id)


# ------------------------------------------------------------------ reading jobs


def _no_such_job() -> NotFound:
    return NotFound("没有这个方案", "no such plan")


def _job_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise _no_such_job() from None


def get_job(conn: psycopg.Connection[Any], job_id: str) -> dict[str, Any]:
    """One job (any planner's: plans are the planning team's); one whose process is
    gone is first marked failed."""
    jid = _job_id(job_id)
    db.fail_orphans(conn, INTERRUPTED.as_dict(), jid)
    job = db.get(conn, jid)
    if job is None:
        raise _no_such_job()
    return job


def recent_jobs(conn: psycopg.Connection[Any], limit: int) -> list[dict[str, Any]]:
    """The latest jobs, newest first (without their plans)."""
    if isinstance(limit, bool) or not 1 <= limit <= MAX_RECENT:
        raise _bad(
            f"limit 必须在 1 到 {MAX_RECENT} 之间，收到 {limit}",
            f"limit must be between 1 and {MAX_RECENT}; got {limit}",
        )
    db.fail_orphans(conn, INTERRUPTED.as_dict())
    return db.recent(conn, limit)


def cancel_job(conn: psycopg.Connection[Any], job_id: str, user: User) -> dict[str, Any]:
    """Cancel a queued or running job (kept: who cancelled it); the job as it is then.

    Raises
    ------
    Conflict
        When the job had already finished (succeeded, failed or cancelled).
    """
    job = get_job(conn, job_id)
    if not db.cancel(conn, job["id"], user.id):
        raise Conflict(
            f"方案已结束（{job['state']}），无法取消",
            f"the plan has already ended ({job['state']}) and cannot be cancelled",
        )
    return get_job(conn, job_id)


def _finished(job: dict[str, Any]) -> dict[str, Any]:
    if job["state"] != "succeeded":
        raise Conflict(
            f"方案尚未成功完成（{job['state']}）",
            f"the plan has not succeeded ({job['state']})",
        )
    result: dict[str, Any] = job["result"]
    return result


def verify(
    conn: psycopg.Connection[Any], job_id: str, sites: list[tuple[float, float, str]]
) -> dict[str, Any]:
    """The coverage that ``sites`` (lon, lat, crs; moved by a planner) and the stations
    operating on the plan's as-of date reach, computed exactly by the coverage engine
    with the plan's own distance and cell, beside the plan's own figures.

    Raises
    ------
    Conflict
        The plan has not succeeded.
    InvalidInput
        Too many sites, a position that is not a number or not on the Earth, or an
        unknown CRS.
    """
    from geo.coverage import service
    from geo.coverage.city import load_city
    from geo.coverage.evaluate import evaluate
    from geo.siting.present import shares
    from geo.stations import sql as stations_sql

    result = _finished(get_job(conn, job_id))
    if len(sites) > MAX_VERIFY_SITES:
        raise _bad(
            f"最多核验 {MAX_VERIFY_SITES} 个站点，收到 {len(sites)} 个",
            f"at most {MAX_VERIFY_SITES} sites can be verified; got {len(sites)}",
        )
    lon, lat = _wgs84(sites)
    q = service.question(
        dt.date.fromisoformat(result["as_of"]),
        result["kind"],
        result["distance_m"],
        "walking",
        result["cell_m"],
    )
    city = load_city(conn, cell_m=q.cell_m)
    stations = stations_sql.operating_stations(conn, q.kind, q.as_of)
    cov = evaluate(
        city, np.r_[stations["lon"], lon], np.r_[stations["lat"], lat], q.distance_m, "walking"
    )
    moved = shares(city, cov)
    own = result["verified"]
    return {
        "sites": len(sites),
        "stations": len(stations["lon"]),
        "before": result["before"],
        "plan": own,
        "verified": moved,
        "difference": {
            key: round(moved[key] - own[key], 6)
            for key in ("main_street_share", "key_district_share")
        },
    }


def _wgs84(sites: list[tuple[float, float, str]]) -> tuple[np.ndarray, np.ndarray]:
    lon = np.empty(len(sites))
    lat = np.empty(len(sites))
    for i, (x, y, crs) in enumerate(sites):
        if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            raise _bad(
                f"第 {i + 1} 个站点的坐标无效：{x}, {y}",
                f"site {i + 1} has an invalid position: {x}, {y}",
            )
        a, b = to_wgs84(np.array([x]), np.array([y]), parse_crs(crs))
        lon[i], lat[i] = float(a[0]), float(b[0])
    return lon, lat


def sites_file(
    conn: psycopg.Connection[Any], job_id: str, suffix: str, crs: str
) -> tuple[bytes, str]:
    """A succeeded plan's sites as a ``.csv`` or ``.xlsx`` file in ``crs`` (the columns
    and a ``crs`` column name it): the bytes and a file name."""
    from geo.siting.export import write_sites

    name = parse_crs(crs)
    job = get_job(conn, job_id)
    result = _finished(job)
    filename = f"plan-{str(job['id'])[:8]}-sites-{name}{suffix}"
    with tempfile.TemporaryDirectory(prefix="yizhan-plan-") as folder:
        out = Path(folder) / filename
        write_sites(result, out, name)
        return out.read_bytes(), filename
