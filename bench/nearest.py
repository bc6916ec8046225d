"""Benchmark of the public lookup with 100,000 stations, against two baselines in one run.

1. The floor: the raw PostGIS KNN query (the one ``/nearest`` starts with) from Python,
   ``--concurrency`` connections in threads.
2. ``GET /api/v1/stations/nearest`` on uvicorn, loaded from a second process.
3. bbox ``/items`` pages (limit 100) from our OGC API and from ``tipg`` serving the same
   table (``pip install -e .[bench]``); skipped when tipg is not installed.

Everything listens and connects on 127.0.0.1. Every loop is bounded in count and time.
Results go to ``bench/results/`` as JSON and Markdown.

Usage: ``python -m bench [--stations 100000] [--seconds 10] [--concurrency 50]``.
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


def prepare(admin: str, n_stations: int) -> str:
    """A fresh database with the Futian walk network (if present) and n random stations."""
    url = fresh_database(admin, DB)
    if (FUTIAN / "streets.geojson").exists():
        from geo.importers import import_streets

        import_streets(FUTIAN / "streets.geojson", url=url)
    xmin, ymin, xmax, ymax = BBOX
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
    return url


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
    urls: list[str], concurrency: int, seconds: float, server: int | None = None
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument(
        "--db-port", type=int, default=int(os.environ.get("YIZHAN_BENCH_DB_PORT", 55434))
    )
    a = ap.parse_args()

    t0 = time.perf_counter()
    url = prepare(_admin_url(a.db_port), a.stations)
    print(f"prepared {a.stations} stations in {time.perf_counter() - t0:.1f}s", flush=True)
    rng = np.random.default_rng(42)
    xmin, ymin, xmax, ymax = BBOX
    points = np.column_stack([rng.uniform(xmin, xmax, 500), rng.uniform(ymin, ymax, 500)])
    result: dict[str, Any] = {
        "when": clock.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "stations": a.stations,
        "walk_network": (FUTIAN / "streets.geojson").exists(),
        "workers": a.workers,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    result["raw_knn"] = raw_knn(url, points, a.concurrency, a.seconds)
    print("raw KNN", result["raw_knn"], flush=True)

    # Every load client is 127.0.0.1, so the per-client rate limit (a shield, 600/min by
    # default) would answer most requests with 429: switch it off to measure throughput.
    env = {
        "DATABASE_URL": url,
        "YIZHAN_POOL_MAX": str(max(a.concurrency // a.workers, 4)),
        "YIZHAN_RATE_LIMIT_PER_MINUTE": "0",
    }
    ours = Server("api.app:create_app", env, "/readyz", workers=a.workers)
    try:
        # The ceiling of the HTTP stack on this machine: no database, no work.
        tag = ours.proc.pid
        result["healthz"] = load([f"{ours.base}/healthz"], a.concurrency, a.seconds, tag)
        print("/healthz", result["healthz"], flush=True)
        nearest_urls = [
            f"{ours.base}/api/v1/stations/nearest?lon={x:.6f}&lat={y:.6f}" for x, y in points
        ]
        _warm(nearest_urls, a.concurrency)
        result["nearest"] = load(nearest_urls, a.concurrency, a.seconds, tag)
        print("/nearest", result["nearest"], flush=True)
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

    try:
        import tipg  # noqa: F401
    except ImportError:
        result["tipg_items"] = "tipg not installed: pip install -e .[bench]"
    else:
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
