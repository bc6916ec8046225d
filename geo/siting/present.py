"""A solved plan as people read it: each site with its position, the street and district
it serves, the coverage it adds and the running total; the demand no site can reach; the
pace to the deadline; and the coverage the engine measures once every site is built.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.coverage.city import City
from geo.coverage.evaluate import Coverage, evaluate
from geo.coverage.figures import OUTSIDE, UNNAMED, cell_areas, share
from geo.crs import from_wgs84
from geo.siting.demand import KIND_LABELS, Demand
from geo.siting.models import SitingResult
from geo.siting.problem import CoverageProblem
from geo.units import DAYS_PER_MONTH

MAX_UNREACHABLE_LISTED = 500


def shares(city: City, cov: Coverage) -> dict[str, Any]:
    """Main-street and key-district coverage of ``cov`` (metres, m², shares)."""
    total_m = float(city.main_length.sum())
    covered_m = float((cov.main_covered.hi - cov.main_covered.lo).sum())
    area = cell_areas(city)
    total_a = float(area.sum())
    covered_a = float(area[cov.cell_covered].sum())
    return {
        "main_street_m": round(total_m, 2),
        "main_street_covered_m": round(covered_m, 2),
        "main_street_share": share(covered_m, total_m),
        "key_district_area_m2": round(total_a, 1),
        "key_district_covered_m2": round(covered_a, 1),
        "key_district_share": share(covered_a, total_a),
    }


def _street_name(city: City, i: int) -> str:
    return str(city.main_name[i]) or UNNAMED


def _districts_of(city: City, points: NDArray[np.object_]) -> list[str]:
    out = [OUTSIDE] * len(points)
    if len(points) == 0 or len(city.district_geom) == 0:
        return out
    pi, di = shapely.STRtree(city.district_geom).query(points, predicate="intersects")
    for p, d in zip(pi[::-1], di[::-1], strict=True):  # the first district wins
        out[p] = str(city.district_name[d])
    return out


def _nearest_streets(city: City, points: NDArray[np.object_]) -> list[str]:
    if len(points) == 0 or not city.has_main_streets:
        return [UNNAMED] * len(points)
    (_, li) = shapely.STRtree(city.main_geom).query_nearest(points, all_matches=False)
    return [_street_name(city, int(i)) for i in li]


def site_rows(
    city: City,
    before: dict[str, Any],
    demand: Demand,
    problem: CoverageProblem,
    result: SitingResult,
    sites: gpd.GeoDataFrame,
    lonlat: NDArray[np.object_],
) -> list[dict[str, Any]]:
    """One row per chosen site, in build order."""
    chosen = result.chosen
    points = np.asarray(sites.geometry.values)[chosen]
    district = _districts_of(city, points)
    nearest = _nearest_streets(city, points)
    covered = np.zeros(problem.n_demand, dtype=bool)
    street_m = float(before["main_street_covered_m"])
    area_m2 = float(before["key_district_covered_m2"])
    rows = []
    for rank, (j, p) in enumerate(zip(chosen, lonlat[chosen], strict=True), start=1):
        units = problem.csc[:, [int(j)]].indices
        new = units[~covered[units]]
        covered[new] = True
        add_m = float(demand.street_m[new].sum())
        add_a = float(demand.area_m2[new].sum())
        street_m += add_m
        area_m2 += add_a
        got = demand.street_m[new] > 0
        if got.any():
            codes, labels = pd.factorize(city.main_name[demand.street[new][got]])
            most = int(np.argmax(np.bincount(codes, weights=demand.street_m[new][got])))
            street = str(labels[most]) or UNNAMED
        else:
            street = nearest[rank - 1]
        rows.append(
            {
                "rank": rank,
                "candidate_id": str(sites["candidate_id"].iloc[int(j)]),
                "name": str(sites["name"].iloc[int(j)] or ""),
                "source": str(sites["source"].iloc[int(j)] or ""),
                "lon": float(p.x),  # unrounded: building here reproduces the plan
                "lat": float(p.y),
                "street": str(street),
                "district": district[rank - 1],
                "adds_main_street_m": round(add_m, 2),
                "adds_key_district_m2": round(add_a, 1),
                "main_street_share": share(street_m, before["main_street_m"]),
                "key_district_share": share(area_m2, before["key_district_area_m2"]),
            }
        )
    return rows


def mark_slivers(
    rows: list[dict[str, Any]],
    street_weight: float,
    area_weight: float,
    share: float,
    floor: float,
) -> list[dict[str, Any]]:
    """Each site with ``sliver``: what it adds (street m × ``street_weight`` + m² ×
    ``area_weight``, the plan's own objective) is less than ``share`` of what the whole
    plan adds and less than ``floor`` (in the same unit: metres of street). Such a site is
    worth a second look before it is built. Both conditions, so that in a plan of a
    hundred sites, each adding its one percent, no site is called a sliver."""
    added = [
        r["adds_main_street_m"] * street_weight + r["adds_key_district_m2"] * area_weight
        for r in rows
    ]
    limit = min(share * sum(added), floor)
    return [{**r, "sliver": a < limit} for r, a in zip(rows, added, strict=True)]


def never_reachable(demand: Demand, distance_m: float) -> NDArray[np.bool_]:
    """Demand units that no site anywhere could cover: no walkway within ``distance_m``
    (the rule of :func:`geo.coverage.figures.reachable`)."""
    on = demand.on_edges
    return np.asarray((on.edge < 0) | (on.offset > distance_m))


def unreachable(
    city: City,
    demand: Demand,
    problem: CoverageProblem,
    lonlat: NDArray[np.object_],
    distance_m: float,
) -> dict[str, Any]:
    """Demand no candidate reaches, with where it lies (listed largest first), split into
    what no site anywhere could reach (``never``: no walkway within D) and what only these
    candidates miss (``no_candidate``)."""
    idx = problem.unreachable
    never = never_reachable(demand, distance_m)
    all_never = idx[never[idx]]
    missed = idx[~never[idx]]
    weight = demand.street_m[idx] + demand.area_m2[idx]
    order = idx[np.argsort(-weight, kind="stable")][:MAX_UNREACHABLE_LISTED]
    district = _districts_of(city, demand.where[order])
    items = [
        {
            "kind": KIND_LABELS[int(demand.kind[i])],
            "street": _street_name(city, int(demand.street[i])) if demand.street[i] >= 0 else None,
            "district": district[n],
            "lon": round(float(p.x), 7),
            "lat": round(float(p.y), 7),
            "main_street_m": round(float(demand.street_m[i]), 2),
            "key_district_m2": round(float(demand.area_m2[i]), 1),
            "never": bool(never[i]),
        }
        for n, (i, p) in enumerate(zip(order, lonlat[order], strict=True))
    ]
    return {
        "units": int(idx.size),
        "main_street_m": round(float(demand.street_m[idx].sum()), 2),
        "key_district_m2": round(float(demand.area_m2[idx].sum()), 1),
        "never": _amounts(demand, all_never),
        "no_candidate": _amounts(demand, missed),
        "listed": items,
    }


def _amount_text(amounts: dict[str, Any] | None) -> tuple[str, str] | None:
    """Street km and district km² of :func:`_amounts` in words (None when nothing)."""
    if not amounts or not amounts["units"]:
        return None
    zh, en = [], []
    if amounts["main_street_m"] > 0:
        zh.append(f" {amounts['main_street_m'] / 1000:.2f} 公里主要街道")
        en.append(f"{amounts['main_street_m'] / 1000:.2f} km of main streets")
    if amounts["key_district_m2"] > 0:
        zh.append(f" {amounts['key_district_m2'] / 1e6:.3f} 平方公里重点区域")
        en.append(f"{amounts['key_district_m2'] / 1e6:.3f} km² of key districts")
    return ("、".join(zh), " and ".join(en)) if zh else None


def _amounts(demand: Demand, idx: NDArray[np.int64]) -> dict[str, Any]:
    return {
        "units": int(idx.size),
        "main_street_m": round(float(demand.street_m[idx].sum()), 2),
        "key_district_m2": round(float(demand.area_m2[idx].sum()), 1),
    }


def pace(
    n_sites: int,
    today: dt.date,
    deadline: dt.date,
    full: bool,
    left: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """How many sites a month it takes to build ``n_sites`` from ``today`` to ``deadline``.

    "Full coverage" is all the demand a site can reach; ``left`` (the demand no site
    reaches, :func:`unreachable`) is said next to it.
    """
    days = (deadline - today).days
    months = days / DAYS_PER_MONTH
    per_month = n_sites / months if days > 0 else None
    what_zh = "覆盖全部可达需求需新建" if full else "新建"
    what_en = "new stations are needed to cover all reachable demand" if full else "new stations"
    if per_month is None:
        zh = f"{what_zh} {n_sites} 座；截止日期 {deadline} 已过"
        en = f"{n_sites} {what_en}; the deadline {deadline} has passed"
    else:
        zh = (
            f"到 {deadline} {what_zh} {n_sites} 座，即自 {today} 起每月 {per_month:.1f} 座"
            f"（剩余 {months:.1f} 个月）"
        )
        en = (
            f"{n_sites} {what_en} by {deadline}: {per_month:.1f} a month from {today} "
            f"({months:.1f} months left)"
        )
    for part, (why_zh, why_en) in (
        (
            "never",
            ("无步行道可达，任何站点都无法覆盖", "no walkway within reach: no station covers"),
        ),
        ("no_candidate", ("这些候选点无法覆盖", "these candidates do not reach")),
    ):
        amount = _amount_text((left or {}).get(part))
        if amount:
            zh += f"；另有{amount[0]}{why_zh}"
            en += f"; {why_en} {amount[1]}"
    return {
        "sites": n_sites,
        "today": today.isoformat(),
        "deadline": deadline.isoformat(),
        "months_left": round(max(months, 0.0), 3),
        "per_month": None if per_month is None else round(per_month, 3),
        "text": zh,
        "text_en": en,
    }


# The pieces of one plan as geo.siting.plan.plan computed them (its only caller); a type
# bundling them would exist for this one call only.
def plan_answer(  # noqa: PLR0913
    city: City,
    pq: Any,
    before_cov: Coverage,
    demand: Demand,
    problem: CoverageProblem,
    result: SitingResult | None,
    sites: gpd.GeoDataFrame,
    lonlat: NDArray[np.object_],
    stations: dict[str, Any],
    *,
    today: dt.date,
    deadline: dt.date,
) -> dict[str, Any]:
    """Everything the CLI, the API and the report show of a plan (JSON-ready)."""
    q = pq.coverage
    before = shares(city, before_cov)
    where = city.to_lonlat(demand.where)
    rows = site_rows(city, before, demand, problem, result, sites, lonlat) if result else []
    st = pq.settings
    rows = mark_slivers(
        rows,
        st.siting_street_weight,
        st.siting_area_weight,
        st.siting_sliver_share,
        st.siting_sliver_m,
    )
    lon = np.array([r["lon"] for r in rows], dtype=float)
    lat = np.array([r["lat"] for r in rows], dtype=float)
    after = evaluate(
        city, np.r_[stations["lon"], lon], np.r_[stations["lat"], lat], q.distance_m, "walking"
    )
    left = unreachable(city, demand, problem, where, q.distance_m)
    predicted = {
        "main_street_share": rows[-1]["main_street_share"] if rows else before["main_street_share"],
        "key_district_share": (
            rows[-1]["key_district_share"] if rows else before["key_district_share"]
        ),
    }
    return {
        "as_of": q.as_of.isoformat(),
        "kind": q.kind,
        "distance_m": q.distance_m,
        "cell_m": q.cell_m,
        "piece_m": pq.piece_m,
        "model": "lscp" if pq.k is None else "mclp",
        "k": pq.k,
        "solver": pq.solver,
        "time_limit_s": pq.time_limit_s,
        "status": result.status if result else "nothing_to_do",
        "objective": float(result.objective) if result else 0.0,
        "bound": float(result.bound) if result else 0.0,
        "bound_source": result.bound_source if result else None,
        "gap": float(result.gap) if result else 0.0,
        "notes": [{"message": zh, "message_en": en} for zh, en in result.notes] if result else [],
        "solve_seconds": round(result.seconds, 3) if result else 0.0,
        "stations": len(stations["lon"]),
        "demand": {
            "units": len(demand),
            "main_street_m": round(float(demand.street_m.sum()), 2),
            "key_district_m2": round(float(demand.area_m2.sum()), 1),
        },
        "before": before,
        "predicted": predicted,
        "verified": shares(city, after),
        "sites": rows,
        "slivers": {
            "sites": sum(r["sliver"] for r in rows),
            "threshold_share": st.siting_sliver_share,
            "threshold_m": st.siting_sliver_m,
        },
        "unreachable": left,
        "pace": pace(len(rows), today, deadline, full=pq.k is None, left=left),
    }


def site_positions(sites: list[dict[str, Any]], crs: str) -> list[tuple[float, float]]:
    """Each site's WGS-84 ``lon``/``lat`` in ``crs``, rounded to 7 decimals (about 1 cm)."""
    x, y = from_wgs84(np.array([s["lon"] for s in sites]), np.array([s["lat"] for s in sites]), crs)
    return [(round(float(a), 7), round(float(b), 7)) for a, b in zip(x, y, strict=True)]


def with_crs(answer: dict[str, Any], crs: str) -> dict[str, Any]:
    """The answer with each site's position also in ``crs`` (``x``, ``y``)."""
    if crs == "wgs84" or not answer["sites"]:
        return answer
    sites = [
        {**s, "crs": crs, "x": a, "y": b}
        for s, (a, b) in zip(answer["sites"], site_positions(answer["sites"], crs), strict=True)
    ]
    return {**answer, "sites": sites}
