"""Benchmark of #11 item 6: station writes and the service-area check with one detailed
district (300,000 vertices) and a neighbour sharing its edge, before and after the
district pieces of migration 0006, in the same run on the same database.

Baseline: the check as it was before migration 0006 (one query over the districts
themselves, reading every vertex); a baseline write is the same write with
``outside_service_area_m`` swapped for it. Ours: the code as it is. Baseline and ours
alternate, point by point and write by write, so the load of a shared machine falls on
both alike; every answer of the two is compared. Also measured: what the pieces cost once
per district change (the triggers), the staff page's map centre and a station import's
area check of its rows.

Usage: ``python -m bench.district_bench [--vertices 300000] [--writes 30] [--checks 30]``.
Uses ``DATABASE_URL``'s server when set, else a managed cluster in ``.yizhan-bench``.
Results: ``bench/results/district.md`` and ``district.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import psycopg
import shapely
from psycopg import sql

from bench.nearest import RESULTS, _admin_url, fresh_database
from geo import clock

DB = "yizhan_district_bench"
CENTRE = (114.0579, 22.5431)

# The service-area check before migration 0006: every vertex of every district.
BASELINE_CHECK = (
    "WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS g)"
    " SELECT CASE WHEN bool_or(ST_Intersects(d.geom, p.g)) THEN 0"
    "   ELSE min(ST_Distance(d.geom::geography, p.g::geography)) END AS d"
    " FROM districts d, p"
)


def baseline_outside_m(conn: psycopg.Connection[Any], lon: float, lat: float) -> float | None:
    row = conn.execute(BASELINE_CHECK, (lon, lat)).fetchone()
    return None if row is None or row["d"] is None else float(row["d"])


def districts(vertices: int) -> gpd.GeoDataFrame:
    """A wiggly, coastline-like district and a frame around it sharing its whole edge."""
    t = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    r = 0.05 * (1 + 0.01 * np.sin(t * 997))
    ring = shapely.Polygon(np.c_[CENTRE[0] + r * np.cos(t), CENTRE[1] + r * np.sin(t)])
    frame = shapely.box(*shapely.bounds(ring.buffer(0.01))).difference(ring)
    return gpd.GeoDataFrame(
        {"name": ["细节区", "外环区"], "code": [None, None], "area_m2": [2.9e7, 2.0e7]},
        geometry=[shapely.MultiPolygon([ring]), shapely.MultiPolygon([frame])],
        crs=4326,
    )


def prepare(admin: str) -> str:
    url = fresh_database(admin, DB)
    return url


def _stats(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(ms),
        "median_ms": round(float(np.median(ms)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "max_ms": round(float(ms.max()), 3),
    }


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def load_districts(url: str, frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """The district import (with the triggers computing the pieces), then the pieces
    alone, and how many there are."""
    from geo.db import network as network_db
    from geo.db.connection import connect

    with connect(url, autocommit=True) as conn:
        with conn.transaction():
            load_s, _ = _timed(
                lambda: network_db.upsert_districts(
                    conn, frame, key_names=[], all_key=False, source="bench"
                )
            )
        parts_s, _ = _timed(
            lambda: conn.execute("SELECT count(*) FROM districts, district_pieces(geom)")
        )
        edges_s, _ = _timed(
            lambda: conn.execute("SELECT count(*) FROM districts, district_edge_runs(geom)")
        )
        n = conn.execute(
            "SELECT (SELECT sum(ST_NPoints(geom)) FROM districts) AS vertices,"
            " (SELECT count(*) FROM district_parts) AS parts,"
            " (SELECT count(*) FROM district_edges) AS edges"
        ).fetchone()
        conn.execute("VACUUM ANALYZE district_parts")
        conn.execute("VACUUM ANALYZE district_edges")
    return {
        "import_with_pieces_s": round(load_s, 2),
        "parts_s": round(parts_s, 2),
        "edge_runs_s": round(edges_s, 2),
        **{k: int(v) for k, v in dict(n or {}).items()},
    }


def check_points(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Positions a write may send: in the detailed district, in its neighbour, just
    outside the city (about 100-500 m) and far outside (10-20 km)."""
    a = rng.uniform(0, 2 * np.pi, n)
    x0, y0 = CENTRE

    def at(r_deg: np.ndarray) -> np.ndarray:
        return np.c_[x0 + r_deg * np.cos(a), y0 + r_deg * np.sin(a)]

    edge = 0.0505 + 0.01  # the frame's half-width (degrees)
    side = rng.integers(0, 4, n)
    t = rng.uniform(-edge, edge, n)
    off = edge + rng.uniform(100, 500, n) / 1.0e5
    dx = np.choose(side, [off, -off, t, t])
    dy = np.choose(side, [t, t, off, -off])
    near = np.c_[x0 + dx, y0 + dy]
    return {
        "in the detailed district": at(rng.uniform(0, 0.045, n)),
        "in its neighbour": at(rng.uniform(0.052, 0.058, n)),
        "about 100-500 m outside": near,
        "10-20 km outside": at(rng.uniform(0.16, 0.26, n)),
    }


def bench_checks(url: str, points: dict[str, np.ndarray]) -> dict[str, Any]:
    from geo.db import network as network_db
    from geo.db.connection import connect

    out: dict[str, Any] = {}
    with connect(url, autocommit=True) as conn:
        network_db.outside_service_area_m(conn, *CENTRE)  # warm both paths
        baseline_outside_m(conn, *CENTRE)
        for what, pts in points.items():
            base, ours, differ = [], [], 0
            for lon, lat in pts.tolist():
                tb, b = _timed(lambda lon=lon, lat=lat: baseline_outside_m(conn, lon, lat))
                to, o = _timed(
                    lambda lon=lon, lat=lat: network_db.outside_service_area_m(conn, lon, lat)
                )
                base.append(tb)
                ours.append(to)
                differ += b != o
            out[what] = {"baseline": _stats(base), "ours": _stats(ours), "answers_differ": differ}
    return out


def _station(i: int) -> dict[str, Any]:
    """The i-th of a grid of new stations 300 m apart in the detailed district."""
    side = 20
    x = CENTRE[0] - 0.03 + (i % side) * 0.003
    y = CENTRE[1] - 0.03 + (i // side) * 0.003
    return {
        "kind": "love_station",
        "name": f"基准测试驿站{i:04d}号",
        "lon": x,
        "lat": y,
        "crs": "wgs84",
        "opening_hours": "Mo-Fr 08:00-18:00",
        "services": ["drinking_water", "rest_seats"],
    }


def bench_writes(url: str, n: int) -> dict[str, Any]:
    """``edits.create_station`` and ``POST /api/v1/stations`` (in-process), ours and with
    the baseline check, alternating."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from geo.accounts import User, issue_token
    from geo.db import network as network_db
    from geo.db.accounts import insert_user
    from geo.db.connection import connect, transaction
    from geo.stations import edits
    from geo.stations.model import parse_station

    ours_check = network_db.outside_service_area_m
    with transaction(url, actor="bench") as conn:
        uid = insert_user(conn, "bench.field", "field_staff", "not-a-login")
        token, _ = issue_token(conn, User(uid, "bench.field", "field_staff"))
    user = User(uid, "bench.field", "field_staff")
    headers = {"Authorization": f"Bearer {token}"}
    times: dict[str, list[float]] = {
        k: [] for k in ("edit_base", "edit_ours", "http_base", "http_ours")
    }
    os.environ["YIZHAN_RATE_LIMIT_PER_MINUTE"] = "0"  # every request is one client
    os.environ["YIZHAN_LOG_LEVEL"] = "WARNING"
    from geo.settings import get_settings

    get_settings.cache_clear()
    i = 0
    with connect(url, autocommit=True) as conn, TestClient(create_app(url)) as client:
        for k in range(n + 1):  # the first round warms up and is not counted
            for mode in ("base", "ours"):
                network_db.outside_service_area_m = (  # type: ignore[assignment]
                    baseline_outside_m if mode == "base" else ours_check
                )
                try:
                    body = _station(i)
                    i += 1
                    t, _ = _timed(lambda b=body: edits.create_station(conn, user, parse_station(b)))
                    body = _station(i)
                    i += 1
                    th, r = _timed(
                        lambda b=body: client.post("/api/v1/stations", json=b, headers=headers)
                    )
                    assert r.status_code == 201, r.text
                finally:
                    network_db.outside_service_area_m = ours_check  # type: ignore[assignment]
                if k:
                    times[f"edit_{mode}"].append(t)
                    times[f"http_{mode}"].append(th)
    return {
        "edits.create_station": {
            "baseline": _stats(times["edit_base"]),
            "ours": _stats(times["edit_ours"]),
        },
        "POST /api/v1/stations": {
            "baseline": _stats(times["http_base"]),
            "ours": _stats(times["http_ours"]),
        },
    }


def bench_staff_centre(url: str, repeat: int = 5) -> dict[str, Any]:
    from geo.db import network as network_db
    from geo.db.connection import connect

    base, ours = [], []
    with connect(url, autocommit=True) as conn:
        for _ in range(repeat):
            tb, area = _timed(lambda: network_db.service_area(conn).representative_point())
            to, centre = _timed(lambda: network_db.service_centre(conn))
            base.append(tb)
            ours.append(to)
    assert centre == (area.x, area.y)
    return {"baseline": _stats(base), "ours": _stats(ours)}


def bench_import_check(url: str, rows: int, rng: np.random.Generator) -> dict[str, Any]:
    """The area check of a station import's rows: the distance of every row to the whole
    area (before) against the prepared polygons and an index of edge runs (ours)."""
    from geo.crs import utm_epsg
    from geo.db import network as network_db
    from geo.db.connection import connect
    from geo.io import stations as reader

    with connect(url, autocommit=True) as conn:
        fetch_s, area = _timed(lambda: network_db.service_area(conn))
    lons = rng.uniform(CENTRE[0] - 0.2, CENTRE[0] + 0.2, rows)
    lats = rng.uniform(CENTRE[1] - 0.2, CENTRE[1] + 0.2, rows)

    def before() -> np.ndarray:
        centre = area.representative_point()
        epsg = utm_epsg(centre.x, centre.y)
        points = gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs=4326).to_crs(epsg)
        shape = gpd.GeoSeries([area], crs=4326).to_crs(epsg).iloc[0]
        return points.distance(shape).to_numpy()

    tb, b = _timed(before)
    to, o = _timed(lambda: reader._outside_m(lons, lats, area))
    return {
        "rows": rows,
        "fetch_area_s": round(fetch_s, 3),
        "baseline_s": round(tb, 3),
        "ours_s": round(to, 3),
        "answers_differ": int((b != o).sum()),
    }


def _row(what: str, r: dict[str, Any]) -> str:
    b, o = r["baseline"], r["ours"]
    speed = b["median_ms"] / o["median_ms"] if o["median_ms"] else float("inf")
    differ = r.get("answers_differ")
    return (
        f"| {what} | {b['median_ms']:.1f} | {b['p95_ms']:.1f} | {o['median_ms']:.2f} | "
        f"{o['p95_ms']:.2f} | {speed:,.0f}× | {'' if differ is None else differ} |"
    )


def report(result: dict[str, Any]) -> str:
    load = result["districts"]
    lines = [
        "# One detailed district: station writes and the service-area check (#11 item 6)",
        "",
        f"`python -m bench.district_bench` on {result['when']}, Python "
        f"{result['machine']['python']}, {result['machine']['cpus']} CPUs, load average "
        f"{result['loadavg_before']} before and {result['loadavg_after']} after (other work "
        "shares this machine; baseline and ours alternate, so both carry the same load).",
        "",
        f"Districts: a wiggly district of {result['vertices']:,} vertices and a frame around it "
        f"sharing its whole edge ({load['vertices']:,} vertices in all), cut by migration 0006 "
        f"into {load['parts']:,} parts (≤ 256 vertices) and {load['edges']:,} edge runs "
        f"(≤ 64 vertices). Importing them took {load['import_with_pieces_s']} s, of which the "
        f"pieces (once per district change, by the triggers) about "
        f"{load['parts_s']} s (parts) + {load['edge_runs_s']} s (edge runs).",
        "",
        "Baseline: the check before migration 0006 (every vertex of every district, on the "
        "same database); a baseline write is the same write with that check. Times in "
        "milliseconds; *differ*: answers of the two that are not equal.",
        "",
        "| what | baseline median | baseline p95 | ours median | ours p95 | speed-up | differ |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for what, r in result["writes"].items():
        lines.append(_row(f"`{what}` (n = {r['ours']['n']})", r))
    for what, r in result["checks"].items():
        lines.append(_row(f"check: {what} (n = {r['ours']['n']})", r))
    lines.append(_row("staff page map centre", result["staff_centre"]))
    imp = result["import_check"]
    lines += [
        "",
        f"A station import's area check of {imp['rows']:,} rows (after fetching the area, "
        f"{imp['fetch_area_s']} s): {imp['baseline_s']} s before, {imp['ours_s']} s now "
        f"({imp['answers_differ']} distances differ).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vertices", type=int, default=300_000)
    ap.add_argument("--writes", type=int, default=30, help="timed writes of each kind")
    ap.add_argument("--checks", type=int, default=30, help="positions of each kind")
    ap.add_argument("--import-rows", type=int, default=2_000)
    ap.add_argument(
        "--db-port", type=int, default=int(os.environ.get("YIZHAN_BENCH_DB_PORT", 55434))
    )
    a = ap.parse_args()
    rng = np.random.default_rng(2026)
    result: dict[str, Any] = {
        "when": clock.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        "vertices": a.vertices,
    }
    url = prepare(_admin_url(a.db_port))
    result["districts"] = load_districts(url, districts(a.vertices))
    print("districts:", result["districts"], flush=True)
    result["checks"] = bench_checks(url, check_points(rng, a.checks))
    print("checks done", flush=True)
    result["writes"] = bench_writes(url, a.writes)
    print("writes done", flush=True)
    result["staff_centre"] = bench_staff_centre(url)
    result["import_check"] = bench_import_check(url, a.import_rows, rng)
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "district.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    text = report(result)
    (RESULTS / "district.md").write_text(text, encoding="utf-8")
    print(text)
    with psycopg.connect(_admin_url(a.db_port), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB)))


if __name__ == "__main__":
    main()
