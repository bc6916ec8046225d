"""Memory per API worker with the walk network loaded (#18 item 3), before and after, one run.

1. A fresh database (managed cluster ``.yizhan-bench`` via :mod:`bench.nearest`) with a
   walk network: ``--streets PATH`` through ``import streets`` (e.g. the megacity PBF of
   ``bench/megacity.py``), else a jittered grid of ``--edges`` edges
   (:func:`bench.coverage_bench.grid_network`, placed in Shenzhen) copied straight into
   ``walk_nodes``/``walk_edges`` (the import's street-building is not what is measured);
   ``--stations`` random stations over it.
2. What one network costs, in a child process: RSS after each step of the in-memory load
   (edge rows, metric lines, graph arrays, CSR arcs, pieces, STRtree, remembered snaps)
   and the bytes of every cached array.
3. For each worker count and each loading, alternating: ``yizhan serve --workers N``; RSS,
   PSS and USS (``/proc/PID/smaps_rollup``) of every worker before any request, then
   ``/api/v1/stations/nearest`` from fresh connections until every worker has loaded the
   network (its RSS grew to at least half of the largest growth), then again.
   *before*: ``YIZHAN_NETWORK_CACHE=0`` (each worker builds its own shapely lines and
   STRtree, as before); *after*: the arrays cached once per version and memory-mapped.

Everything listens and connects on 127.0.0.1; every loop is bounded in count and time.
Usage: ``python -m bench.worker_memory [--edges 1000000] [--streets PATH] [--workers 1,2,4]``.
Results: ``bench/results/worker_memory.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from bench.nearest import RESULTS, ROOT, Server, _admin_url, fresh_database
from geo import clock

DB = "yizhan_bench_memory"
CACHE = ROOT / ".yizhan-bench" / "network-cache"
LON0, LAT0 = 114.0, 22.5  # the grid's south-west corner, in Shenzhen
MODES = {"before": "0", "after": "1"}


# --------------------------------------------------------------------------- the network
def grid_database(url: str, edges: int) -> dict[str, Any]:
    """Copy a jittered grid of about ``edges`` edges into the walk tables."""
    from pyproj import Transformer

    from bench.coverage_bench import grid_network

    net = grid_network(edges)
    to_wgs = Transformer.from_crs(32649, 4326, always_xy=True)
    x0, y0 = Transformer.from_crs(4326, 32649, always_xy=True).transform(LON0, LAT0)
    lon, lat = to_wgs.transform(net["xy"][:, 0] + x0, net["xy"][:, 1] + y0)
    with psycopg.connect(url) as conn:
        with conn.cursor().copy("COPY walk_nodes (id, geom) FROM STDIN") as copy:
            for i in range(len(lon)):
                copy.write_row((i + 1, f"SRID=4326;POINT({lon[i]:.9f} {lat[i]:.9f})"))
        src, dst, length = net["source"], net["target"], net["length"]
        sql = "COPY walk_edges (id, source, target, length_m, geom) FROM STDIN"
        with conn.cursor().copy(sql) as copy:
            for i in range(len(src)):
                s, t = src[i], dst[i]
                geom = f"SRID=4326;LINESTRING({lon[s]:.9f} {lat[s]:.9f},{lon[t]:.9f} {lat[t]:.9f})"
                copy.write_row((i + 1, s + 1, t + 1, float(length[i]), geom))
    return {"network": f"grid of {len(src):,} edges (bench.coverage_bench.grid_network)"}


def add_stations(url: str, n: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO stations (kind, name, services, opening_hours, geom)
               SELECT 'love_station', 'bench ' || i, ARRAY['drinking_water'], '24/7',
                      ST_SetSRID(ST_MakePoint(
                          b.xmin + random() * (b.xmax - b.xmin),
                          b.ymin + random() * (b.ymax - b.ymin)), 4326)
               FROM generate_series(1, %s) AS i,
                    (SELECT ST_XMin(e) AS xmin, ST_XMax(e) AS xmax,
                            ST_YMin(e) AS ymin, ST_YMax(e) AS ymax
                     FROM (SELECT ST_Extent(geom) AS e FROM walk_edges) x) b""",
            (n,),
        )
        conn.execute("VACUUM ANALYZE stations")
        conn.execute("VACUUM ANALYZE walk_edges")


def query_points(url: str, n: int) -> list[tuple[float, float]]:
    """``n`` request positions inside the network's extent."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
            " FROM (SELECT ST_Extent(geom) AS e FROM walk_edges) x"
        ).fetchone()
    assert row is not None
    xmin, ymin, xmax, ymax = (float(v) for v in row)
    rng = np.random.default_rng(1)
    return list(
        zip(rng.uniform(xmin, xmax, n).tolist(), rng.uniform(ymin, ymax, n).tolist(), strict=True)
    )


# --------------------------------------------------------------------------- breakdown
def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def breakdown(url: str) -> dict[str, Any]:
    """RSS after each step of the in-memory load, and the bytes of the cached arrays
    (run in a child process: the deltas are this process's alone)."""
    import gc

    import shapely
    from pyproj import Transformer

    from geo.network import sql
    from geo.network.graph import Graph
    from geo.network.walk import metric_epsg, network_arrays

    steps: list[tuple[str, float]] = [("start", _rss_mb())]
    with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
        edges = sql.edges(conn)
    gc.collect()
    steps.append(("edge rows read (WGS-84 lines + id arrays)", _rss_mb()))
    epsg = metric_epsg(edges["geom"])
    to_metric = Transformer.from_crs(4326, epsg, always_xy=True)
    metric = shapely.transform(
        edges["geom"], lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1]))
    )
    steps.append(("metric shapely lines (one per edge)", _rss_mb()))
    graph = Graph.from_ids(edges["source"], edges["target"], edges["length_m"])
    gc.collect()
    steps.append(("graph arrays (source, target, length)", _rss_mb()))
    graph.arcs  # noqa: B018
    gc.collect()
    steps.append(("CSR arcs", _rss_mb()))
    graph.node_piece  # noqa: B018
    gc.collect()
    steps.append(("connected pieces (+ csr matrix)", _rss_mb()))
    tree = shapely.STRtree(metric)
    steps.append(("STRtree", _rss_mb()))
    from geo.network.walk import WalkNetwork

    net = WalkNetwork(
        version="b",
        epsg=epsg,
        graph=graph,
        geoms=metric,
        street_id=edges["street_id"],
        to_metric=to_metric,
        _tree=tree,
    )
    xmin, ymin, xmax, ymax = shapely.total_bounds(edges["geom"])
    rng = np.random.default_rng(2)
    n = 100_000
    net.snap_remembered(rng.uniform(xmin, xmax, n).tolist(), rng.uniform(ymin, ymax, n).tolist())
    steps.append((f"remembered snaps of {n:,} stations", _rss_mb()))
    arrays = network_arrays(edges)
    groups = {
        "graph arrays": ["source", "target", "length", "n_nodes", "node_piece", "street_id"],
        "CSR arcs": ["arc_indptr", "arc_indices", "arc_weight"],
        "metric vertices": ["line_x", "line_y", "line_start"],
        "segment grid": [
            "seg_first",
            "seg_edge",
            "seg_measure",
            "edge_planar",
            "grid_origin",
            "grid_shape",
            "grid_cell_start",
            "grid_seg",
        ],  # fmt: skip
    }
    sizes = {g: sum(int(arrays[k].nbytes) for k in names) / 2**20 for g, names in groups.items()}
    rows = [
        {"step": name, "rss_mb": round(rss, 1), "delta_mb": round(rss - steps[i][1], 1)}
        for i, (name, rss) in enumerate(steps[1:])
    ]
    return {
        "edges": len(edges["id"]),
        "in_memory_steps": rows,
        "cached_arrays_mb": {k: round(v, 1) for k, v in sizes.items()},
        "cached_total_mb": round(sum(sizes.values()), 1),
    }


# --------------------------------------------------------------------------- workers
def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmd = (p / "cmdline").read_bytes()
        except OSError:
            continue
        if ppid == pid and b"resource_tracker" not in cmd:
            out.append(int(p.name))
    return sorted(out)


def workers_of(server: Server, n: int) -> list[int]:
    """The worker pids: the server itself for one worker (uvicorn serves in-process)."""
    if n == 1:
        return [server.proc.pid]
    deadline = time.monotonic() + 30
    kids = _children(server.proc.pid)
    while len(kids) < n and time.monotonic() < deadline:  # one may be restarting
        time.sleep(0.2)
        kids = _children(server.proc.pid)
    return kids[:n]


def smaps(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private clean + dirty) of a process, MB."""
    kb: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            kb[parts[0].rstrip(":")] = int(parts[1])
    uss = kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
    return {
        "rss": round(kb.get("Rss", 0) / 1024, 1),
        "pss": round(kb.get("Pss", 0) / 1024, 1),
        "uss": round(uss / 1024, 1),
    }


def _request(base: str, lon: float, lat: float) -> float:
    started = time.perf_counter()
    url = f"{base}/api/v1/stations/nearest?lon={lon:.7f}&lat={lat:.7f}&limit=3"
    with urllib.request.urlopen(url, timeout=300) as r:
        r.read()
    return time.perf_counter() - started


def _timed(base: str, lon: float, lat: float, times: list[float], errors: list[str]) -> None:
    try:
        times.append(_request(base, lon, lat))
    except OSError as exc:  # a worker killed mid-request (see ``restarts``)
        errors.append(type(exc).__name__)


def _alive(pids: list[int]) -> dict[int, dict[str, float]]:
    out = {}
    for p in pids:
        try:
            out[p] = smaps(p)
        except OSError:
            continue  # gone between listing and reading
    return out


def warm(
    server: Server, n: int, before: dict[int, dict[str, float]], points: list[Any]
) -> dict[str, Any]:
    """Nearest requests on fresh connections (4 per worker at a time) until every live
    worker's RSS grew by at least half of the largest growth (and 20 MB), at most
    300 s. uvicorn's supervisor kills a worker that does not answer its ping within
    5 s and starts another: the pids seen beyond ``n`` are counted as restarts."""
    deadline = time.monotonic() + 300
    base_rss = float(np.median([m["rss"] for m in before.values()]))
    seen = set(before)
    sent, first, errors = 0, [], []
    loaded = False
    for burst in range(400):
        threads = []
        times: list[float] = []
        for k in range(4 * n):
            lon, lat = points[(sent + k) % len(points)]
            args = (server.base, lon, lat, times, errors)
            t = threading.Thread(target=_timed, args=args)
            threads.append(t)
            t.start()
        for t in threads:
            t.join(timeout=600)
        sent += len(threads)
        if burst == 0:
            first = sorted(times)
        now = _alive(workers_of(server, n))
        seen |= set(now)
        grown = [m["rss"] - before.get(p, {"rss": base_rss})["rss"] for p, m in now.items()]
        loaded = len(now) == n and min(grown) >= max(20.0, 0.5 * max(grown))
        if loaded or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return {
        "requests": sent,
        "failed_requests": len(errors),
        "restarts": len(seen) - n,
        "all_loaded": loaded,
        "first_burst_s": [round(t, 3) for t in first] or [float("nan")],
    }


def run_case(url: str, mode: str, n: int, points: list[Any]) -> dict[str, Any]:
    shutil.rmtree(CACHE, ignore_errors=True)  # a new version: the first worker writes it
    env = {
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
        "YIZHAN_RATE_LIMIT_PER_MINUTE": "0",
        "YIZHAN_NETWORK_CACHE": MODES[mode],
        "YIZHAN_CACHE_DIR": str(CACHE),
        "YIZHAN_LOG_LEVEL": "WARNING",
    }
    argv = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--workers", str(n)]
    server = Server("yizhan serve", env, "/healthz", workers=n, argv=argv)
    try:
        time.sleep(2)
        before = _alive(workers_of(server, n))
        warmed = warm(server, n, before, points)
        time.sleep(2)
        after = _alive(workers_of(server, n))
        supervisor = smaps(server.proc.pid) if n > 1 else None
    finally:
        server.stop()
    total = {
        when: {k: round(sum(m[k] for m in d.values()), 1) for k in ("rss", "pss", "uss")}
        for when, d in (("before", before), ("after", after))
    }
    return {
        "mode": mode,
        "workers": n,
        "per_worker_before": list(before.values()),
        "per_worker_after": list(after.values()),
        "total": total,
        "supervisor": supervisor,
        **warmed,
    }


# --------------------------------------------------------------------------- main
def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def _commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--streets", type=Path, help="import this streets file instead of a grid")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument(
        "--db-port", type=int, default=int(os.environ.get("YIZHAN_BENCH_DB_PORT", 55434))
    )
    ap.add_argument("--reuse", action="store_true", help="keep the database of a previous run")
    ap.add_argument("--breakdown", help=argparse.SUPPRESS)  # child process: URL
    a = ap.parse_args()
    if a.breakdown:
        print(json.dumps(breakdown(a.breakdown)))
        return
    load_before = _load()
    admin = _admin_url(a.db_port)
    started = time.perf_counter()
    if a.reuse:
        from bench.nearest import _with_db

        url = _with_db(admin, DB)
        network = {"network": "reused"}
    else:
        url = fresh_database(admin, DB)
        if a.streets:
            from geo.importers import import_streets

            import_streets(a.streets, url=url)
            network = {"network": f"imported from {a.streets}"}
        else:
            network = grid_database(url, a.edges)
        add_stations(url, a.stations)
    setup_s = time.perf_counter() - started
    child = subprocess.run(
        [sys.executable, "-m", "bench.worker_memory", "--breakdown", url],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    parts = json.loads(child.stdout.strip().splitlines()[-1])
    points = query_points(url, 2000)
    cases = []
    counts = [int(w) for w in a.workers.split(",")]
    for i, n in enumerate(counts):
        order = ["before", "after"] if i % 2 == 0 else ["after", "before"]
        for mode in order:
            print(f"workers={n} {mode} …", flush=True)
            cases.append(run_case(url, mode, n, points))
    shutil.rmtree(CACHE, ignore_errors=True)
    result = {
        "date": clock.now().isoformat(timespec="seconds"),
        "machine": f"{platform.node()}, {os.cpu_count()} CPUs, {platform.machine()}, "
        f"Python {platform.python_version()}",
        "commit": _commit(),
        "command": "python -m bench.worker_memory " + " ".join(sys.argv[1:]),
        "load_before": load_before,
        "load_after": _load(),
        "setup_s": round(setup_s, 1),
        **network,
        "breakdown": parts,
        "cases": cases,
    }
    write(result)


def write(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "worker_memory.json").write_text(json.dumps(result, indent=2) + "\n")
    b = result["breakdown"]
    lines = [
        "# Memory per API worker with the walk network loaded (#18 item 3)",
        "",
        f"{result['date']} · {result['machine']} · commit {result['commit']} · "
        f"`{result['command']}`",
        "",
        f"Network: {result['network']} ({b['edges']:,} edges). Load average (1/5/15 min) "
        f"{result['load_before']} before, {result['load_after']} after (other work ran on "
        "this machine). *before*: `YIZHAN_NETWORK_CACHE=0`, every worker builds its own "
        "shapely lines and STRtree; *after*: the arrays written once per network version "
        "and memory-mapped by every worker. PSS counts a shared page once across the "
        "processes sharing it: the PSS total is the memory the workers really take.",
        "",
        "| workers | loading | per worker RSS / PSS / USS MB (loaded) | total RSS | "
        "total PSS | total USS | total PSS before any request | first requests s | "
        "worker restarts, failed requests |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in result["cases"]:
        per = "; ".join(f"{m['rss']:.0f} / {m['pss']:.0f} / {m['uss']:.0f}"
                        for m in c["per_worker_after"])  # fmt: skip
        t, t0 = c["total"]["after"], c["total"]["before"]
        first = c["first_burst_s"]
        lines.append(
            f"| {c['workers']} | {c['mode']} | {per} | {t['rss']:.0f} | {t['pss']:.0f} | "
            f"{t['uss']:.0f} | {t0['pss']:.0f} | {min(first):.2f}–{max(first):.2f} | "
            f"{c['restarts']}, {c['failed_requests']}"
            + ("" if c["all_loaded"] else " (not every worker loaded it)")
            + " |"
        )
    lines += [
        "",
        "## The network's share: total PSS once loaded minus total PSS before any request",
        "",
        "| workers | before (own copies) MB | after (shared cache) MB | before / after |",
        "|---|---|---|---|",
    ]
    share: dict[int, dict[str, float]] = {}
    for c in result["cases"]:
        t = c["total"]
        share.setdefault(c["workers"], {})[c["mode"]] = t["after"]["pss"] - t["before"]["pss"]
    for n, d in sorted(share.items()):
        if "before" in d and "after" in d:
            ratio = d["before"] / d["after"] if d["after"] > 0 else float("inf")
            lines.append(f"| {n} | {d['before']:.0f} | {d['after']:.0f} | {ratio:.1f} × |")
    lines += ["", "## What one in-memory network costs (one process, RSS after each step)", ""]
    lines += ["| step | RSS MB | + MB |", "|---|---|---|"]
    lines += [f"| {r['step']} | {r['rss_mb']} | {r['delta_mb']} |" for r in b["in_memory_steps"]]
    lines += ["", "## The cached arrays (shared, memory-mapped)", ""]
    lines += ["| arrays | MB |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in b["cached_arrays_mb"].items()]
    lines += [f"| **total** | {b['cached_total_mb']} |", ""]
    (RESULTS / "worker_memory.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
