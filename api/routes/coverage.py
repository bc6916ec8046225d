"""Coverage: stored snapshots are served to everyone; computing costs CPU, so the routes
that compute depend on :func:`require_planner`.

``require_planner`` is the single point of authorisation: a logged-in planner or admin
(401 without a login, 403 for other roles).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import psycopg
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.auth import planner_user
from api.deps import get_conn
from geo import clock
from geo.accounts import User
from geo.coverage import service, trend

router = APIRouter(prefix="/api/v1/coverage", tags=["coverage"])

Mode = Literal["walking", "straight_line"]


def require_planner(user: User = Depends(planner_user)) -> User:
    """Planner role or above (planner, admin)."""
    return user


class Summary(BaseModel):
    as_of: dt.date
    kind: str
    distance_m: float
    mode: str
    mode_label: str
    cell_m: float
    stations: int
    stations_reaching_network: int
    undated_open_stations: int = Field(description="open stations without opened_on: not counted")
    main_street_m: float
    main_street_covered_m: float
    main_street_share: float | None
    main_street_off_network_m: float = Field(
        description="main streets not in the walk network, measured by snapping"
    )
    key_district_area_m2: float
    key_district_covered_m2: float
    key_district_share: float | None
    key_districts: int
    cells: int
    note: str | None = Field(None, description="why coverage is 0, e.g. before the first station")
    note_en: str | None = None


class DistrictRow(BaseModel):
    district: str
    is_key: bool
    main_street_m: float
    main_street_covered_m: float
    main_street_share: float | None
    area_m2: float | None = None
    area_covered_m2: float | None = None
    area_share: float | None = None


class StreetRow(BaseModel):
    street: str
    length_m: float
    covered_m: float
    share: float | None


class CoverageOut(BaseModel):
    snapshot_id: int
    computed_at: dt.datetime
    fingerprint: str
    reused: bool | None = None
    summary: Summary
    districts: list[DistrictRow]
    streets: list[StreetRow]


class RunIn(BaseModel):
    as_of: dt.date
    kind: str = "love_station"
    distance: float | None = None
    mode: Mode = "walking"


class TrendPoint(BaseModel):
    as_of: dt.date
    stations: int
    main_street_share: float | None
    key_district_share: float | None
    snapshot_id: int


class TargetProgress(BaseModel):
    kind: str
    metric: str
    value: float
    starts_on: dt.date | None
    deadline: dt.date
    note: str | None
    current: float | None
    pace_per_month: float | None
    needed_per_month: float | None
    reached: float | None = Field(description="value on the deadline, once it has passed")
    projected_date: dt.date | None
    status: str = Field(description="met | on_track | at_risk | off_track | missed | no_data")
    status_label: str
    projection: str = Field(description="where it stands, in words (Chinese)")
    projection_en: str


class TrendOut(BaseModel):
    kind: str
    distance_m: float
    mode: str
    cell_m: float
    as_of: dt.date
    first_opened: dt.date | None = Field(description="the kind's first opening date")
    points: list[TrendPoint]
    missing: list[dt.date] = Field(description="dates without a current snapshot")
    targets: list[TargetProgress]
    count_targets: list[TargetProgress]


def _out(snap: dict[str, Any]) -> CoverageOut:
    figs = snap["figures"]
    return CoverageOut(
        snapshot_id=snap["id"],
        computed_at=snap["computed_at"],
        fingerprint=snap["fingerprint"],
        reused=snap.get("reused"),
        summary=Summary(**figs["summary"]),
        districts=[DistrictRow(**d) for d in figs["districts"]],
        streets=[StreetRow(**s) for s in figs["streets"]],
    )


def _today() -> dt.date:
    """The default as-of date: today in the city's time zone."""
    return clock.today()


@router.get("", response_model=CoverageOut)
def get_coverage(
    as_of: dt.date = Query(default_factory=_today, description="as-of date (default today)"),
    kind: str = "love_station",
    distance: float | None = Query(None, description="metres; default per kind"),
    mode: Mode = "walking",
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> CoverageOut:
    """The stored coverage snapshot for the current data: summary, districts, streets."""
    return _out(service.stored(conn, service.question(as_of, kind, distance, mode)))


@router.get("/gaps")
def get_gaps(
    as_of: dt.date = Query(default_factory=_today),
    kind: str = "love_station",
    distance: float | None = None,
    mode: Mode = "walking",
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> dict[str, Any]:
    """GeoJSON of the gaps: uncovered main-street stretches and uncovered key-district
    areas, largest first."""
    snap = service.stored(conn, service.question(as_of, kind, distance, mode))
    return service.features(conn, snap["id"], ("street_gap", "area_gap"))


@router.get("/trend", response_model=TrendOut)
def get_trend(
    as_of: dt.date = Query(default_factory=_today, description="the trend ends here"),
    kind: str = "love_station",
    distance: float | None = None,
    mode: Mode = "walking",
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> dict[str, Any]:
    """Month-end coverage from stored snapshots, the projection to the targets, and the
    count targets. Month ends not yet computed are listed in ``missing``."""
    out = trend.coverage_trend(conn, kind, as_of=as_of, distance_m=distance, mode=mode)
    return {**out, "count_targets": trend.count_targets(conn, as_of, kind=kind)}


@router.post("/runs", response_model=CoverageOut, dependencies=[Depends(require_planner)])
def post_run(body: RunIn, conn: psycopg.Connection[Any] = Depends(get_conn)) -> CoverageOut:
    """Compute (or reuse) the snapshot for a date. Planner role or above."""
    q = service.question(body.as_of, body.kind, body.distance, body.mode)
    return _out(service.run(conn, q))


@router.post("/trend/runs", response_model=TrendOut, dependencies=[Depends(require_planner)])
def post_trend_run(
    as_of: dt.date = Query(default_factory=_today, description="the trend ends here"),
    kind: str = "love_station",
    distance: float | None = None,
    mode: Mode = "walking",
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> dict[str, Any]:
    """Compute the missing month-end snapshots, then answer as GET /trend. Planner role."""
    out = trend.coverage_trend(
        conn, kind, as_of=as_of, distance_m=distance, mode=mode, compute=True
    )
    return {**out, "count_targets": trend.count_targets(conn, as_of, kind=kind)}


class PlanSite(BaseModel):
    rank: int
    candidate_id: str
    name: str
    source: str = Field(description="file name, street, district or gap (generated)")
    lon: float = Field(description="WGS-84")
    lat: float = Field(description="WGS-84")
    crs: str | None = Field(None, description="datum of x/y when asked for (crs=gcj02 …)")
    x: float | None = None
    y: float | None = None
    street: str = Field(description="the main street it serves most (or the nearest)")
    district: str
    adds_main_street_m: float
    adds_key_district_m2: float
    main_street_share: float | None = Field(description="cumulative, after this site")
    key_district_share: float | None = Field(description="cumulative, after this site")


class PlanOut(BaseModel):
    as_of: dt.date
    kind: str
    distance_m: float
    model: Literal["lscp", "mclp"]
    k: int | None
    solver: str
    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    stations: int
    candidates: dict[str, Any]
    demand: dict[str, Any]
    weights: dict[str, float]
    before: dict[str, Any]
    predicted: dict[str, Any]
    verified: dict[str, Any] = Field(description="coverage measured with every site built")
    sites: list[PlanSite]
    unreachable: dict[str, Any] = Field(description="demand no candidate reaches, with where")
    pace: dict[str, Any]


@router.get("/plan", response_model=PlanOut, dependencies=[Depends(require_planner)])
def get_plan(
    k: int | None = Query(None, description="best k new sites (MCLP); absent: full (LSCP)"),
    as_of: dt.date = Query(default_factory=_today),
    kind: str = "love_station",
    distance: float | None = Query(None, description="metres; default per kind"),
    spacing: float | None = Query(None, description="candidate spacing (m)"),
    solver: str = "highs",
    time_limit: float = Query(30.0, description="seconds, at most 120"),
    crs: str = Query("wgs84", description="also give positions in wgs84 | gcj02 | bd09"),
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> dict[str, Any]:
    """Where new stations should go: the fewest sites that close every gap, or the best
    ``k``. Planner role or above (it costs CPU); nothing is stored."""
    from geo.crs import parse_crs
    from geo.errors import InvalidInput
    from geo.siting.plan import plan, plan_question
    from geo.siting.present import with_crs

    name = parse_crs(crs)
    if not 0 < time_limit <= 120:
        raise InvalidInput(
            f"求解时限必须大于 0 且不超过 120 秒，收到 {time_limit:g}",
            f"time_limit must be more than 0 and at most 120 s; got {time_limit:g}",
        )
    pq = plan_question(
        as_of,
        kind=kind,
        distance_m=distance,
        k=k,
        solver=solver,
        time_limit_s=time_limit,
        spacing_m=spacing,
    )
    return with_crs(plan(conn, pq), name)
