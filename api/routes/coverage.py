"""Coverage: stored snapshots are served to everyone; computing costs CPU, so the routes
that compute depend on :func:`require_planner`.

``require_planner`` is the single point of authorisation: a logged-in planner or admin
(401 without a login, 403 for other roles).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import psycopg
from fastapi import APIRouter, Depends, Query

from api.auth import planner_user
from api.deps import get_conn
from api.openapi import error
from api.schemas.common import CRS_CHOICES, CRS_SCHEMA, DATE_SCHEMA, KIND_SCHEMA, Mode, bounds
from api.schemas.coverage import (
    CoverageOut,
    DistrictRow,
    NotWalkableRow,
    PlanOut,
    RunIn,
    StreetRow,
    Summary,
    TrendOut,
)
from geo import clock, vocab
from geo.accounts import User
from geo.coverage import service, trend
from geo.errors import NotFound
from geo.stations import sql as stations_sql
from geo.units import MAX_DISTANCE_M, MIN_SERVICE_DISTANCE_M

router = APIRouter(prefix="/api/v1/coverage", tags=["coverage"])


def require_planner(user: User = Depends(planner_user)) -> User:
    """Planner role or above (planner, admin)."""
    return user


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
        not_walkable=[NotWalkableRow(**r) for r in figs.get("not_walkable", [])],
    )


def _today() -> dt.date:
    """The default as-of date: today in the city's time zone."""
    return clock.today()


def _as_of(description: str = "as-of date (default today)") -> Any:
    return Query(default_factory=_today, description=description, json_schema_extra=DATE_SCHEMA)


KindParam = Annotated[str, Query(json_schema_extra=KIND_SCHEMA)]
DistanceParam = Annotated[
    float | None,
    Query(
        json_schema_extra=bounds(MIN_SERVICE_DISTANCE_M, MAX_DISTANCE_M),
        description="metres; default per kind",
    ),
]


NOT_COMPUTED = error(404, "该日期尚未计算覆盖率 / no coverage computed for this question yet")

NOT_LOADED = error(409, "尚未导入步行路网 / no walk network is loaded yet")


@router.get("", response_model=CoverageOut, responses=NOT_COMPUTED)
def get_coverage(
    as_of: dt.date = _as_of(),
    kind: KindParam = "love_station",
    distance: DistanceParam = None,
    mode: Mode = "walking",
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> CoverageOut:
    """The stored coverage snapshot for the current data: summary, districts, streets."""
    return _out(service.stored(conn, service.question(as_of, kind, distance, mode)))


@router.get("/runs", response_model=list[CoverageOut])
def list_runs(
    as_of: dt.date = _as_of(),
    kind: KindParam = "love_station",
    distance: DistanceParam = None,
    mode: Mode = "walking",
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> list[CoverageOut]:
    """The computed snapshots answering the question for the current data: the one of
    GET /coverage, or none yet (an empty list rather than a 404, for pages that ask
    whether to offer a run)."""
    try:
        return [_out(service.stored(conn, service.question(as_of, kind, distance, mode)))]
    except NotFound:
        return []


@router.get("/gaps", responses=NOT_COMPUTED)
def get_gaps(
    as_of: dt.date = _as_of(),
    kind: KindParam = "love_station",
    distance: DistanceParam = None,
    mode: Mode = "walking",
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> dict[str, Any]:
    """GeoJSON of the gaps: uncovered main-street stretches and uncovered key-district
    areas, largest first."""
    snap = service.stored(conn, service.question(as_of, kind, distance, mode))
    return service.features(conn, snap["id"], ("street_gap", "area_gap"))


@router.get("/trend", response_model=TrendOut)
def get_trend(
    as_of: dt.date = _as_of("the trend ends here"),
    kind: KindParam = "love_station",
    distance: DistanceParam = None,
    mode: Mode = "walking",
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> dict[str, Any]:
    """Month-end coverage from stored snapshots, the projection to the targets, and the
    count targets. Month ends not yet computed are listed in ``missing``."""
    out = trend.coverage_trend(conn, kind, as_of=as_of, distance_m=distance, mode=mode)
    return {**out, "count_targets": trend.count_targets(conn, as_of, kind=kind)}


@router.post(
    "/runs",
    response_model=CoverageOut,
    dependencies=[Depends(require_planner)],
    responses=NOT_LOADED,
)
def post_run(body: RunIn, conn: psycopg.Connection[Any] = Depends(get_conn)) -> CoverageOut:
    """Compute (or reuse) the snapshot for a date. Planner role or above."""
    q = service.question(body.as_of, body.kind, body.distance, body.mode)
    return _out(service.run(conn, q))


@router.post(
    "/trend/runs",
    response_model=TrendOut,
    dependencies=[Depends(require_planner)],
    responses=NOT_LOADED,
)
def post_trend_run(
    as_of: dt.date = _as_of("the trend ends here"),
    kind: KindParam = "love_station",
    distance: DistanceParam = None,
    mode: Mode = "walking",
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> dict[str, Any]:
    """Compute the missing month-end snapshots, then answer as GET /trend. Planner role."""
    out = trend.coverage_trend(
        conn, kind, as_of=as_of, distance_m=distance, mode=mode, compute=True
    )
    return {**out, "count_targets": trend.count_targets(conn, as_of, kind=kind)}


@router.get(
    "/plan",
    response_model=PlanOut,
    dependencies=[Depends(require_planner)],
    responses=NOT_LOADED,
)
# FastAPI reads the query from the signature: one parameter per query parameter.
def get_plan(  # noqa: PLR0913
    k: int | None = Query(
        None,
        json_schema_extra=bounds(1, 10_000),
        description="best k new sites (MCLP); absent: full (LSCP)",
    ),
    as_of: dt.date = _as_of(),
    kind: KindParam = "love_station",
    distance: DistanceParam = None,
    spacing: float | None = Query(
        None, description="candidate spacing (m)", json_schema_extra=bounds(10, 5000)
    ),
    solver: str = Query("highs", json_schema_extra={"enum": ["highs", "greedy"]}),
    time_limit: float = Query(
        30.0, description="seconds, at most 120", json_schema_extra=bounds(0, 120, above=True)
    ),
    crs: str = Query(
        "wgs84",
        description=f"also give positions in {CRS_CHOICES}",
        json_schema_extra=CRS_SCHEMA,
    ),
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


@router.get("/stretches", responses=NOT_COMPUTED)
def get_stretches(
    as_of: dt.date = _as_of(),
    kind: KindParam = "love_station",
    distance: DistanceParam = None,
    mode: Mode = "walking",
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> dict[str, Any]:
    """GeoJSON of the main streets split into covered (``street_covered``) and uncovered
    (``street_gap``) stretches of the stored snapshot, longest first (the planner
    workspace's map, issue 16)."""
    snap = service.stored(conn, service.question(as_of, kind, distance, mode))
    return service.features(conn, snap["id"], ("street_covered", "street_gap"))


@router.get("/stations", dependencies=[Depends(require_planner)])
def get_operating_stations(
    as_of: dt.date = _as_of(),
    kind: KindParam = "love_station",
    include: Literal["planned"] | None = Query(
        None,
        description="planned: also the registry's planned and under-construction stations "
        "of the kind (``planned``), which a scenario may switch on",
        json_schema_extra={"enum": ["planned"]},
    ),
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> dict[str, Any]:
    """The stations of ``kind`` that coverage counts on ``as_of`` (approved, opened, not
    yet closed), with id, name and WGS-84 position: the stations a what-if scenario may
    switch off or move (planner role or above: a later date shows approved stations not
    yet open to the public). With ``include=planned``, also ``planned``: the approved,
    located stations of the kind still planned or under construction (never operating),
    each with its status in words and its expected opening date (``opens_on``, the
    registered opening date, or null)."""
    service.question(as_of, kind, None, "walking")  # the question's checks (kind, date)
    ops = stations_sql.operating_stations(conn, kind, as_of)
    out: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "kind": kind,
        "stations": [
            {"id": int(i), "name": n, "lon": float(x), "lat": float(y)}
            for i, n, x, y in zip(ops["id"], ops["name"], ops["lon"], ops["lat"], strict=True)
        ],
    }
    if include == "planned":
        out["planned"] = [_planned(r) for r in stations_sql.planned_stations(conn, kind)]
    return out


def _planned(row: dict[str, Any]) -> dict[str, Any]:
    term = vocab.STATUSES[row["status"]]
    opens = row["opened_on"]
    return {
        "id": int(row["id"]),
        "name": row["name"],
        "lon": float(row["lon"]),
        "lat": float(row["lat"]),
        "status": row["status"],
        "status_label": term.zh,
        "status_label_en": term.en,
        "opens_on": opens.isoformat() if opens else None,
    }
