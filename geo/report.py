"""Everything the planners' coverage report shows, gathered in one JSON-ready dict.

Rendering (HTML, XLSX) lives in ``maps/``; this module only reads and computes: the
snapshot for the date, the month-end trend (missing snapshots computed and stored), the
targets, the gaps, the map layers and the siting plan. It sits above both
:mod:`geo.coverage` and :mod:`geo.siting`, which never import it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import psycopg
import shapely

from geo import clock
from geo.coverage import figures, service, trend
from geo.coverage.city import load_city
from geo.db import coverage as coverage_db
from geo.health import data_health
from geo.operations.evaluation import operations_section
from geo.settings import LookupSettings
from geo.siting import plan as siting_plan
from geo.siting.present import with_crs
from geo.stations import sql as stations_sql
from geo.vocab import KINDS


def _geojson(geom: Any) -> dict[str, Any]:
    return shapely.geometry.mapping(shapely.set_precision(geom, 1e-6))


def report_data(
    conn: psycopg.Connection[Any],
    as_of: dt.date,
    kind: str,
    distance_m: float | None = None,
    *,
    plan_solver: str = "highs",
    plan_time_limit_s: float = 30.0,
    lookup: LookupSettings | None = None,
) -> dict[str, Any]:
    """The report's content for ``kind`` as of ``as_of``, with the recommended sites for
    full coverage of the reachable demand (LSCP); demand no station could reach is its own
    line (summary, districts, streets, targets, plan) and gaps are grouped by street.
    Everything in it is counted from ``as_of`` and the data, never from the day the report
    is made: re-running last month's report gives last month's figures (only
    ``generated_at`` differs). Its data health (:mod:`geo.health`, judged with ``lookup``,
    default the settings of the environment) says what of the stored data may make a
    figure wrong."""
    q = service.question(as_of, kind, distance_m)
    city = load_city(conn, cell_m=q.cell_m)
    snap = service.run(conn, q, city=city)
    progress = trend.coverage_trend(
        conn, kind, as_of=as_of, distance_m=q.distance_m, compute=True, city=city
    )
    pq = siting_plan.plan_question(
        as_of,
        kind=kind,
        distance_m=q.distance_m,
        solver=plan_solver,
        time_limit_s=plan_time_limit_s,
        cell_m=q.cell_m,
    )
    # Sites in WGS-84 (lon, lat) and GCJ-02 (x, y), each named where it is shown.
    plan = with_crs(siting_plan.plan(conn, pq, city=city), "gcj02")
    geoms = coverage_db.snapshot_geoms(conn, snap["id"])
    figs = snap["figures"]
    share = {d["district"]: d.get("area_share") for d in figs["districts"]}
    districts = coverage_db.districts(conn)
    key = [
        {
            "type": "Feature",
            "geometry": _geojson(g),
            "properties": {"district": str(n), "area_share": share.get(str(n))},
        }
        for n, k, g in zip(districts["name"], districts["is_key"], districts["geom"], strict=True)
        if k
    ]
    layers: dict[str, list[dict[str, Any]]] = {
        role: [
            {
                "type": "Feature",
                "geometry": _geojson(g["geom"]),
                "properties": {k: g[k] for k in ("street", "district", "measure")},
            }
            for g in geoms
            if g["role"] == role
        ]
        for role in ("street_covered", "street_gap", "area_gap")
    }
    stations = [
        {**s, "kind_zh": KINDS[s["kind"]].zh} for s in stations_sql.operating_all_kinds(conn, as_of)
    ]
    return {
        "title": f"{KINDS[kind].zh}覆盖情况报告",
        "kind": kind,
        "kind_zh": KINDS[kind].zh,
        "as_of": as_of.isoformat(),
        # Positions (map layers, gaps, sites' lon/lat) are WGS-84; sites also in GCJ-02.
        "positions_crs": "wgs84",
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "summary": figs["summary"],
        "districts": figs["districts"],
        "streets": figs["streets"],
        "not_walkable": figs.get("not_walkable", []),
        "trend": progress["points"],
        "targets": progress["targets"],
        "count_targets": trend.count_targets(conn, as_of),
        "street_gaps": [f["properties"] for f in layers["street_gap"]],
        "street_gaps_by_street": figures.gaps_by_street(
            [f["properties"] for f in layers["street_gap"]], figs["streets"]
        ),
        "area_gaps": [f["properties"] for f in layers["area_gap"]],
        "plan": plan,
        "map": {**layers, "key_districts": key, "stations": stations, "sites": plan["sites"]},
        "street_gap_where": [_where(f["geometry"]) for f in layers["street_gap"]],
        "data_health": data_health(conn, lookup or LookupSettings(), today=as_of),
        # Issue 15: is it really open? Inspections, problems, check-ins and stars as of
        # the report's date (geo.operations.evaluation).
        "operations": operations_section(conn, as_of, kind),
    }


def _where(geometry: dict[str, Any]) -> str:
    """A stretch's position for a table: its middle point (of its longest part), named
    WGS-84; "—" for a stretch too short to keep a point at the stored precision (a few
    centimetres of gap on a megacity's streets become an empty line)."""
    line = shapely.geometry.shape(geometry)
    parts = shapely.get_parts(line)
    parts = parts[~shapely.is_empty(parts)]
    if parts.size == 0:
        return "—"
    longest = parts[int(np.argmax(shapely.length(parts)))]
    mid = shapely.line_interpolate_point(longest, 0.5, normalized=True)
    return f"{mid.y:.5f}N, {mid.x:.5f}E (WGS-84)"
