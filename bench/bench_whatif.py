"""What-if latency (#16): one change (add a station, move one, switch one off) evaluated
incrementally, against a full recomputation of the same stations, in the same run on the
real Futian network.

Setup: the real Futian streets and districts (福田 the key district) from
``../shared/data/shenzhen-futian`` and ``--stations`` synthetic love stations spread over
福田. The base state is built once (timed: the cold first what-if); then, warm, for each
kind of change ``--repeats`` random changes are timed two ways:

* **what-if**: :func:`geo.coverage.whatif_service.whatif`, what ``POST /api/v1/whatif``
  runs (the cache check against the database, the service-area check of the new
  position, one bounded Dijkstra per changed station, the counts, the GeoJSON);
* **engine**: :func:`geo.coverage.whatif.evaluate` alone;
* **full**: :func:`geo.coverage.evaluate.evaluate` of the changed station set (snapping,
  the multi-source Dijkstra, every interval, cell and sample), what a what-if would cost
  without the base state; timed on ``--full-repeats`` of the same changes.

Every timed what-if's figures are compared with a full recomputation (to 1e-9).

Usage: ``python -m bench.bench_whatif [--stations 150] [--repeats 50] [--port 55568]``.
Uses ``DATABASE_URL``'s server when set, else a managed cluster in ``.yizhan-bench``.
Results: ``bench/results/whatif.md`` and ``whatif.json``; the goal is < 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from typing import Any

import numpy as np
import shapely

from bench.nearest import FUTIAN, RESULTS, _admin_url, fresh_database

DB = "yizhan_whatif_bench"
GOAL_MS = 300.0
AS_OF = "2026-11-24"


def load(url: str, stations: int) -> dict[str, Any]:
    """The Futian streets and districts, and ``stations`` love stations inside 福田."""
    from geo.db.connection import transaction
    from geo.importers import import_districts, import_streets
    from geo.stations import sql as stations_db

    import_streets(FUTIAN / "streets.geojson", actor="bench", url=url)
    import_districts(
        FUTIAN / "districts.geojson", name_field="qh", key=["福田"], actor="bench", url=url
    )
    with transaction(url, actor="bench") as conn:
        futian = conn.execute(
            "SELECT ST_AsBinary(geom) AS g FROM districts WHERE name = '福田'"
        ).fetchone()
    assert futian is not None
    area = shapely.from_wkb(bytes(futian["g"]))
    lon, lat = points_in(area, stations, np.random.default_rng(16))
    rows = [
        {
            "kind": "love_station",
            "name": f"基准驿站{i:04d}",
            "status": "open",
            "review_state": "approved",
            "opened_on": dt.date(2025, 1, 1),
            "closed_on": None,
            "services": [],
            "is_demo": False,
            "source": "bench",
            "external_id": str(i),
            "lon": float(lon[i]),
            "lat": float(lat[i]),
        }
        for i in range(stations)
    ]
    with transaction(url, actor="bench") as conn:
        stations_db.upsert_many(conn, rows)
    return {"area": area}


def points_in(area: Any, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random WGS-84 points inside ``area``."""
    x0, y0, x1, y1 = shapely.bounds(area)
    shapely.prepare(area)
    out: list[tuple[float, float]] = []
    while len(out) < n:
        xs = rng.uniform(x0, x1, 4 * n)
        ys = rng.uniform(y0, y1, 4 * n)
        inside = shapely.contains_xy(area, xs, ys)
        out += list(zip(xs[inside], ys[inside], strict=True))
    pts = np.array(out[:n])
    return pts[:, 0], pts[:, 1]


def _stats(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000.0
    return {
        "n": int(ms.size),
        "median_ms": round(float(np.median(ms)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
    }


def run(conn: Any, area: Any, repeats: int, full_repeats: int) -> dict[str, Any]:  # noqa: PLR0915
    """Time what-ifs of each kind of change against full recomputations."""

    from geo.coverage import service, whatif_service
    from geo.coverage.changes import parse_changes, resolve
    from geo.coverage.evaluate import evaluate as full_evaluate
    from geo.coverage.figures import cell_areas
    from geo.coverage.whatif import evaluate

    q = service.question(dt.date.fromisoformat(AS_OF), "love_station", None, cell_m=None)
    whatif_service.clear_cache()
    t = time.perf_counter()
    whatif_service.whatif(conn, q, [])
    cold = time.perf_counter() - t
    base = whatif_service.base_for(conn, q)
    city = base.city
    area_m2 = cell_areas(city)
    rng = np.random.default_rng(161)
    lon, lat = points_in(area, 3 * repeats, rng)
    ids = base.ids
    results: dict[str, Any] = {}
    worst = 0.0
    for kind in ("add", "move", "remove"):
        api_s, engine_s, full_s = [], [], []
        for i in range(repeats):
            sid = int(ids[rng.integers(len(ids))])
            x, y = (
                float(lon[3 * i + ("add", "move", "remove").index(kind)]),
                float(lat[3 * i + ("add", "move", "remove").index(kind)]),
            )
            change = {
                "add": {"op": "add", "id": f"b{i}", "lon": x, "lat": y},
                "move": {"op": "move", "station_id": sid, "lon": x, "lat": y},
                "remove": {"op": "remove", "station_id": sid},
            }[kind]
            t = time.perf_counter()
            answer = whatif_service.whatif(conn, q, [change])
            api_s.append(time.perf_counter() - t)
            res = resolve(base, parse_changes([change]))
            t = time.perf_counter()
            out = evaluate(base, res.removed, res.added)
            engine_s.append(time.perf_counter() - t)
            keep = np.setdiff1d(np.arange(len(ids)), res.removed)
            s_lon = np.r_[base.lon[keep], [a.lon for a in res.added]]
            s_lat = np.r_[base.lat[keep], [a.lat for a in res.added]]
            t = time.perf_counter()
            cov = full_evaluate(city, s_lon, s_lat, q.distance_m, "walking")
            full_m = float((cov.main_covered.hi - cov.main_covered.lo).sum())
            full_a = float(area_m2[cov.cell_covered].sum())
            if i < full_repeats:
                full_s.append(time.perf_counter() - t)
            worst = max(
                worst,
                abs(out.scenario.main_street_covered_m - full_m) / max(full_m, 1.0),
                abs(out.scenario.key_district_covered_m2 - full_a) / max(full_a, 1.0),
            )
            assert answer["scenario"]["main_street_covered_m"] == round(
                out.scenario.main_street_covered_m, 2
            )
        results[kind] = {
            "whatif": _stats(api_s),
            "engine": _stats(engine_s),
            "full": _stats(full_s),
        }
        print(kind, json.dumps(results[kind]))
    assert worst <= 1e-9, f"what-if and full recomputation differ by {worst:g}"
    return {
        "question": {
            "as_of": AS_OF,
            "kind": q.kind,
            "distance_m": q.distance_m,
            "cell_m": q.cell_m,
        },
        "network": {
            "edges": city.network.graph.n_edges,
            "nodes": city.network.graph.n_nodes,
            "main_streets": len(city.main_id),
            "cells": len(city.cell_owner),
            "samples": len(city.sample_owner),
            "stations": len(ids),
        },
        "cold_first_whatif_ms": round(cold * 1000.0, 1),
        "max_relative_difference": worst,
        "changes": results,
    }


def write(results: dict[str, Any]) -> None:
    """bench/results/whatif.md and whatif.json."""
    (RESULTS / "whatif.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    net, q = results["network"], results["question"]
    lines = [
        "# What-if latency (#16)",
        "",
        f"Machine: {results['machine']}. Real Futian network ({net['edges']} walk edges, "
        f"{net['nodes']} nodes, {net['main_streets']} main streets, {net['cells']} grid "
        f"cells of {q['cell_m']:g} m in 福田, {net['samples']} off-network street samples), "
        f"{net['stations']} operating synthetic love stations, D = {q['distance_m']:g} m "
        "walking. Produced by `python -m bench.bench_whatif`.",
        "",
        f"Cold (first what-if: city and base state built): {results['cold_first_whatif_ms']} ms.",
        "",
        "Warm, one change per what-if (ms; goal < 300):",
        "",
        "| change | what-if (API) median | p95 | engine only median | p95 "
        "| full recomputation median | p95 | n |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, r in results["changes"].items():
        w, e, f = r["whatif"], r["engine"], r["full"]
        lines.append(
            f"| {kind} | {w['median_ms']} | {w['p95_ms']} | {e['median_ms']} | {e['p95_ms']} "
            f"| {f['median_ms']} | {f['p95_ms']} | {w['n']} (full {f['n']}) |"
        )
    ok = all(r["whatif"]["p95_ms"] < GOAL_MS for r in results["changes"].values())
    lines += [
        "",
        f"Goal (< {GOAL_MS:g} ms, p95 of the API's what-if): {'met' if ok else 'NOT met'}.",
        f"Largest relative difference from the full recomputation: "
        f"{results['max_relative_difference']:.2e} (checked on every timed what-if).",
        "",
        "The what-if column is `geo.coverage.whatif_service.whatif` as the API runs it "
        "(database checks of the cache key and of the service area, the GeoJSON of the "
        "stretches); the engine column only the incremental update; the full column "
        "`geo.coverage.evaluate.evaluate` of the same stations (without the geometries "
        "and figures tables a snapshot adds).",
        "",
    ]
    (RESULTS / "whatif.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--full-repeats", type=int, default=50)
    parser.add_argument("--port", type=int, default=55568)
    args = parser.parse_args()
    if not (FUTIAN / "streets.geojson").exists():
        print(f"skipped: the real city data is absent ({FUTIAN})")
        return
    from geo.db.connection import connect

    url = fresh_database(_admin_url(args.port), DB)
    city = load(url, args.stations)
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        results = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
            **run(conn, city["area"], args.repeats, args.full_repeats),
        }
    write(results)
    print((RESULTS / "whatif.md").read_text())


if __name__ == "__main__":
    main()
