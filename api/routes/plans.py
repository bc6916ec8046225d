"""Siting plans run from the console as jobs (#16): ask (202 with the job), poll,
cancel, re-verify moved sites, export the sites. Planners and admins; any of them sees
every plan (plans are the planning team's, never deleted)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from api.auth import planner_user
from api.deps import get_conn
from api.openapi import error
from api.schemas.common import CRS
from api.schemas.plans import PlanIn, PlanJobOut, VerifyIn, VerifyOut
from geo.accounts import User
from geo.siting import jobs

router = APIRouter(prefix="/api/v1/plans", tags=["plans"])

Planner = Annotated[User, Depends(planner_user)]
Conn = Annotated[Any, Depends(get_conn)]
JobId = Annotated[str, Path(max_length=64, description="方案编号 / plan id")]
PLANS = "/api/v1/plans"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_STORE = {"Cache-Control": "no-store"}
ENDED = error(409, "方案已结束 / the plan has already ended")
UNFINISHED = error(409, "方案尚未成功完成 / the plan has not succeeded")


def _n_sites(result: dict[str, Any] | None) -> int | None:
    return None if result is None else len(result["sites"])


def _out(row: dict[str, Any], *, with_result: bool = True) -> PlanJobOut:
    job_id = str(row["id"])
    return PlanJobOut(
        id=job_id,
        url=f"{PLANS}/{job_id}",
        state=row["state"],
        stage=row["stage"],
        progress=row["progress"],
        params=row["params"],
        created_by=row["created_by_name"],
        cancelled_by=row["cancelled_by_name"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        error=row["error"],
        n_sites=row["n_sites"] if "n_sites" in row else _n_sites(row["result"]),
        result=row["result"] if with_result else None,
    )


@router.post(
    "",
    status_code=202,
    response_model=PlanJobOut,
)
def post_plan(body: PlanIn, request: Request, user: Planner, conn: Conn) -> JSONResponse:
    """Queue a plan; 202 with the job (and ``Location``) to poll. Planner role or above."""
    settings = request.app.state.settings.siting
    params = jobs.job_params(
        as_of=body.as_of,
        kind=body.kind,
        distance=body.distance,
        mode=body.mode,
        k=body.k,
        time_limit=body.time_limit,
        solver=body.solver,
        spacing=body.spacing,
        settings=settings,
    )
    job_id = request.app.state.plan_jobs.submit(user=user, params=params)
    out = _out(jobs.get_job(conn, str(job_id)))
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=202,
        headers={"Location": out.url, **NO_STORE},
    )


@router.get("", response_model=list[PlanJobOut])
def list_plans(
    user: Planner,
    conn: Conn,
    limit: Annotated[int, Query(ge=1, le=jobs.MAX_RECENT)] = 20,
) -> list[PlanJobOut]:
    """The latest plans, newest first, without their results (``n_sites`` says how many
    sites each found)."""
    return [_out(r, with_result=False) for r in jobs.recent_jobs(conn, limit)]


@router.get("/{job_id}", response_model=PlanJobOut)
def get_plan(job_id: JobId, user: Planner, conn: Conn) -> PlanJobOut:
    """One plan: state, stage, progress and, once it succeeded, the plan."""
    return _out(jobs.get_job(conn, job_id))


@router.post("/{job_id}/cancel", response_model=PlanJobOut, responses=ENDED)
def cancel_plan(job_id: JobId, user: Planner, conn: Conn) -> PlanJobOut:
    """Cancel a queued or running plan (409 once it has ended)."""
    return _out(jobs.cancel_job(conn, job_id, user))


@router.post("/{job_id}/verify", response_model=VerifyOut, responses=UNFINISHED)
def verify_plan(job_id: JobId, body: VerifyIn, user: Planner, conn: Conn) -> dict[str, Any]:
    """The coverage the given sites (moved by the planner) and the operating stations
    reach, computed exactly, beside the plan's own figures (409 unless it succeeded)."""
    sites = [(s.lon, s.lat, str(s.crs)) for s in body.sites]
    return jobs.verify(conn, job_id, sites)


@router.get(
    "/{job_id}/sites.{fmt}",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}, **UNFINISHED},
)
def plan_sites(
    job_id: JobId,
    fmt: Literal["csv", "xlsx"],
    user: Planner,
    conn: Conn,
    crs: Annotated[CRS, Query(description="wgs84 | gcj02 | bd09")] = "wgs84",
) -> Response:
    """The plan's sites in build order as CSV or XLSX, positions in ``crs`` (the columns
    ``lng_<crs>``, ``lat_<crs>`` and a ``crs`` column name it)."""
    data, name = jobs.sites_file(conn, job_id, f".{fmt}", crs)
    media = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type=media, headers=headers)
