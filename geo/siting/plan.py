"""A siting plan on the real city: where new stations close the coverage gaps.

The flow: the coverage of the stations operating on the as-of date (the engine's
:func:`~geo.coverage.evaluate.evaluate`) → the uncovered demand
(:mod:`geo.siting.demand`) → candidate sites from a file and/or generated along main
streets and in key districts → which candidate reaches which unit on the walk network
(:mod:`geo.siting.network`) → LSCP (``k`` None: every reachable gap closed with the
fewest sites) or MCLP (the best ``k``) → the sites in build order with what each adds
(:mod:`geo.siting.present`). Existing stations stay; nothing is stored, a plan is cheap
to recompute and follows the data.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import psycopg
import shapely

from geo.coverage import service
from geo.coverage.city import City, load_city
from geo.coverage.evaluate import evaluate
from geo.coverage.trend import DEFAULT_DEADLINE, METRICS
from geo.db import coverage as coverage_db
from geo.errors import InvalidInput
from geo.io.candidates import generate_candidates, read_candidates
from geo.settings import SitingSettings, get_settings
from geo.siting import present
from geo.siting.demand import Demand, uncovered_demand
from geo.siting.models import LSCP, MCLP, SOLVERS
from geo.siting.network import DistanceTable, distance_table
from geo.siting.problem import CoverageProblem
from geo.stations import sql as stations_sql

MAX_TIME_LIMIT_S = 3600.0
#: The stages of :func:`plan`, in order, as its ``progress`` hook is told them.
STAGES = ("network", "demand", "candidates", "solving", "verifying")


@dataclass(frozen=True)
class PlanQuestion:
    """A validated siting question (``k`` None: full coverage, LSCP)."""

    coverage: service.Question
    k: int | None
    solver: str
    time_limit_s: float
    spacing_m: float | None  # None: no generated candidates
    piece_m: float
    candidates_file: Path | None
    candidates_crs: str
    settings: SitingSettings  # the objective's weights and the defaults used


def _bad(zh: str, en: str) -> InvalidInput:
    return InvalidInput(zh, en)


# Keyword-only options of the public question; PlanQuestion is what it builds.
def plan_question(  # noqa: PLR0913
    as_of: dt.date,
    *,
    kind: str = "love_station",
    distance_m: float | None = None,
    k: int | None = None,
    solver: str = "highs",
    time_limit_s: float | None = None,
    spacing_m: float | None = None,
    piece_m: float | None = None,
    candidates_file: str | Path | None = None,
    candidates_crs: str = "wgs84",
    cell_m: float | None = None,
    settings: SitingSettings | None = None,
) -> PlanQuestion:
    """Check a siting question before any work is done and fill in the defaults.

    Candidates are generated at ``spacing_m`` (default ``YIZHAN_SITING_SPACING_M``) unless
    a file is given; with a file and ``spacing_m`` both are used.

    Raises
    ------
    InvalidInput
        k < 1, unknown solver, time limit or spacing or piece length out of range, and
        everything :func:`geo.coverage.service.question` refuses (D ≤ 0 …).
    """
    settings = settings or get_settings().siting
    q = service.question(as_of, kind, distance_m, "walking", cell_m)
    if k is not None and (isinstance(k, bool) or int(k) != k or k < 1):
        raise _bad(
            f"新站点数 k 必须是至少为 1 的整数，收到 {k}",
            f"the number of new sites k must be an integer of at least 1; got {k}",
        )
    if solver not in SOLVERS:
        raise _bad(
            f"未知的求解器「{solver}」，可选：{'、'.join(SOLVERS)}",
            f"unknown solver '{solver}': use one of {', '.join(SOLVERS)}",
        )
    limit = float(settings.siting_time_limit_s if time_limit_s is None else time_limit_s)
    if not (math.isfinite(limit) and 0 < limit <= MAX_TIME_LIMIT_S):
        raise _bad(
            f"求解时限必须大于 0 且不超过 {MAX_TIME_LIMIT_S:.0f} 秒，收到 {limit:g}",
            f"the time limit must be more than 0 and at most {MAX_TIME_LIMIT_S:.0f} s; "
            f"got {limit:g}",
        )
    path = Path(candidates_file) if candidates_file is not None else None
    spacing = spacing_m if spacing_m is not None or path else settings.siting_spacing_m
    if spacing is not None and not (math.isfinite(spacing) and 10 <= spacing <= 5000):
        raise _bad(
            f"候选点间距必须在 10 到 5000 米之间，收到 {spacing:g}",
            f"the candidate spacing must be between 10 and 5000 m; got {spacing:g}",
        )
    # The default piece length, but never longer than the service distance itself.
    piece = float(min(settings.siting_piece_m, q.distance_m) if piece_m is None else piece_m)
    if not (math.isfinite(piece) and 1 <= piece <= min(500.0, q.distance_m)):
        raise _bad(
            f"街道分段长度必须在 1 米到 min(500, 服务距离) 米之间，收到 {piece:g}",
            f"the street piece length must be between 1 m and min(500 m, D); got {piece:g}",
        )
    return PlanQuestion(
        q,
        None if k is None else int(k),
        solver,
        limit,
        None if spacing is None else float(spacing),
        piece,
        path,
        candidates_crs,
        settings,
    )


def candidate_sites(city: City, pq: PlanQuestion) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Candidate sites in the city's metric CRS (``candidate_id``, ``name``, ``source``)
    and what was read or generated."""
    frames = []
    info: dict[str, Any] = {"from_file": 0, "file_problems": [], "generated": 0}
    if pq.candidates_file is not None:
        read = read_candidates(pq.candidates_file, crs=pq.candidates_crs)
        sites = read.sites.to_crs(city.epsg)
        frames.append(sites[["candidate_id", "name", "source", "geometry"]])
        info["from_file"] = len(sites)
        info["file_problems"] = [
            {"row": p.row, "message": p.reason_zh, "message_en": p.reason_en} for p in read.problems
        ]
    if pq.spacing_m is not None:
        key = city.district_geom[city.district_key]
        geoms = gpd.GeoSeries(np.r_[city.main_geom, key], crs=city.epsg)
        if len(geoms):
            gen = generate_candidates(geoms, pq.spacing_m)
            gen["name"] = ""
            frames.append(gen[["candidate_id", "name", "source", "geometry"]])
            info["generated"] = len(gen)
    if not frames:
        return gpd.GeoDataFrame(
            {"candidate_id": [], "name": [], "source": []}, geometry=[], crs=city.epsg
        ), info
    out = gpd.GeoDataFrame(
        gpd.pd.concat(frames, ignore_index=True), geometry="geometry", crs=city.epsg
    )
    return out, info


def plan(
    conn: psycopg.Connection[Any],
    pq: PlanQuestion,
    *,
    city: City | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The plan answering ``pq`` (JSON-ready); the pace to the deadline is counted from
    the as-of date.

    ``progress`` is told each stage as it starts (:data:`STAGES`); a job's hook may raise
    to stop the plan between stages."""
    stage = progress or (lambda _stage: None)
    started = time.perf_counter()
    q = pq.coverage  # a city without stations yet can be planned too
    settings = pq.settings
    stage("network")
    city = city or load_city(conn, cell_m=q.cell_m)
    stage("demand")
    stations = stations_sql.operating_stations(conn, q.kind, q.as_of)
    before = evaluate(city, stations["lon"], stations["lat"], q.distance_m, "walking")
    demand = uncovered_demand(city, before, pq.piece_m)
    stage("candidates")
    sites, info = candidate_sites(city, pq)
    n_cand = len(sites)
    if pq.k is not None and pq.k > n_cand:
        raise _bad(
            f"新站点数 k={pq.k} 超过候选点数 {n_cand}",
            f"k={pq.k} is more than the number of candidate sites ({n_cand})",
        )
    sites, table = _reach(city, sites, demand, q.distance_m, gap_sites=pq.spacing_m is not None)
    weights = (
        demand.street_m * settings.siting_street_weight
        + demand.area_m2 * settings.siting_area_weight
    )
    lonlat = city.to_lonlat(np.asarray(sites.geometry.values))
    problem = CoverageProblem.from_distance_table(
        table.demand,
        table.candidate,
        table.distance,
        q.distance_m,
        n_demand=len(demand),
        n_candidates=len(sites),
        weights=weights,
        candidate_ids=sites["candidate_id"].to_numpy(),
    )
    stage("solving")
    result = _solve(problem, pq)
    stage("verifying")
    answer = present.plan_answer(
        city,
        pq,
        before,
        demand,
        problem,
        result,
        sites,
        lonlat,
        stations,
        today=q.as_of,
        deadline=_deadline(conn, q.kind, q.as_of),
    )
    info["gap_sites"] = len(sites) - n_cand
    answer["candidates"] = {"total": len(sites), "spacing_m": pq.spacing_m, **info}
    answer["weights"] = {
        "street_per_m": settings.siting_street_weight,
        "area_per_m2": settings.siting_area_weight,
    }
    answer["seconds"] = round(time.perf_counter() - started, 3)
    return answer


def _reach(
    city: City, sites: gpd.GeoDataFrame, demand: Demand, distance_m: float, *, gap_sites: bool
) -> tuple[gpd.GeoDataFrame, DistanceTable]:
    """The distance table of the candidates; with ``gap_sites``, demand that no candidate
    reaches gets one more candidate of its own, on the network where it joins it (a cell
    on a stretch of footway that no grid point snaps to is still a place one can build)."""
    net = city.network
    cand_points = np.asarray(sites.geometry.values)
    cand_snap = net.snap_points(cand_points)
    table = distance_table(
        net.graph, cand_snap, demand.on_edges, distance_m, candidate_xy=_xy(cand_points)
    )
    if not gap_sites:
        return sites, table
    on = demand.on_edges
    within = np.flatnonzero((on.edge >= 0) & (on.offset <= distance_m))  # others: no site can
    missed = np.setdiff1d(within, table.demand)
    if missed.size == 0:
        return sites, table
    e = on.edge[missed]
    length = net.edge_length[e]
    at = (on.lo[missed] + on.hi[missed]) / 2 / np.where(length > 0, length, 1.0)
    points = shapely.line_interpolate_point(net.edge_geom[e], at, normalized=True)
    xy = np.unique(np.round(shapely.get_coordinates(points), 2), axis=0, return_index=True)[1]
    points = points[np.sort(xy)]
    extra = gpd.GeoDataFrame(
        {
            "candidate_id": [f"gap:{i}" for i in range(points.size)],
            "name": "",
            "source": "gap",
        },
        geometry=points,
        crs=city.epsg,
    )
    more = distance_table(
        net.graph, net.snap_points(points), on, distance_m, candidate_xy=_xy(points)
    )
    all_sites = gpd.GeoDataFrame(
        gpd.pd.concat([sites, extra], ignore_index=True), geometry="geometry", crs=city.epsg
    )
    return all_sites, DistanceTable(
        np.r_[table.demand, more.demand],
        np.r_[table.candidate, more.candidate + len(sites)],
        np.r_[table.distance, more.distance],
    )


def _xy(points: np.ndarray) -> np.ndarray:
    """Coordinates (n x 2) of points, also for none."""
    return shapely.get_coordinates(points) if len(points) else np.empty((0, 2))


def _solve(problem: CoverageProblem, pq: PlanQuestion) -> Any:
    """The model's result, or None when there is nothing a candidate could add."""
    if problem.covers.nnz == 0:
        return None
    if pq.k is None:
        return LSCP(problem).solve(pq.solver, time_limit=pq.time_limit_s).result
    return MCLP(problem, pq.k).solve(pq.solver, time_limit=pq.time_limit_s).result


def _deadline(conn: psycopg.Connection[Any], kind: str, as_of: dt.date) -> dt.date:
    """The deadline a plan as of ``as_of`` works to: the kind's next coverage deadline
    on or after it, else the last one that has passed (default end-2026)."""
    dates: list[dt.date] = sorted(
        t["deadline"] for t in coverage_db.targets(conn, kind) if t["metric"] in METRICS
    ) or [DEFAULT_DEADLINE]
    return next((d for d in dates if d >= as_of), dates[-1])
