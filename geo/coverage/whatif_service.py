"""What-if runs against the database: the cached base state of a question, the scenario's
changes checked and placed, the answer as JSON.

The base state (:class:`geo.coverage.whatif.Base`) is cached per process, keyed like the
walk network's cache: the database, the walk network's version, tokens of the main
streets and districts, the operating stations' fingerprint and the question. Any change
to those inputs builds a new base on the next request; nothing stale is served.

What-if answers are never stored and never part of the official figures (the coverage
snapshots are computed from real stations only).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np
import psycopg
import shapely
import shapely.geometry

from geo.coverage.changes import Resolved, parse_changes, resolve
from geo.coverage.city import City, load_city
from geo.coverage.engine import Intervals
from geo.coverage.geometry import substrings
from geo.coverage.service import Question
from geo.coverage.whatif import Base, Figures, Outcome, build_base, evaluate
from geo.db import network as network_db
from geo.db import scenarios as scenarios_db
from geo.errors import InvalidInput, NotFound, NotLoaded
from geo.network import sql as network_sql
from geo.network import walk
from geo.stations import sql as stations_sql

#: Base states kept per process (each holds every station's reach of one question).
MAX_BASES = 8
#: Cities kept per process (network, streets, districts and grid for one cell size).
MAX_CITIES = 2

_bases: OrderedDict[tuple[Any, ...], Base] = OrderedDict()
_cities: OrderedDict[tuple[Any, ...], City] = OrderedDict()
_lock = threading.Lock()

NOT_OFFICIAL = (
    "假设方案：不公开，不计入正式覆盖率",
    "hypothetical scenario: not public, not part of the official figures",
)


def _city(conn: psycopg.Connection[Any], cell_m: float) -> tuple[tuple[Any, ...], City]:
    if walk.load(conn) is None:
        raise NotLoaded(
            "尚未导入步行路网，无法推演：请先运行 yizhan import streets",
            "no walk network is loaded, so no what-if can be evaluated: "
            "run `yizhan import streets` first",
        )
    key = (
        walk._key(conn),
        network_sql.version(conn),
        scenarios_db.main_streets_token(conn),
        scenarios_db.districts_token(conn),
        cell_m,
    )
    with _lock:
        city = _cities.get(key)
        if city is None:
            city = load_city(conn, cell_m=cell_m)
            _cities[key] = city
            while len(_cities) > MAX_CITIES:
                _cities.popitem(last=False)
        _cities.move_to_end(key)
    if not city.has_main_streets and len(city.cell_owner) == 0:
        raise NotFound(
            "没有主街也没有重点片区：无从推演覆盖率，请先导入街道和片区",
            "there are no main streets and no key districts to measure: import streets "
            "and districts first",
        )
    return key, city


def base_for(conn: psycopg.Connection[Any], q: Question) -> Base:
    """The cached base state of ``q`` for the current data (built when missing)."""
    if q.mode != "walking":
        raise InvalidInput(
            "推演只支持步行距离（walking）",
            "what-if supports walking distance only",
            details={"field": "mode"},
        )
    city_key, city = _city(conn, q.cell_m)
    key = (*city_key, stations_sql.stations_fingerprint(conn, q.kind, q.as_of), q.key)
    with _lock:
        base = _bases.get(key)
        if base is None:
            st = stations_sql.operating_stations(conn, q.kind, q.as_of)
            base = build_base(city, q.distance_m, st["id"], st["name"], st["lon"], st["lat"])
            _bases[key] = base
            while len(_bases) > MAX_BASES:
                _bases.popitem(last=False)
        _bases.move_to_end(key)
    return base


def whatif(conn: psycopg.Connection[Any], q: Question, raw_changes: Any) -> dict[str, Any]:
    """Evaluate a scenario's changes against the base of ``q``: figures before and after,
    the deltas, the stretches newly covered and uncovered, the hypothetical stations.

    Raises
    ------
    InvalidInput
        A change that is malformed, names a station not operating, or places a station
        outside the service area (``details``: the change's index and field).
    NotLoaded, NotFound
        No walk network; nothing to measure.
    """
    started = time.perf_counter()
    changes = parse_changes(raw_changes)
    base = base_for(conn, q)
    res = resolve(base, changes)
    _check_in_area(conn, res)
    out = evaluate(base, res.removed, res.added)
    return {
        "as_of": q.as_of.isoformat(),
        "kind": q.kind,
        "distance_m": q.distance_m,
        "mode": q.mode,
        "cell_m": q.cell_m,
        "official": False,
        "note": NOT_OFFICIAL[0],
        "note_en": NOT_OFFICIAL[1],
        "base": figures_json(out.base),
        "scenario": figures_json(out.scenario),
        "delta": delta_json(out),
        "newly_covered": stretches(base.city, out.newly_covered, "newly_covered"),
        "newly_uncovered": stretches(base.city, out.newly_uncovered, "newly_uncovered"),
        "stations": stations_json(base, res),
        "elapsed_ms": round((time.perf_counter() - started) * 1000.0, 1),
    }


def _check_in_area(conn: psycopg.Connection[Any], res: Resolved) -> None:
    for a, index in zip(res.added, res.placed_by, strict=True):
        outside = network_db.outside_service_area_m(conn, a.lon, a.lat)
        if outside:
            km = outside / 1000.0
            raise InvalidInput(
                f"第 {index + 1} 项修改（index {index}）的位置在本市服务区域之外 {km:.2f} 公里，"
                "请检查坐标和坐标系（crs）",
                f"change {index}: the position is {km:.2f} km outside the city's service "
                "area: check the coordinates and their crs",
                details={"index": index, "field": "lon", "outside_km": round(km, 3)},
            )


def figures_json(f: Figures) -> dict[str, Any]:
    """Headline figures of one state (shares 0..1, 6 decimals, like the snapshots)."""
    ms, ks = f.main_street_share, f.key_district_share
    return {
        "stations": f.stations,
        "stations_reaching_network": f.stations_reaching_network,
        "main_street_m": round(f.main_street_m, 2),
        "main_street_covered_m": round(f.main_street_covered_m, 2),
        "main_street_share": None if ms is None else round(ms, 6),
        "key_district_area_m2": round(f.key_district_area_m2, 1),
        "key_district_covered_m2": round(f.key_district_covered_m2, 1),
        "key_district_share": None if ks is None else round(ks, 6),
    }


def delta_json(out: Outcome) -> dict[str, Any]:
    """Scenario minus base: shares in percentage points, lengths in m, areas in m²."""
    b, s = out.base, out.scenario

    def points(x: float | None, y: float | None) -> float | None:
        return None if x is None or y is None else round((y - x) * 100.0, 4)

    return {
        "main_street_share": points(b.main_street_share, s.main_street_share),
        "key_district_share": points(b.key_district_share, s.key_district_share),
        "main_street_m": round(s.main_street_covered_m - b.main_street_covered_m, 2),
        "key_district_m2": round(s.key_district_covered_m2 - b.key_district_covered_m2, 1),
        "stations": s.stations - b.stations,
        "newly_covered_m": round(float((out.newly_covered.hi - out.newly_covered.lo).sum()), 2),
        "newly_uncovered_m": round(
            float((out.newly_uncovered.hi - out.newly_uncovered.lo).sum()), 2
        ),
    }


def stretches(city: City, iv: Intervals, role: str) -> dict[str, Any]:
    """Stretches of main streets (metres along each) as a WGS-84 FeatureCollection."""
    keep = (iv.hi - iv.lo) > 0.01
    edge, lo, hi = iv.edge[keep], iv.lo[keep], iv.hi[keep]
    length = city.main_length[edge]
    safe = np.where(length > 0, length, 1.0)
    geoms = substrings(city.main_geom[edge], lo / safe, hi / safe)
    lonlat = city.to_lonlat(geoms) if len(geoms) else geoms
    order = np.argsort(-(hi - lo), kind="stable")
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(lonlat[i]),
                "properties": {
                    "role": role,
                    "street": str(city.main_name[edge[i]]) or None,
                    "street_id": int(city.main_id[edge[i]]),
                    "length_m": round(float(hi[i] - lo[i]), 2),
                },
            }
            for i in order
        ],
    }


def stations_json(base: Base, res: Resolved) -> list[dict[str, Any]]:
    """The hypothetical stations (added or moved, WGS-84) and the ones switched off."""
    moved = {a.station_id for a in res.added if a.station_id is not None}
    rows: list[dict[str, Any]] = [
        {
            "op": "move" if a.station_id is not None else "add",
            "id": None if a.station_id is not None else a.key,
            "station_id": a.station_id,
            "name": a.name,
            "lon": round(a.lon, 7),
            "lat": round(a.lat, 7),
            "crs": "wgs84",
            "change_index": i,
            **_from(base, a.station_id),
        }
        for a, i in zip(res.added, res.placed_by, strict=True)
    ]
    for pos in res.removed:
        sid = int(base.ids[pos])
        if sid in moved:
            continue
        rows.append(
            {
                "op": "remove",
                "id": None,
                "station_id": sid,
                "name": base.names[pos],
                "lon": round(float(base.lon[pos]), 7),
                "lat": round(float(base.lat[pos]), 7),
                "crs": "wgs84",
                "change_index": None,
            }
        )
    return rows


def _from(base: Base, station_id: int | None) -> dict[str, float]:
    """Where a moved station stands today (WGS-84); nothing for an added one."""
    pos = None if station_id is None else base.position(station_id)
    if pos is None:
        return {}
    return {"from_lon": round(float(base.lon[pos]), 7), "from_lat": round(float(base.lat[pos]), 7)}


def clear_cache() -> None:
    """Forget every cached base and city (tests; a process never needs it)."""
    with _lock:
        _bases.clear()
        _cities.clear()
