"""Benchmark of the public lookup with 100,000 stations, against two baselines in one run.

1. The floor: the raw PostGIS KNN query (the one ``/nearest`` starts with) from Python,
   ``--concurrency`` connections in threads.
2. ``GET /api/v1/stations/nearest`` on uvicorn, loaded from a second process.
3. bbox ``/items`` pages (limit 100) from our OGC API and from ``tipg`` serving the same
   table (``pip install -e .[bench]``); skipped when tipg is not installed.
4. The nearest table (#18 item 2): its build time and memory in this process; then two
   servers side by side, one answering by the search (``YIZHAN_NEAREST_TABLE=off``, the
   before) and one from the table (after), with the same answers checked on 100
   positions; closed-loop rates of both against ``/healthz`` in alternating rounds, and an
   open-loop phase at ``--rate`` requests/s (latency from each request's due time) for
   both, p50 and p99. Results also to ``bench/results/nearest.md`` and ``.json``.

Stations and positions are drawn over the walk network's extent (``--streets``: any file
``yizhan import streets`` accepts, the Futian streets by default, an ``.osm.pbf`` too).

Everything listens and connects on 127.0.0.1. Every loop is bounded in count and time.
Results go to ``bench/results/`` as JSON and Markdown.

Usage: ``python -m bench [--stations 100000] [--seconds 10] [--concurrency 50]
[--streets PATH] [--rate 200] [--open-seconds 20] [--skip-items]``.
Uses ``DATABASE_URL``'s server when set, else a managed cluster in ``.yizhan-bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import psycopg
from psycopg import sql

from geo import clock

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
FUTIAN = ROOT.parent / "shared" / "data" / "shenzhen-futian"
BBOX = (113.98, 22.50, 114.10, 22.58)  # Futian, Shenzhen
DB = "yizhan_bench"


def _admin_url(port: int) -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from geo.db.cluster import ManagedCluster
    from geo.settings import DatabaseSettings

    home = ROOT / ".yizhan-bench"
    return (
        ManagedCluster(DatabaseSettings(home=home, database_url=None, db_port=port))
        .start()
        .url("postgres")
    )


def _with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def fresh_database(admin: str, name: str, *, migrated: bool = True) -> str:
    """Drop and create the database ``name`` on the server of ``admin``; migrate it with
    this checkout's migrations unless ``migrated`` is False. Returns its URL."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _with_db(admin, name)
    if migrated:
        from geo.db.migrate import migrate

        with psycopg.connect(url) as conn:
            migrate(conn)
    return url


def prepare(
    admin: str, n_stations: int, streets: Path | None = None
) -> tuple[str, tuple[float, float, float, float]]:
    """A fresh database with the walk network of ``streets`` (default: Futian, if present)
    and n random stations over the network's extent (:data:`BBOX` without a network).
    Returns the URL and the extent."""
    url = fresh_database(admin, DB)
    streets = streets or FUTIAN / "streets.geojson"
    box = BBOX
    if streets.exists():
        from geo.importers import import_streets

        import_streets(streets, url=url)
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
                " FROM (SELECT ST_Extent(geom) AS e FROM walk_edges) x"
            ).fetchone()
        if row and row[0] is not None:
            box = (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
    xmin, ymin, xmax, ymax = box
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO stations (kind, name, services, opening_hours, geom)
               SELECT (ARRAY['love_station','mother_baby_room','worker_bookshop'])
                          [1 + (i %% 3)],
                      'bench ' || i,
                      CASE WHEN i %% 2 = 0 THEN ARRAY['drinking_water','toilet']
                           ELSE ARRAY['drinking_water'] END,
                      CASE WHEN i %% 4 = 0 THEN 'Mo-Fr 08:00-20:00' ELSE '24/7' END,
                      ST_SetSRID(ST_MakePoint(%s + random() * %s, %s + random() * %s), 4326)
               FROM generate_series(1, %s) AS i""",
            (xmin, xmax - xmin, ymin, ymax - ymin, n_stations),
        )
        conn.execute("VACUUM ANALYZE stations")
        conn.execute("VACUUM ANALYZE walk_edges")
    return url, box


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def table_build(url: str, k: int, points: np.ndarray) -> dict[str, Any] | None:
    """Build the nearest table here as a server does: seconds, array and RSS megabytes,
    and the share of ``points`` (default queries: limit 5, 3 km, any kind) it proves."""
    from geo.db.connection import connect
    from geo.network import nearest_table as node_table
    from geo.network import walk
    from geo.network.graph import Graph, Snap
    from geo.settings import LookupSettings
    from geo.stations import nearest_table
    from geo.stations import sql as stations_sql

    settings = LookupSettings()
    tiny = Graph.from_ids(np.array([1]), np.array([2]), np.array([1.0]))
    node_table.build(tiny, Snap(np.array([0]), np.array([0.5]), np.array([0.0])), 1)  # compiled
    with connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        net = walk.load(conn)
        load_s = time.perf_counter() - t0
        if net is None:
            return None
        token = stations_sql.station_set_version(conn)
        t0 = time.perf_counter()
        rows = stations_sql.public_positions(conn, clock.today())
        read_s = time.perf_counter() - t0
    before = _rss_mb()
    t0 = time.perf_counter()
    tab = nearest_table.build(net, rows, token, clock.today(), k)
    build_s = time.perf_counter() - t0
    after = _rss_mb()
    proven = 0
    for lon, lat in points:
        origin = net.snap(float(lon), float(lat))
        if origin.offset[0] <= settings.walk_max_snap_m:
            found = nearest_table._rank(
                tab, tab.kinds[None], origin, float(lon), float(lat), 5, 3000.0
            )
            proven += found is not None
    return {
        "nodes": net.graph.n_nodes,
        "edges": net.graph.n_edges,
        "stations": len(rows),
        "k": k,
        "tables": len(tab.kinds),
        "network_load_s": round(load_s, 2),
        "positions_read_s": round(read_s, 2),
        "build_s": round(build_s, 2),
        "array_mb": round(tab.nbytes / 1e6, 1),
        "rss_growth_mb": round(after - before, 1),
        "proven_share": round(proven / max(len(points), 1), 3),
    }


def same_answers(a: str, b: str, points: np.ndarray, n: int = 100) -> dict[str, int]:
    """Compare the answers of two servers (``a``, ``b``: base URLs) for the first ``n``
    positions, with every parameter the table path serves (kind, limit, max_distance)."""
    kinds = (None, "love_station", "mother_baby_room", "worker_bookshop")
    equal = differ = 0
    for i, (x, y) in enumerate(points[:n]):
        query = f"lon={x:.6f}&lat={y:.6f}&limit={(1, 5, 10, 20)[i % 4]}"
        query += f"&max_distance={(3000, 500, 150)[i % 3]}"
        if kinds[i % 4]:
            query += f"&kind={kinds[i % 4]}"
        bodies = []
        for base in (a, b):
            with urllib.request.urlopen(f"{base}/api/v1/stations/nearest?{query}", timeout=30) as r:
                body = json.loads(r.read())
            bodies.append((body["distance_basis"], body["stations"]))
        equal += bodies[0] == bodies[1]
        differ += bodies[0] != bodies[1]
    return {"equal": equal, "differ": differ}


def raw_knn(url: str, points: np.ndarray, concurrency: int, seconds: float) -> dict[str, Any]:
    """Queries/s of the KNN query alone from Python (the floor for /nearest)."""
    from geo.db.connection import connect
    from geo.stations import sql as stations_sql

    counts = [0] * concurrency
    deadline = time.perf_counter() + seconds + 120  # set again once all are connected
    where = stations_sql.StationFilter()

    done = threading.Barrier(concurrency + 1, timeout=seconds + 60)
    ready = threading.Barrier(concurrency + 1, timeout=60)

    def worker(i: int) -> None:
        with connect(url, autocommit=True) as conn:
            # Connect and load PostGIS in the backend before the clock starts, and keep
            # the connection until the database's CPU time has been read.
            stations_sql.nearest(conn, float(points[0][0]), float(points[0][1]), where, k=20)
            ready.wait()
            k = i
            while time.perf_counter() < deadline and counts[i] < 1_000_000:
                lon, lat = points[k % len(points)]
                stations_sql.nearest(conn, float(lon), float(lat), where, k=20)
                counts[i] += 1
                k += concurrency
            done.wait()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    ready.wait()
    before, own = _cpu_s(None), time.process_time()
    start = time.perf_counter()
    deadline = start + seconds  # the workers read it from this scope
    done.wait()
    elapsed = time.perf_counter() - start
    n = max(sum(counts), 1)
    cpu = {
        "client": round(1000 * (time.process_time() - own) / n, 2),
        "database": round(1000 * (_cpu_s(None)[1] - before[1]) / n, 2),
    }
    for t in threads:
        t.join(timeout=30)
    return {
        "cpu_ms_per_request": cpu,
        "queries": sum(counts),
        "seconds": round(elapsed, 2),
        "rps": round(sum(counts) / elapsed, 1),
        "concurrency": concurrency,
    }


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A uvicorn server in a child process on 127.0.0.1 (stopped by its pid)."""

    def __init__(
        self,
        app: str,
        env: dict[str, str],
        ready: str,
        workers: int = 1,
        argv: list[str] | None = None,
    ) -> None:
        """Start ``app`` under uvicorn, or ``argv`` + ``--port P`` when given (e.g. the CLI)."""
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = (
            [*argv, "--port", str(self.port)]
            if argv
            else [
                sys.executable,
                "-m",
                "uvicorn",
                app,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--workers",
                str(workers),
                "--no-access-log",
            ]
        )
        if app.endswith("create_app") and not argv:
            cmd.append("--factory")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + ready, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{app} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _procs() -> dict[int, tuple[int, bytes, float]]:
    """Every live process: pid -> (parent pid, command line, CPU seconds so far)."""
    out = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        out[int(entry.name)] = (
            int(fields[1]),
            cmdline,
            (int(fields[11]) + int(fields[12])) / _TICK,
        )
    return out


def _tree_cpu_s(procs: dict[int, tuple[int, bytes, float]], root: int | None) -> float:
    """CPU seconds (user + system) so far of ``root`` and all its descendants."""
    if root is None:
        return 0.0
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _, _) in procs.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(procs[p][2] for p in tree if p in procs)


def _postmaster() -> int | None:
    """The pid of the managed benchmark cluster's server (None with ``DATABASE_URL``)."""
    pidfile = ROOT / ".yizhan-bench" / "pgdata" / "postmaster.pid"
    if os.environ.get("DATABASE_URL") or not pidfile.exists():
        return None
    return int(pidfile.read_text().split()[0])


def _cpu_s(server: int | None) -> tuple[float, float]:
    """CPU seconds so far of a server process tree and of the database cluster."""
    procs = _procs()
    return _tree_cpu_s(procs, server), _tree_cpu_s(procs, _postmaster())


def load(
    urls: list[str],
    concurrency: int,
    seconds: float,
    server: int | None = None,
    rate: float = 0.0,
) -> dict[str, Any]:
    """Run bench.load in a second process against ``urls``; with ``server`` (its pid) also
    the CPU milliseconds per request spent by the server, the database backends and the
    load generator."""
    import resource

    before = _cpu_s(server)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(urls))
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.load",
                fh.name,
                "--concurrency",
                str(concurrency),
                "--seconds",
                str(seconds),
                "--rate",
                str(rate),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            check=True,
        )
    finally:
        os.unlink(fh.name)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    n = max(result["requests"], 1)
    gen = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    result["cpu_ms_per_request"] = {"load_generator": round(1000 * gen / n, 2)}
    if server:
        used = _cpu_s(server)
        result["cpu_ms_per_request"] |= {
            "server": round(1000 * (used[0] - before[0]) / n, 2),
            "database": round(1000 * (used[1] - before[1]) / n, 2),
        }
    return result


def _warm(urls: list[str], concurrency: int) -> None:
    """Check that the URLs answer, then load them for two seconds at full concurrency, so
    that every pooled connection exists (and has loaded PostGIS) before measuring."""
    for u in urls[:2]:
        with urllib.request.urlopen(u, timeout=30) as r:
            r.read()
    load(urls, concurrency, 2.0)


def main() -> None:  # noqa: PLR0915 - one run, phase after phase
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--streets", type=Path, default=None, help="street file (default Futian)")
    ap.add_argument("--rate", type=float, default=200.0, help="open-loop requests/s")
    ap.add_argument("--open-seconds", type=float, default=20.0)
    ap.add_argument("--open-concurrency", type=int, default=32)
    ap.add_argument("--skip-items", action="store_true", help="no /items, no tipg")
    ap.add_argument(
        "--db-port", type=int, default=int(os.environ.get("YIZHAN_BENCH_DB_PORT", 55434))
    )
    a = ap.parse_args()

    t0 = time.perf_counter()
    result: dict[str, Any] = {
        "when": clock.now().isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "commit": _commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "host": platform.node(),
            "kernel": platform.release(),
        },
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    url, box = prepare(_admin_url(a.db_port), a.stations, a.streets)
    print(f"prepared {a.stations} stations in {time.perf_counter() - t0:.1f}s", flush=True)
    rng = np.random.default_rng(42)
    xmin, ymin, xmax, ymax = box
    points = np.column_stack([rng.uniform(xmin, xmax, 500), rng.uniform(ymin, ymax, 500)])
    streets = a.streets or FUTIAN / "streets.geojson"
    result |= {
        "stations": a.stations,
        "walk_network": str(streets) if streets.exists() else False,
        "extent": [round(v, 5) for v in box],
        "workers": a.workers,
    }
    from geo.settings import LookupSettings

    k = LookupSettings().nearest_table_k
    result["table"] = table_build(url, k, points)
    print("table", result["table"], flush=True)
    result["raw_knn"] = raw_knn(url, points, a.concurrency, a.seconds)
    print("raw KNN", result["raw_knn"], flush=True)

    # Every load client is 127.0.0.1, so the per-client rate limit (a shield, 600/min by
    # default) would answer most requests with 429: switch it off to measure throughput.
    env = {
        "DATABASE_URL": url,
        "YIZHAN_POOL_MAX": str(max(a.concurrency // a.workers, 4)),
        "YIZHAN_RATE_LIMIT_PER_MINUTE": "0",
    }
    ours = Server("api.app:create_app", env | {"YIZHAN_NEAREST_TABLE": "on"}, "/readyz", a.workers)
    before = Server(
        "api.app:create_app", env | {"YIZHAN_NEAREST_TABLE": "off"}, "/readyz", a.workers
    )
    try:
        tag = ours.proc.pid
        nearest_urls = [f"/api/v1/stations/nearest?lon={x:.6f}&lat={y:.6f}" for x, y in points]
        on_urls = [ours.base + u for u in nearest_urls]
        off_urls = [before.base + u for u in nearest_urls]
        _warm(off_urls, a.concurrency)
        _warm(on_urls, a.concurrency)  # every worker starts building its table
        # Each worker builds its table in the background; meanwhile the search answers.
        build_s = (result["table"] or {}).get("build_s", 0)
        time.sleep(min(3 + 3 * build_s, 90))
        _warm(on_urls, a.concurrency)
        result["same_answers"] = same_answers(before.base, ours.base, points)
        print("same answers", result["same_answers"], flush=True)
        rounds = []
        for n in range(2):  # alternate, so that a change of load on the machine hits both
            one: dict[str, Any] = {}
            order = ("healthz", "before", "after") if n == 0 else ("after", "before", "healthz")
            for what in order:
                if what == "healthz":
                    one[what] = load([f"{ours.base}/healthz"], a.concurrency, a.seconds, tag)
                elif what == "before":
                    one[what] = load(off_urls, a.concurrency, a.seconds, before.proc.pid)
                else:
                    one[what] = load(on_urls, a.concurrency, a.seconds, tag)
                print(f"round {n + 1} {what}", one[what], flush=True)
            rounds.append(one)
        result["rounds"] = rounds
        result["healthz"] = rounds[0]["healthz"]
        result["nearest"] = rounds[0]["after"]
        result["open_loop"] = {}
        for what, urls, pid in (
            ("before", off_urls, before.proc.pid),
            ("after", on_urls, tag),
            ("after_again", on_urls, tag),
        ):
            result["open_loop"][what] = load(
                urls, a.open_concurrency, a.open_seconds, pid, rate=a.rate
            )
            print(f"open loop {a.rate}/s {what}", result["open_loop"][what], flush=True)
        if not a.skip_items:
            boxes = [(x, y, x + 0.01, y + 0.01) for x, y in points]
            items = [
                f"{ours.base}/ogc/collections/stations/items?limit=100&bbox="
                + ",".join(f"{v:.5f}" for v in b)
                for b in boxes
            ]
            _warm(items, a.concurrency)
            result["ours_items"] = load(items, a.concurrency, a.seconds, tag)
            print("our /items", result["ours_items"], flush=True)
    finally:
        ours.stop()
        before.stop()

    if a.skip_items:
        result["tipg_items"] = "skipped (--skip-items)"
    else:
        try:
            import tipg  # noqa: F401
        except ImportError:
            result["tipg_items"] = "tipg not installed: pip install -e .[bench]"
        else:
            boxes = [(x, y, x + 0.01, y + 0.01) for x, y in points]
            tenv = {
                "DATABASE_URL": url,
                "TIPG_DB_SCHEMAS": '["public"]',
                "TIPG_DB_TABLES": '["public.stations"]',
                "TIPG_MAX_FEATURES_PER_QUERY": "10000",
            }
            tipg_srv = Server("tipg.main:app", tenv, "/collections", workers=a.workers)
            try:
                titems = [
                    f"{tipg_srv.base}/collections/public.stations/items?limit=100&bbox="
                    + ",".join(f"{v:.5f}" for v in b)
                    for b in boxes
                ]
                _warm(titems, a.concurrency)
                result["tipg_items"] = load(titems, a.concurrency, a.seconds, tipg_srv.proc.pid)
                print("tipg /items", result["tipg_items"], flush=True)
            finally:
                tipg_srv.stop()

    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    write(result)
    write_nearest(result)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def write_nearest(result: dict[str, Any]) -> None:
    """``bench/results/nearest.md`` and ``nearest.json``: the table's build, the search
    (before) and the table (after) against /healthz in the same run, and the open loop."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nearest.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    m = result["machine"]
    lines = [
        f"# Nearest near the HTTP ceiling (#18 item 2), {result['when']}",
        "",
        f"`{result['command']}` at commit {result['commit']}; {m['cpus']} CPUs "
        f"({m['host']}, Linux {m['kernel']}, Python {m['python']}), shared with other work: "
        f"load average (1/5/15 min) {result['loadavg_before']} before, "
        f"{result['loadavg_after']} after. {result['stations']:,} stations over the walk "
        f"network's extent {result['extent']} ({result['walk_network']}); "
        f"{result['workers']} uvicorn workers; positions uniform over the same extent.",
        "",
    ]
    t = result.get("table")
    if t:
        lines += [
            "## The table",
            "",
            "| nodes | edges | stations | k | tables | build s | arrays MB | RSS growth MB "
            "| proven (limit 5, any kind) |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| {t['nodes']:,} | {t['edges']:,} | {t['stations']:,} | {t['k']} | {t['tables']} "
            f"| {t['build_s']} | {t['array_mb']} | {t['rss_growth_mb']} "
            f"| {t['proven_share']:.1%} of positions |",
            "",
            f"(Reading the positions took {t['positions_read_s']} s and loading the network "
            f"{t['network_load_s']} s; each worker builds its own table in the background.)",
            "",
        ]
    s = result.get("same_answers", {})
    lines += [
        f"Same answers, before and after, on 100 positions (kinds, limits 1-20, 150 m to "
        f"3 km): {s.get('equal')} equal, {s.get('differ')} different.",
        "",
        "## Closed loop, alternating rounds",
        "",
        "| round | what | req/s | % of /healthz | p50 ms | p99 ms | errors "
        "| CPU ms/req server | database | load generator |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, one in enumerate(result["rounds"], 1):
        ceiling = one["healthz"]["rps"]
        for what in ("healthz", "before", "after"):
            r = one[what]
            name = {
                "healthz": "`/healthz` (ceiling)",
                "before": "nearest, search (`YIZHAN_NEAREST_TABLE=off`)",
                "after": "nearest, table",
            }[what]
            lines.append(
                f"| {n} | {name} | {r['rps']} | {r['rps'] / ceiling:.0%} | {r['p50_ms']} "
                f"| {r['p99_ms']} | {r['errors']} " + _cpu_cells(r, "server")
            )
    lines += [
        "",
        f"## Open loop: {result['open_loop']['after']['rate']:g} requests/s on a fixed "
        "schedule, latency from each request's due time",
        "",
        "| what | requests | achieved req/s | p50 ms | p99 ms | max ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for what, r in result["open_loop"].items():
        lines.append(
            f"| {what} | {r['requests']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} "
            f"| {r['max_ms']} | {r['errors']} |"
        )
    after = [one["after"]["rps"] / one["healthz"]["rps"] for one in result["rounds"]]
    lines += [
        "",
        f"Goal: nearest >= 60 % of /healthz in the same run: {min(after):.0%} / "
        f"{max(after):.0%} in the two rounds; p99 <= 50 ms at the open-loop rate: "
        f"{result['open_loop']['after']['p99_ms']} ms "
        f"(again: {result['open_loop']['after_again']['p99_ms']} ms).",
    ]
    (RESULTS / "nearest.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


def _cpu_cells(r: dict[str, Any], first: str) -> str:
    cpu = r.get("cpu_ms_per_request", {})
    return "".join(f"| {cpu.get(k, '')} " for k in (first, "database", "load_generator")) + "|"


def write(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = result["when"].replace(":", "").replace("-", "")
    (RESULTS / f"nearest-{stamp}.json").write_text(json.dumps(result, indent=2), "utf-8")
    knn, near = result["raw_knn"], result["nearest"]
    lines = [
        f"# Public lookup benchmark, {result['when']}",
        "",
        f"{result['stations']} stations, walk network loaded: {result['walk_network']}, "
        f"{result['machine']['cpus']} CPUs, {result['workers']} uvicorn workers, "
        f"{knn['concurrency']} concurrent clients on 127.0.0.1; load average (1/5/15 min) "
        f"{result.get('loadavg_before')} before, {result.get('loadavg_after')} after.",
        "",
        "| what | req/s | p50 ms | p99 ms | errors | CPU ms/req: server (client) "
        "| database | load generator |",
        "|---|---|---|---|---|---|---|---|",
        f"| raw PostGIS KNN from Python (floor) | {knn['rps']} | | | " + _cpu_cells(knn, "client"),
    ]
    for key, name in (
        ("nearest", "`/api/v1/stations/nearest`"),
        ("healthz", "`/healthz` (no database: the HTTP stack's ceiling)"),
        ("ours_items", "our OGC bbox `/items` (limit 100)"),
        ("tipg_items", "tipg bbox `/items` (limit 100)"),
    ):
        r = result.get(key)
        if isinstance(r, dict):
            lines.append(
                f"| {name} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} "
                + _cpu_cells(r, "server")
            )
        else:
            lines.append(f"| {name} | {r} | | | | | | |")
    lines += ["", f"/nearest reaches {near['rps'] / knn['rps']:.0%} of the raw KNN rate."]
    (RESULTS / "latest.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
