"""The nearest table at megacity size, in one process (no database, no HTTP).

On a jittered grid of ``--edges`` walk edges (:func:`bench.coverage_bench.grid_network`,
1M edges: about the megacity of #18) with ``--stations`` stations of three kinds at
random places along the edges: the time and memory to build the table (all kinds and one
per kind, :func:`geo.network.nearest_table.build`), then for ``--queries`` random people
the work of one request both ways, alternating: the search's bounded Dijkstra from the two
ends of the person's edge (``max_distance`` 3 km, as :func:`geo.network.graph.walking_m`
runs it) against the table's (two node lists and a KD-tree query of 20 candidates).

Usage: ``python -m bench.nearest_table_bench [--edges 1000000] [--stations 100000]
[--queries 200] [--k 24]``. Results: ``bench/results/nearest_table.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from bench.coverage_bench import grid_network
from geo import clock
from geo.network import nearest_table
from geo.network.graph import Graph, Snap

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True)
    return out.stdout.decode().strip()


def main() -> None:  # noqa: PLR0915 - one run, phase after phase
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--stations", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=24)
    a = ap.parse_args()
    result: dict[str, Any] = {
        "when": clock.now().isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.nearest_table_bench", *sys.argv[1:]]),
        "commit": _commit(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    net = grid_network(a.edges)
    graph = Graph(net["source"], net["target"], net["length"], int(net["n"]) ** 2)
    graph.arcs  # noqa: B018 -- built before timing, as a server does when it loads
    rng = np.random.default_rng(1)
    edge = rng.integers(0, graph.n_edges, a.stations)
    stations = Snap(
        edge, rng.uniform(0, 1, a.stations) * graph.length[edge], rng.uniform(0, 30, a.stations)
    )
    kind = np.arange(a.stations) % 3
    tiny = Graph.from_ids(np.array([1]), np.array([2]), np.array([1.0]))
    nearest_table.build(tiny, Snap(np.array([0]), np.array([0.5]), np.array([0.0])), 1)
    before = _rss_mb()
    t0 = time.perf_counter()
    tables = {"all": nearest_table.build(graph, stations, a.k)}
    all_s = time.perf_counter() - t0
    for c in range(3):
        tables[f"kind {c}"] = nearest_table.build(graph, stations.take(kind == c), a.k)
    total_s = time.perf_counter() - t0
    result["build"] = {
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "stations": a.stations,
        "k": a.k,
        "all_kinds_s": round(all_s, 2),
        "all_and_3_kinds_s": round(total_s, 2),
        "array_mb": round(sum(t.nbytes for t in tables.values()) / 1e6, 1),
        "rss_growth_mb": round(_rss_mb() - before, 1),
    }
    print("build", result["build"], flush=True)

    # Station positions for the KD-tree: along their edges between the end nodes.
    xy = net["xy"]
    frac = (stations.along / np.maximum(graph.length[edge], 1e-9))[:, None]
    pos = xy[graph.source[edge]] * (1 - frac) + xy[graph.target[edge]] * frac
    tree = cKDTree(pos)
    tab = tables["all"]
    people = rng.integers(0, graph.n_edges, a.queries)
    search_ms, table_ms = [], []
    for e in people:
        u, v = int(graph.source[e]), int(graph.target[e])
        t0 = time.perf_counter()
        dijkstra(graph.matrix, directed=True, indices=[u, v], limit=3000.0)
        search_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        _, near = tree.query(xy[u], k=20)
        for node in (u, v):
            _, listed, _ = tab.of(node)
            (listed[:, None] == near[None, :]).any(axis=0)
        table_ms.append((time.perf_counter() - t0) * 1000)
    s, t = np.array(search_ms), np.array(table_ms)
    result["per_request"] = {
        "queries": a.queries,
        "search_p50_ms": round(float(np.median(s)), 3),
        "search_p99_ms": round(float(np.percentile(s, 99)), 3),
        "table_p50_ms": round(float(np.median(t)), 3),
        "table_p99_ms": round(float(np.percentile(t, 99)), 3),
        "speedup_p50": round(float(np.median(s) / np.median(t)), 1),
    }
    print("per request", result["per_request"], flush=True)
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nearest_table.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    b, p = result["build"], result["per_request"]
    lines = [
        f"# The nearest table at megacity size, {result['when']}",
        "",
        f"`{result['command']}` at commit {result['commit']}; {result['machine']['cpus']} "
        f"CPUs, Python {result['machine']['python']}, shared with other work: load average "
        f"{result['loadavg_before']} before, {result['loadavg_after']} after. One process, "
        "no database: a jittered grid and stations at random places along its edges.",
        "",
        "| nodes | edges | stations | k | build, all kinds (s) | all + 3 kinds (s) "
        "| arrays MB | RSS growth MB |",
        "|---|---|---|---|---|---|---|---|",
        f"| {b['nodes']:,} | {b['edges']:,} | {b['stations']:,} | {b['k']} "
        f"| {b['all_kinds_s']} | {b['all_and_3_kinds_s']} | {b['array_mb']} "
        f"| {b['rss_growth_mb']} |",
        "",
        f"Per request ({p['queries']} people at random edges, alternating): the search's "
        f"bounded Dijkstra (3 km) p50 {p['search_p50_ms']} ms, p99 {p['search_p99_ms']} ms; "
        f"the table's lists and KD-tree p50 {p['table_p50_ms']} ms, p99 {p['table_p99_ms']} "
        f"ms ({p['speedup_p50']}x at the median).",
    ]
    (RESULTS / "nearest_table.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
