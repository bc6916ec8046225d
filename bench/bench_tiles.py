"""Benchmark of #14's basemap: vector tiles per second and bytes per tile at city zooms
(12-16) on the real Futian streets and the Shenzhen districts, cold and cached, in the same
run on the same database.

Baseline: a cold tile, built by PostGIS (``geo.db.tiles.tile``: ``ST_AsMVT``) as every
request would without the cache. Ours: the cached path (``geo.tiles.get``: one
primary-key read of the data version, then the in-process LRU), and the same two through
HTTP (``GET /tiles/{z}/{x}/{y}.mvt`` in-process, first with a cold cache, then warm, then
revalidated with ``If-None-Match`` for a 304). Every tile covering the streets' extent
(with 3,000 public stations spread over it) at each zoom is
fetched once per pass; cold and cached are measured tile by tile in turn, so the load of
a shared machine falls on both alike. Bytes: raw and gzipped (what a compressing server
would send).

Usage: ``python -m bench.bench_tiles [--stations 3000] [--port 55498]``. Uses
``DATABASE_URL``'s server when set, else a managed cluster in ``.yizhan-bench``. Skips
(with the reason, exit 0) when ``../shared/data/shenzhen-futian`` is absent. Results:
``bench/results/tiles.md`` and ``tiles.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import time
from typing import Any

import numpy as np

from bench.nearest import FUTIAN, RESULTS, _admin_url, fresh_database
from geo import clock

DB = "yizhan_tiles_bench"
ZOOMS = (12, 13, 14, 15, 16)


def tiles_covering(bbox: tuple[float, float, float, float], z: int) -> list[tuple[int, int]]:
    """Every (x, y) tile at zoom ``z`` that the WGS-84 ``bbox`` touches."""

    def xy(lon: float, lat: float) -> tuple[int, int]:
        n = 1 << z
        lat_r = math.radians(lat)
        return (
            int((lon + 180.0) / 360.0 * n),
            int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n),
        )

    x0, y1 = xy(bbox[0], bbox[1])
    x1, y0 = xy(bbox[2], bbox[3])
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def load_city(url: str, stations: int) -> dict[str, Any]:
    """The real Futian streets and districts, and ``stations`` public stations spread
    uniformly (seeded) over the streets' extent; returns the counts and that extent (the
    area the benchmark tiles)."""
    from geo.db.connection import transaction
    from geo.importers import import_districts, import_streets
    from geo.stations import sql as stations_db

    streets = import_streets(FUTIAN / "streets.geojson", actor="bench", url=url)
    import_districts(
        FUTIAN / "districts.geojson", name_field="qh", key=["福田"], actor="bench", url=url
    )
    with transaction(url, actor="bench") as conn:
        row = conn.execute(
            "SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1"
            " FROM (SELECT ST_Extent(geom) AS e FROM streets) s"
        ).fetchone()
    assert row is not None
    bbox = (row["x0"], row["y0"], row["x1"], row["y1"])
    rng = np.random.default_rng(14)
    lon = rng.uniform(bbox[0], bbox[2], stations)
    lat = rng.uniform(bbox[1], bbox[3], stations)
    kinds = ("love_station", "mother_baby_room", "worker_bookshop")
    rows = [
        {
            "kind": kinds[i % 3],
            "name": f"基准驿站{i:05d}",
            "status": "open",
            "review_state": "approved",
            "opened_on": None,
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
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM streets) AS streets,"
            " (SELECT count(*) FROM districts) AS districts,"
            " (SELECT count(*) FROM stations) AS stations"
        ).fetchone()
    return {
        "streets_report": streets.counts.get("streets"),
        **dict(counts or {}),
        "bbox": [round(float(v), 5) for v in bbox],
    }


def _rate(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    total = float(np.sum(seconds))
    return {
        "tiles_per_s": round(len(ms) / total, 1) if total else 0.0,
        "median_ms": round(float(np.median(ms)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
    }


def bench_zoom(
    conn: Any, client: Any, z: int, bbox: tuple[float, float, float, float]
) -> dict[str, Any]:
    """Cold (PostGIS) and cached tiles at zoom ``z``, direct and through HTTP."""
    from geo import tiles
    from geo.db import tiles as tiles_db

    today = clock.today()
    cache = tiles.TileCache()
    cold, cached, sizes, gz = [], [], [], []
    for x, y in tiles_covering(bbox, z):
        t = time.perf_counter()
        data = tiles_db.tile(conn, z, x, y, today)
        cold.append(time.perf_counter() - t)
        tiles.get(conn, z, x, y, use_cache=cache)  # fill
        t = time.perf_counter()
        again = tiles.get(conn, z, x, y, use_cache=cache)
        cached.append(time.perf_counter() - t)
        assert again.data == data
        sizes.append(len(data))
        gz.append(len(gzip.compress(data, 6)) if data else 0)
    tiles.cache.clear()
    http_cold, http_warm, http_304 = [], [], []
    for x, y in tiles_covering(bbox, z):
        path = f"/tiles/{z}/{x}/{y}.mvt"
        t = time.perf_counter()
        first = client.get(path)
        http_cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        client.get(path)
        http_warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        revalidated = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        http_304.append(time.perf_counter() - t)
        assert revalidated.status_code == 304
    sizes_a = np.asarray(sizes)
    nonempty = sizes_a[sizes_a > 0]
    return {
        "tiles": len(sizes),
        "empty_tiles": int((sizes_a == 0).sum()),
        "bytes_mean": round(float(nonempty.mean()), 0) if len(nonempty) else 0,
        "bytes_max": int(sizes_a.max()),
        "gzip_bytes_mean": round(float(np.mean([g for g in gz if g])), 0) if any(gz) else 0,
        "cold": _rate(cold),
        "cached": _rate(cached),
        "cached_vs_cold": round(float(np.sum(cold) / np.sum(cached)), 1),
        "http_cold": _rate(http_cold),
        "http_cached": _rate(http_warm),
        "http_304": _rate(http_304),
        "http_cached_vs_cold": round(float(np.sum(http_cold) / np.sum(http_warm)), 1),
    }


def write(results: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "tiles.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    lines = [
        "# Basemap vector tiles (#14)",
        "",
        f"Futian streets and districts, {results['city']['stations']} public stations; "
        f"{results['machine']}. Every tile covering the streets' extent "
        f"{results['city']['bbox']} at each zoom, once per pass.",
        "Cold: built by PostGIS (ST_AsMVT) each time, the baseline. Cached: the in-process "
        "LRU keyed by the data version. HTTP: `GET /tiles/...` in-process (TestClient).",
        "",
        "| zoom | tiles (empty) | bytes/tile mean (gzip) | max bytes | cold tiles/s "
        "(median ms) | cached tiles/s | cached ÷ cold | HTTP cold tiles/s | HTTP cached "
        "tiles/s | HTTP 304 tiles/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for z, r in results["zooms"].items():
        lines.append(
            f"| {z} | {r['tiles']} ({r['empty_tiles']}) | {r['bytes_mean']:.0f} "
            f"({r['gzip_bytes_mean']:.0f}) | {r['bytes_max']} | {r['cold']['tiles_per_s']} "
            f"({r['cold']['median_ms']}) | {r['cached']['tiles_per_s']} | "
            f"{r['cached_vs_cold']}× | {r['http_cold']['tiles_per_s']} | "
            f"{r['http_cached']['tiles_per_s']} | {r['http_304']['tiles_per_s']} |"
        )
    (RESULTS / "tiles.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=3000)
    parser.add_argument("--port", type=int, default=55498)
    args = parser.parse_args()
    if not (FUTIAN / "streets.geojson").exists():
        print(f"skipped: the real city data is absent ({FUTIAN})")
        return
    from fastapi.testclient import TestClient

    from api.app import create_app
    from geo.db.connection import connect
    from geo.settings import get_settings

    url = fresh_database(_admin_url(args.port), DB)
    os.environ["YIZHAN_RATE_LIMIT_PER_MINUTE"] = "0"
    get_settings.cache_clear()
    city = load_city(url, args.stations)
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "city": city,
        "zooms": {},
    }
    with connect(url, autocommit=True) as conn, TestClient(create_app(url)) as client:
        conn.execute("VACUUM ANALYZE")
        for z in ZOOMS:
            results["zooms"][str(z)] = bench_zoom(conn, client, z, tuple(city["bbox"]))
            print(z, json.dumps(results["zooms"][str(z)]))
    write(results)
    print((RESULTS / "tiles.md").read_text())


if __name__ == "__main__":
    main()
