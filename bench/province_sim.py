"""A province on one machine: coverage of many cities as independent jobs, serially and on Dask.

Run with ``python -m bench.province_sim [--cities 20] [--workers 2]``.
Writes ``bench/results/province.md`` and ``province.json``.

Each synthetic city is a jittered grid (:func:`bench.coverage_bench.grid_network`) of its
own size (``--min-edges`` .. ``--max-edges``, spaced geometrically), placed in UTM zone
50N, with main streets (every 8th grid line), districts (half of them key districts with
50 m cells) and its own stations (one per 500 edges). A city's job is what
``yizhan coverage run`` does once the city is loaded, with the same functions and no
database: build the :class:`geo.coverage.city.City` (walk network, STRtree, CSR arcs,
cells and their snaps: the stand-in for ``load_city`` reading the city's own database),
then :func:`geo.coverage.evaluate.evaluate` (snap, one multi-source
:func:`geo.network.graph.reach`, covered intervals), :func:`geo.coverage.figures.figures`
and :func:`geo.coverage.figures.geometries`.

The same jobs run

* (a) one after another in this process (the baseline);
* (b) as independent tasks on a local Dask cluster
  (``LocalCluster(processes=True, n_workers=--workers, threads_per_worker=1)``), each task
  building its own city from its spec, largest first;
* (c) with the cities built here and scattered to the workers beforehand, the tasks then
  computing coverage only (against the coverage-only part of (a)).

Every city's figures (a digest of the whole figures dict and of the geometries) must be
identical in all three. Peak memory is each process's VmHWM, reset before each job.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import json
import os
import pickle
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from bench.coverage_bench import BLOCK, grid_network
from geo.coverage.city import City
from geo.coverage.engine import covered_intervals
from geo.coverage.evaluate import evaluate
from geo.coverage.figures import figures, geometries
from geo.coverage.geometry import grid_cells
from geo.network.graph import Graph, Snap, reach
from geo.network.walk import WalkNetwork, snap

RESULTS = Path(__file__).resolve().parent / "results"
EPSG = 32650  # UTM 50N: Guangdong, Fujian, Jiangxi
D = 1000.0  # the love stations' default walking coverage radius
CELL_M = 50.0  # YIZHAN_COVERAGE_CELL_M's default
MAIN_EVERY = 8  # every 8th grid line is a main street (~480 m apart)
EDGES_PER_STATION = 500  # 40..600 stations a city (national mean: ~505)
NOOP_TASKS = 200
PARTITION_EDGES = 200_000


@dataclass(frozen=True)
class CitySpec:
    """What a synthetic city is made from (small enough to send to a worker)."""

    name: str
    edges: int
    seed: int
    origin: tuple[float, float]  # south-west corner in EPSG:32650 metres


def province(cities: int, min_edges: int, max_edges: int) -> list[CitySpec]:
    """``cities`` cities, sizes spaced geometrically from ``min_edges`` to ``max_edges``."""
    sizes = np.geomspace(min_edges, max_edges, cities).round(-3).astype(int)
    return [
        CitySpec(
            f"city{i:02d}",
            int(size),
            100 + i,
            (300_000.0 + 40_000 * (i % 10), 2_450_000.0 + 60_000 * (i // 10)),
        )
        for i, size in enumerate(sizes)
    ]


def _snap_none() -> Snap:
    return Snap(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))


def build_city(spec: CitySpec) -> tuple[City, np.ndarray, np.ndarray]:
    """The city of ``spec`` and its stations' WGS-84 lon/lat."""
    net = grid_network(spec.edges, seed=spec.seed)
    n = net["n"]
    xy = net["xy"] + np.asarray(spec.origin)
    lines = shapely.linestrings(np.stack([xy[net["source"]], xy[net["target"]]], axis=1))
    graph = Graph(net["source"], net["target"], net["length"], n * n)
    graph.arcs  # noqa: B018 -- as WalkNetwork.from_edges does
    graph.node_piece  # noqa: B018
    n_edges = graph.n_edges
    network = WalkNetwork(
        version=f"synthetic-{spec.name}",
        epsg=EPSG,
        graph=graph,
        geoms=lines,
        street_id=np.arange(n_edges, dtype=np.int64),
        _tree=shapely.STRtree(lines),
        to_metric=Transformer.from_crs(4326, EPSG, always_xy=True),
    )
    # Main streets: the grid lines iy % 8 == 0 (x-direction edges come first in
    # grid_network, edge i * n + j along line iy = j) and ix % 8 == 0.
    horizontal = np.arange((n - 1) * n)
    line_h = horizontal % n
    vertical = np.arange((n - 1) * n)
    line_v = vertical // (n - 1)
    main_edge = np.r_[
        horizontal[line_h % MAIN_EVERY == 0], (n - 1) * n + vertical[line_v % MAIN_EVERY == 0]
    ]
    names = np.r_[
        [f"纬{j}路" for j in line_h[line_h % MAIN_EVERY == 0]],
        [f"经{i}路" for i in line_v[line_v % MAIN_EVERY == 0]],
    ].astype(object)
    # Districts: a k x k chessboard over the city, the black squares key districts.
    k = 2 if spec.edges < 60_000 else 3 if spec.edges < 150_000 else 4
    side = (n - 1) * BLOCK / k
    ox, oy = spec.origin
    cx, cy = (g.ravel() for g in np.meshgrid(np.arange(k), np.arange(k), indexing="ij"))
    district_geom = shapely.box(
        ox + cx * side, oy + cy * side, ox + (cx + 1) * side, oy + (cy + 1) * side
    )
    district_key = (cx + cy) % 2 == 0
    key = np.flatnonzero(district_key)
    cell_owner, cell_geom, centre = grid_cells(district_geom[key], CELL_M)
    rng = np.random.default_rng(spec.seed + 1)
    stations_xy = xy[rng.integers(0, n * n, spec.edges // EDGES_PER_STATION)]
    stations_xy = stations_xy + rng.normal(0, 25, stations_xy.shape)
    lon, lat = Transformer.from_crs(EPSG, 4326, always_xy=True).transform(
        stations_xy[:, 0], stations_xy[:, 1]
    )
    city = City(
        epsg=EPSG,
        network=network,
        main_id=main_edge.astype(np.int64),
        main_name=names,
        main_length=graph.length[main_edge],
        main_geom=lines[main_edge],
        main_edge=main_edge.astype(np.int64),
        sample_owner=np.zeros(0, np.int64),
        sample_lo=np.zeros(0),
        sample_hi=np.zeros(0),
        sample_snap=_snap_none(),
        not_walkable=[],
        sample_point=np.zeros(0, dtype=object),
        district_name=np.array([f"区{i + 1}" for i in range(k * k)], dtype=object),
        district_key=district_key,
        district_geom=district_geom,
        district_area_m2=shapely.area(district_geom),
        cell_m=CELL_M,
        cell_owner=key[cell_owner],
        cell_geom=cell_geom,
        cell_area=shapely.area(cell_geom),
        cell_centre=centre,
        cell_snap=network.snap_points(centre),
    )
    return city, np.asarray(lon, float), np.asarray(lat, float)


def partition_check(edges: int, buffer_m: float, seed: int = 7) -> dict[str, Any]:
    """Coverage of the west half of a city computed from the west half plus a
    ``buffer_m`` strip of the rest (network and stations), against the whole city.

    A walk of at most D ends within D (straight line) of where it starts, so with
    ``buffer_m >= D`` every covered interval of a west edge must be identical; with a
    smaller buffer, stations just across the strip are lost and the west half shrinks.
    """
    net = grid_network(edges, seed=seed)
    xy = net["xy"]
    src, dst, length = net["source"], net["target"], net["length"]
    lines = shapely.linestrings(np.stack([xy[src], xy[dst]], axis=1))
    n_nodes = net["n"] ** 2
    rng = np.random.default_rng(seed + 1)
    stations = shapely.points(xy[rng.integers(0, n_nodes, edges // EDGES_PER_STATION)])
    whole = Graph(src, dst, length, n_nodes)
    snaps = snap(stations, lines, length)  # as the whole city stores them
    mid = float(np.median(xy[:, 0]))
    west = np.flatnonzero(np.maximum(xy[src, 0], xy[dst, 0]) < mid)
    cov_whole = covered_intervals(reach(whole, snaps, D), west)
    # The part: every edge with an end within the strip, stations on those edges.
    part = np.flatnonzero(np.minimum(xy[src, 0], xy[dst, 0]) < mid + buffer_m)
    new_index = np.full(len(length), -1, dtype=np.int64)
    new_index[part] = np.arange(part.size)
    sub = Graph(src[part], dst[part], length[part], n_nodes)
    kept = new_index[snaps.edge] >= 0
    sub_snaps = Snap(new_index[snaps.edge[kept]], snaps.along[kept], snaps.offset[kept])
    cov_part = covered_intervals(reach(sub, sub_snaps, D), new_index[west])
    same = (
        np.array_equal(part[cov_part.edge], cov_whole.edge)
        and np.array_equal(cov_part.lo, cov_whole.lo)
        and np.array_equal(cov_part.hi, cov_whole.hi)
    )
    covered_whole = float((cov_whole.hi - cov_whole.lo).sum())
    covered_part = float((cov_part.hi - cov_part.lo).sum())
    return {
        "edges": len(length),
        "west_edges": int(west.size),
        "part_edges": int(part.size),
        "buffer_m": buffer_m,
        "stations": int(len(stations)),
        "stations_in_part": int(kept.sum()),
        "covered_west_whole_m": covered_whole,
        "covered_west_part_m": covered_part,
        "identical": bool(same),
    }


def _reset_peak() -> None:
    """Give freed memory back to the system, then reset the peak resident set to the
    current one, so a job's peak is its own and not an earlier, larger city's."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _unpickle_city(blob: bytes) -> tuple[City, np.ndarray, np.ndarray]:
    """A city sent as a pickled blob, ready as :func:`build_city` leaves it: an STRtree
    comes back unbuilt from a pickle, so it is built here (not in the coverage task)."""
    city, lon, lat = pickle.loads(blob)
    city.network.tree.query(shapely.points([0.0, 0.0]))
    return city, lon, lat


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def digest(figs: dict[str, Any], geoms: list[dict[str, Any]]) -> str:
    """One hash of every figure and every geometry (WKB, role, street, measure)."""
    h = hashlib.sha256(json.dumps(figs, sort_keys=True, ensure_ascii=False).encode())
    for g in geoms:
        h.update(f"{g['role']}|{g['street']}|{g['district']}|{g['measure']}".encode())
        h.update(shapely.to_wkb(g["geom"]))
    return h.hexdigest()


def cover(city: City, lon: np.ndarray, lat: np.ndarray) -> dict[str, Any]:
    """What a coverage run computes for a loaded city: coverage, figures, geometries."""
    cov = evaluate(city, lon, lat, D, "walking")
    figs = figures(city, cov)
    geoms = geometries(city, cov)
    s = figs["summary"]
    return {
        "digest": digest(figs, geoms),
        "stations": s["stations"],
        "main_street_m": s["main_street_m"],
        "main_street_share": s["main_street_share"],
        "key_district_share": s["key_district_share"],
        "cells": s["cells"],
        "geometries": len(geoms),
    }


def city_job(spec: CitySpec) -> dict[str, Any]:
    """One city end to end (build + coverage), as a task: figures, times, peak memory."""
    _reset_peak()
    t0 = time.perf_counter()
    city, lon, lat = build_city(spec)
    t1 = time.perf_counter()
    out = cover(city, lon, lat)
    t2 = time.perf_counter()
    return {
        "city": spec.name,
        "edges": spec.edges,
        **out,
        "build_s": t1 - t0,
        "cover_s": t2 - t1,
        "job_s": t2 - t0,
        "peak_mb": _peak_mb(),
        "pid": os.getpid(),
    }


def cover_job(built: tuple[City, np.ndarray, np.ndarray]) -> dict[str, Any]:
    """Coverage only, of a city already built (scattered to the worker)."""
    _reset_peak()
    city, lon, lat = built
    t0 = time.perf_counter()
    out = cover(city, lon, lat)
    return {
        **out,
        "cover_s": time.perf_counter() - t0,
        "peak_mb": _peak_mb(),
        "pid": os.getpid(),
    }


def _noop(i: int) -> int:
    return i


def run_serial(specs: list[CitySpec]) -> dict[str, Any]:
    t = time.perf_counter()
    jobs = [city_job(s) for s in specs]
    return {"wall_s": time.perf_counter() - t, "jobs": jobs}


def start_cluster(workers: int) -> tuple[Any, Any, float]:
    from dask.distributed import Client, LocalCluster

    t = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        memory_limit="8GiB",
        dashboard_address=None,
    )
    client = Client(cluster)
    # Workers import the engine once (as a long-lived worker would have).
    client.run(lambda: __import__("bench.province_sim"))
    return cluster, client, time.perf_counter() - t


def run_dask(client: Any, specs: list[CitySpec]) -> dict[str, Any]:
    """Every city as an independent task, the largest submitted first."""
    order = sorted(specs, key=lambda s: -s.edges)
    t = time.perf_counter()
    futures = [client.submit(city_job, s, key=f"city-{s.name}", pure=False) for s in order]
    jobs = client.gather(futures)
    wall = time.perf_counter() - t
    return {"wall_s": wall, "jobs": sorted(jobs, key=lambda j: j["city"])}


def run_scattered(client: Any, specs: list[CitySpec]) -> dict[str, Any]:
    """Cities built here and sent to the workers first (round robin, largest first);
    the tasks then compute coverage only, where their city already is.

    A city goes as one pickled blob, unpickled by a task on its worker: Dask's own
    serialisation of a City is several times slower (see :func:`scatter_cost`).
    """
    from dask.distributed import wait

    order = sorted(specs, key=lambda s: -s.edges)
    workers = list(client.scheduler_info()["workers"])
    t = time.perf_counter()
    cities = {}
    for i, s in enumerate(order):  # one city at a time: this process holds one city
        where = [workers[i % len(workers)]]
        blob = client.scatter(pickle.dumps(build_city(s), protocol=5), workers=where)
        cities[s.name] = client.submit(
            _unpickle_city, blob, workers=where, allow_other_workers=False, pure=False
        )
        wait(cities[s.name])
        del blob
    prepare_s = time.perf_counter() - t
    t = time.perf_counter()
    tasks = {name: client.submit(cover_job, f, pure=False) for name, f in cities.items()}
    jobs = {name: f.result() for name, f in tasks.items()}
    wall = time.perf_counter() - t
    del cities, tasks
    out = [{"city": s.name, "edges": s.edges, **jobs[s.name]} for s in specs]
    return {"build_and_scatter_s": prepare_s, "wall_s": wall, "jobs": out}


def scatter_cost(client: Any, spec: CitySpec) -> dict[str, float]:
    """Seconds to send one built city to a worker: Dask's own serialisation against one
    pickled blob (unpickled on the worker)."""
    from dask.distributed import wait

    built = build_city(spec)
    where = [next(iter(client.scheduler_info()["workers"]))]
    t = time.perf_counter()
    native = client.scatter(built, workers=where)
    native_s = time.perf_counter() - t
    del native
    t = time.perf_counter()
    blob = client.scatter(pickle.dumps(built, protocol=5), workers=where)
    loaded = client.submit(_unpickle_city, blob, workers=where, pure=False)
    wait(loaded)
    pickled_s = time.perf_counter() - t
    del blob, loaded
    return {"edges": spec.edges, "dask_native_s": native_s, "pickled_blob_s": pickled_s}


def scheduler_overhead(client: Any, n: int = NOOP_TASKS) -> float:
    """Seconds per no-op task through the scheduler (submit to result, in one batch)."""
    client.gather([client.submit(_noop, i, pure=False) for i in range(20)])  # warm
    t = time.perf_counter()
    client.gather([client.submit(_noop, i, pure=False) for i in range(n)])
    return (time.perf_counter() - t) / n


def same_figures(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    return [j["digest"] for j in a] == [j["digest"] for j in b]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--min-edges", type=int, default=20_000)
    parser.add_argument("--max-edges", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=5, help="(a), (b), (c) alternated")
    parser.add_argument("--no-scatter", action="store_true", help="skip (c)")
    parser.add_argument("--out", default="province", help="results file stem")
    args = parser.parse_args()
    specs = province(args.cities, args.min_edges, args.max_edges)
    load_before = os.getloadavg()
    print(f"{len(specs)} cities, {sum(s.edges for s in specs):,} edges", flush=True)
    partition = [partition_check(PARTITION_EDGES, b) for b in (0.0, D / 4, D / 2, D)]
    cluster, client, startup = start_cluster(args.workers)
    rounds: list[dict[str, Any]] = []
    try:
        overhead = scheduler_overhead(client)
        scatter = (
            None if args.no_scatter else scatter_cost(client, max(specs, key=lambda s: s.edges))
        )
        for i in range(args.rounds):  # (a), (b), (c) alternate: same load for each
            row: dict[str, Any] = {"serial": run_serial(specs), "dask": run_dask(client, specs)}
            row["scattered"] = None if args.no_scatter else run_scattered(client, specs)
            print(
                f"round {i + 1}: (a) {row['serial']['wall_s']:.1f} s, "
                f"(b) {row['dask']['wall_s']:.1f} s"
                + (f", (c) {row['scattered']['wall_s']:.1f} s" if row["scattered"] else ""),
                flush=True,
            )
            rounds.append(row)
    finally:
        client.close()
        cluster.close()
    base = rounds[0]["serial"]["jobs"]
    result = {
        "meta": meta(args, load_before),
        "cities": [s.__dict__ for s in specs],
        "workers": args.workers,
        "cluster_start_s": startup,
        "noop_task_s": overhead,
        "scatter_cost": scatter,
        "rounds": rounds,
        "partition": partition,
        "same_figures": all(
            same_figures(base, r[k]["jobs"])
            for r in rounds
            for k in ("serial", "dask", "scattered")
            if r[k] is not None
        ),
    }
    write(result, args.out)
    if not result["same_figures"]:
        sys.exit("figures differ between the serial and the Dask runs")


def meta(args: argparse.Namespace, load_before: tuple[float, float, float]) -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    import dask

    return {
        "python": platform.python_version(),
        "dask": dask.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": commit,
        "command": "python -m bench.province_sim " + " ".join(sys.argv[1:]),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
    }


def write(result: dict[str, Any], stem: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    (RESULTS / f"{stem}.md").write_text(markdown(result))


def _per_worker_peak(jobs: list[dict[str, Any]]) -> str:
    peaks: dict[int, float] = {}
    for j in jobs:
        peaks[j["pid"]] = max(peaks.get(j["pid"], 0.0), j["peak_mb"])
    return ", ".join(f"{v:,.0f}" for v in sorted(peaks.values(), reverse=True))


def _median(xs: list[float]) -> float:
    return float(np.median(xs))


def _loads(m: dict[str, Any]) -> str:
    before = "/".join(f"{x:.2f}" for x in m["load_average_before"])
    after = "/".join(f"{x:.2f}" for x in m["load_average_after"])
    return f"load average (1/5/15 min) {before} before, {after} after"


def markdown(r: dict[str, Any]) -> str:
    m, w = r["meta"], r["workers"]
    edges = sum(x["edges"] for x in r["cities"])
    lines = [
        "# Province simulation: per-city coverage jobs, serial and on Dask",
        "",
        f"`{m['command']}` at commit `{m['commit']}` on {m['date']}: Python {m['python']}, "
        f"Dask {m['dask']}, {m['machine']}, {m['cpus']} CPUs, {m['memory_gb']} GB "
        f"(shared with other work); {_loads(m)}.",
        "",
        f"{len(r['cities'])} synthetic cities (jittered grids, ~{BLOCK:.0f} m blocks, "
        f"{min(x['edges'] for x in r['cities']):,} to {max(x['edges'] for x in r['cities']):,}"
        f" edges), {edges:,} walk edges in all, one station per {EDGES_PER_STATION} edges, "
        f"D = {D:.0f} m, {CELL_M:.0f} m cells over the key districts. A job = build the "
        "city (network, STRtree, CSR, cells and their snaps: what `load_city` prepares "
        "after reading the database) + `evaluate` + `figures` + `geometries`, as "
        "`coverage run` does, without the database. (a) one process, one city after "
        f"another; (b) a `LocalCluster` of {w} worker processes × 1 thread, one task per "
        "city (built in the task), largest first; (c) the cities built in this process "
        "and scattered to the workers first, tasks computing coverage only. The three "
        "alternate in each round.",
        "",
        "| round | (a) serial wall (s) | (b) Dask wall (s) | (b) speedup | (a) coverage part "
        "(s) | (c) scattered wall (s) | (c) speedup |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sp_b, sp_c = [], []
    for i, rd in enumerate(r["rounds"]):
        a, b, c = rd["serial"], rd["dask"], rd["scattered"]
        cover_a = sum(j["cover_s"] for j in a["jobs"])
        sp_b.append(a["wall_s"] / b["wall_s"])
        cells = f"| {i + 1} | {a['wall_s']:.2f} | {b['wall_s']:.2f} | {sp_b[-1]:.2f}× "
        cells += f"| {cover_a:.2f} "
        if c:
            sp_c.append(cover_a / c["wall_s"])
            cells += f"| {c['wall_s']:.2f} | {sp_c[-1]:.2f}× |"
        else:
            cells += "| — | — |"
        lines.append(cells)
    rd = r["rounds"][len(r["rounds"]) // 2] if len(r["rounds"]) > 2 else r["rounds"][0]
    a, b, c = rd["serial"], rd["dask"], rd["scattered"]
    jobs_a = sum(j["job_s"] for j in a["jobs"])
    jobs_b = sum(j["job_s"] for j in b["jobs"])
    ideal = max(jobs_a / w, max(j["job_s"] for j in a["jobs"]))
    idle = w * b["wall_s"] - jobs_b
    lines += [
        "",
        f"- Median speedup of (b) over (a): **{_median(sp_b):.2f}×** with {w} workers"
        + (f"; of (c) over (a)'s coverage part: **{_median(sp_c):.2f}×**." if sp_c else "."),
        f"- Same figures in every run (digest of every figure and geometry of every city): "
        f"{'**yes**' if r['same_figures'] else '**NO**'}.",
        f"- Round {r['rounds'].index(rd) + 1} in detail: best possible wall for (b) (sum "
        f"of serial jobs / {w}, or the largest job if longer) {ideal:.2f} s, measured "
        f"{b['wall_s']:.2f} s; sum of job times {jobs_b:.2f} s in the workers against "
        f"{jobs_a:.2f} s alone ({jobs_b / jobs_a:.2f}×: two jobs share the caches and "
        f"memory bandwidth, and other work shares the cores); worker time outside jobs "
        f"{idle:.2f} s over {len(b['jobs'])} tasks ({idle / len(b['jobs']) * 1000:.0f} ms "
        "per task: scheduling, pickling the results, the tail of the last job).",
        f"- Scheduler overhead alone: {r['noop_task_s'] * 1000:.2f} ms per no-op task "
        f"(a batch of {NOOP_TASKS}). Cluster start (processes, engine imported): "
        f"{r['cluster_start_s']:.1f} s, not in the walls.",
        f"- Peak RSS per process (MB, highest job): (a) {_per_worker_peak(a['jobs'])}; "
        f"(b) {_per_worker_peak(b['jobs'])}"
        + (f"; (c) {_per_worker_peak(c['jobs'])}" if c else "")
        + ".",
    ]
    if c:
        lines.append(
            f"- (c) built and scattered the cities one at a time in "
            f"{c['build_and_scatter_s']:.1f} s (build, pickle, send, unpickle on the "
            "worker; not in its wall): sending prepared cities pays only when a worker "
            "keeps them for many runs (a trend, what-ifs)."
        )
    sc = r.get("scatter_cost")
    if sc:
        lines.append(
            f"- Sending the largest city ({sc['edges']:,} edges) to a worker: "
            f"{sc['dask_native_s']:.1f} s with `client.scatter` of the City itself (Dask's "
            f"serialisation), {sc['pickled_blob_s']:.1f} s as one pickled blob unpickled "
            "on the worker (what (c) does)."
        )
    lines += [
        "",
        "Coverage is local to D: the west half of a "
        f"{r['partition'][0]['edges']:,}-edge city computed from its own network plus a "
        "strip of the rest (every edge with an end within the strip, the stations snapped "
        "on those edges), against the whole city (`reach` + `covered_intervals`):",
        "",
        "| strip (m) | edges in the part | stations in the part | covered west metres "
        "(part) | (whole city) | identical intervals |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for p in r["partition"]:
        lines.append(
            f"| {p['buffer_m']:.0f} | {p['part_edges']:,} of {p['edges']:,} "
            f"| {p['stations_in_part']} of {p['stations']} | {p['covered_west_part_m']:,.1f} "
            f"| {p['covered_west_whole_m']:,.1f} | {'yes' if p['identical'] else 'no'} |"
        )
    lines += [
        "",
        f"A strip of D = {D:.0f} m is always enough (a walk of at most D stays within D, "
        "straight line, of where it starts); a narrower one is enough only where no "
        "station happens to stand in the part left out.",
    ]
    lines += [
        "",
        f"Per city, round {r['rounds'].index(rd) + 1} (times in seconds):",
        "",
        "| city | edges | stations | cells | main street share | key district share "
        "| build (a) | coverage (a) | job (b) | peak MB (a) | peak MB (b) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for ja, jb in zip(a["jobs"], b["jobs"], strict=True):
        lines.append(
            f"| {ja['city']} | {ja['edges']:,} | {ja['stations']:,} | {ja['cells']:,} "
            f"| {ja['main_street_share']:.3f} | {ja['key_district_share']:.3f} "
            f"| {ja['build_s']:.2f} | {ja['cover_s']:.2f} | {jb['job_s']:.2f} "
            f"| {ja['peak_mb']:,.0f} | {jb['peak_mb']:,.0f} |"
        )
    lines += [
        "",
        "- *peak RSS*: VmHWM of the process, reset before each job, so a row's peak is that "
        "job's own plus what the process already held (in (b) and (c), a worker with the "
        "engine imported and, in (c), the scattered cities it keeps).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
