"""Soak: a steady mixed load for minutes, then count every accepted write in the database.

1. A fresh database (managed cluster ``.yizhan-bench`` via :mod:`bench.nearest`) with the
   Futian walk network, the Shenzhen districts and ``--stations`` stations on a grid of
   points ``--spacing`` metres apart inside Futian; the rest of the grid is kept for the
   creates, so no write ever meets the 50 m / similar-name duplicate check.
2. An admin account made with :func:`geo.accounts.create_user`.
3. ``yizhan serve --workers 2`` with the rate limit off (``YIZHAN_RATE_LIMIT_PER_MINUTE=0``)
   so the one load client is not throttled; production keeps the limit on.
4. :mod:`bench.soak_load` in a second process: an open-loop steady ``--rate`` of 90 %
   public reads and 10 % staff writes to 127.0.0.1, every response recorded.
5. The server processes' RSS (uvicorn master + workers, from ``/proc``) every 10 s.
6. Afterwards: every 2xx create exists by name, every 2xx PATCH is in its station's
   version and address, and each has its audit row.

Results: ``bench/results/soak.md`` and ``soak.json``.
Usage: ``python -m bench.soak [--minutes 10] [--rate 40]``.
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
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from bench.nearest import BBOX, FUTIAN, RESULTS, ROOT, Server, _admin_url, prepare
from bench.soak_load import MIX
from geo import clock

ADMIN = "soak-admin"
SAMPLE_S = 10.0


# ------------------------------------------------------------------------ the database
def grid_points(spacing_m: float) -> np.ndarray:
    """Points ``spacing_m`` apart on a lon/lat grid, at least 100 m inside Futian."""
    import shapely
    from shapely.geometry import shape

    with open(FUTIAN / "districts.geojson", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    futian = shape(next(f for f in features if f["properties"]["qh"] == "福田")["geometry"])
    inner = futian.buffer(-100 / 111_320)
    xmin, ymin, xmax, ymax = inner.bounds
    dlat = spacing_m / 111_320
    dlon = spacing_m / (111_320 * np.cos(np.radians((ymin + ymax) / 2)))
    xs, ys = np.meshgrid(np.arange(xmin, xmax, dlon), np.arange(ymin, ymax, dlat))
    pts = np.column_stack([xs.ravel(), ys.ravel()])
    inside = shapely.contains_xy(inner, pts[:, 0], pts[:, 1])
    return pts[inside]


def seed(url: str, points: np.ndarray) -> list[int]:
    """Load the districts and one public station per point; their ids."""
    from geo.importers import import_districts

    import_districts(FUTIAN / "districts.geojson", name_field="qh", key=["福田"], url=url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT set_config('yizhan.actor', 'soak-seed', false)")
        ids = []
        for i, (lon, lat) in enumerate(points):
            kind = ("love_station", "mother_baby_room", "worker_bookshop")[i % 3]
            row = conn.execute(
                "INSERT INTO stations (kind, name, services, opening_hours, geom)"
                " VALUES (%s, %s, ARRAY['drinking_water'], '24/7',"
                " ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
                (kind, f"种子站 {i}", float(lon), float(lat)),
            ).fetchone()
            assert row is not None
            ids.append(int(row[0]))
        conn.execute("VACUUM ANALYZE stations")
    return ids


def add_admin(url: str) -> str:
    from geo.accounts import create_user, generate_password
    from geo.db.connection import transaction

    password = generate_password()
    with transaction(url, actor="soak") as conn:
        create_user(conn, ADMIN, "admin", password)
    return password


# ------------------------------------------------------------------------ memory
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree_usage(root: int) -> tuple[int, int, int]:
    """Summed VmRSS (kB) and CPU ticks of ``root`` and its descendants; how many processes."""
    kids, todo, total, ticks, count = _children(), [root], 0, 0, 0
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, []))
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    count += 1
        except OSError:
            continue
        ticks += int(stat[11]) + int(stat[12])  # utime + stime
    return total, ticks, count


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class RssSampler(threading.Thread):
    """Samples the server tree's RSS every SAMPLE_S seconds until stopped (bounded)."""

    def __init__(self, pid: int, max_samples: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.max_samples = pid, max_samples
        self.samples: list[dict[str, float]] = []
        self.done = threading.Event()
        self.t0 = time.monotonic()
        self.last: tuple[int, int, int] | None = None

    def sample(self) -> None:
        """RSS, and since the last sample: the machine's and the server's CPU use (in
        CPUs) and the load average, to tell our latency from other work on the machine."""
        kb, ticks, n = tree_usage(self.pid)
        busy, total = machine_ticks()
        now = {"t": round(time.monotonic() - self.t0, 1), "rss_mb": round(kb / 1024, 1)}
        now["procs"] = n
        now["loadavg1"] = float(Path("/proc/loadavg").read_text().split()[0])
        if self.last is not None:
            cpus = os.cpu_count() or 1
            span = max(total - self.last[2], 1)
            now["machine_cpus"] = round(cpus * (busy - self.last[1]) / span, 2)
            now["server_cpus"] = round(cpus * (ticks - self.last[0]) / span, 2)
        self.last = (ticks, busy, total)
        self.samples.append(now)

    def run(self) -> None:
        while not self.done.wait(SAMPLE_S) and len(self.samples) < self.max_samples:
            self.sample()


# ------------------------------------------------------------------------ checks
def check_writes(url: str, writes: list[dict[str, Any]]) -> dict[str, Any]:
    """Count accepted writes that the database does not show (lost) or did not audit."""
    creates = [w for w in writes if w["op"] == "create"]
    patches = [w for w in writes if w["op"] == "patch"]
    last: dict[int, dict[str, Any]] = {}
    for w in patches:
        if w["version"] >= last.get(w["id"], {"version": 0})["version"]:
            last[w["id"]] = w
    lost: list[dict[str, Any]] = []
    unaudited: list[dict[str, Any]] = []
    with psycopg.connect(url) as conn:
        for w in creates:
            n = conn.execute(
                "SELECT count(*) FROM stations WHERE id = %s AND name = %s", (w["id"], w["name"])
            ).fetchone()
            if not n or n[0] != 1:
                lost.append(w)
            a = conn.execute(
                "SELECT count(*) FROM station_audit WHERE station_id = %s AND action = 'create'"
                " AND after->>'name' = %s",
                (w["id"], w["name"]),
            ).fetchone()
            if not a or a[0] != 1:
                unaudited.append(w)
        for w in patches:
            row = conn.execute(
                "SELECT version, address FROM stations WHERE id = %s", (w["id"],)
            ).fetchone()
            final = last[w["id"]]
            if row is None or row[0] < w["version"] or (w is final and row[1] != w["address"]):
                lost.append(w)
            a = conn.execute(
                "SELECT count(*) FROM station_audit WHERE station_id = %s AND action = 'update'"
                " AND version = %s AND after->>'address' = %s",
                (w["id"], w["version"], w["address"]),
            ).fetchone()
            if not a or a[0] != 1:
                unaudited.append(w)
    return {
        "accepted_creates": len(creates),
        "accepted_patches": len(patches),
        "lost": len(lost),
        "unaudited": len(unaudited),
        "lost_examples": lost[:5],
        "unaudited_examples": unaudited[:5],
    }


# ------------------------------------------------------------------------ summary
def summarise(records: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    by_cls: dict[str, Any] = {}
    for cls in [*MIX, "staff_get"]:
        rs = [r for r in records if r["cls"] == cls]
        ms = np.array([r["ms"] for r in rs if "ms" in r])
        failed = [r for r in rs if not 200 <= r["status"] < 300]
        by_cls[cls] = {
            "requests": len(rs),
            "failed": len(failed),
            "p50_ms": round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
            "p99_ms": round(float(np.percentile(ms, 99)), 1) if len(ms) else None,
            "max_ms": round(float(ms.max()), 1) if len(ms) else None,
        }
    ms = np.array([r["ms"] for r in records if "ms" in r])
    failed = [r for r in records if not 200 <= r["status"] < 300]
    return {
        "requests": len(records),
        "achieved_rps": round(len(records) / seconds, 1),
        "failed": len(failed),
        "failure_examples": failed[:10],
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "max_ms": round(float(ms.max()), 1),
        "by_class": by_cls,
    }


def timeline(
    records: list[dict[str, Any]], samples: list[dict[str, float]], window_s: float = 60.0
) -> list[dict[str, Any]]:
    """Per window: requests, p99 and max latency, and the machine's load then."""
    rows = []
    end = max((r.get("t", 0.0) for r in records), default=0.0)
    for k in range(int(end // window_s) + 1):
        lo, hi = k * window_s, (k + 1) * window_s
        ms = np.array([r["ms"] for r in records if "ms" in r and lo <= r["t"] < hi])
        near = [s for s in samples if lo < s["t"] <= hi + 1 and "machine_cpus" in s]
        rows.append(
            {
                "minute": k + 1,
                "requests": len(ms),
                "p99_ms": round(float(np.percentile(ms, 99)), 1) if len(ms) else None,
                "max_ms": round(float(ms.max()), 1) if len(ms) else None,
                "loadavg1_max": max((s["loadavg1"] for s in near), default=None),
                "machine_cpus": round(float(np.mean([s["machine_cpus"] for s in near])), 2)
                if near
                else None,
                "server_cpus": round(float(np.mean([s["server_cpus"] for s in near])), 2)
                if near
                else None,
            }
        )
    return rows


def memory(samples: list[dict[str, float]]) -> dict[str, Any]:
    t = np.array([s["t"] for s in samples])
    mb = np.array([s["rss_mb"] for s in samples])
    half = len(mb) // 2
    slope = float(np.polyfit(t / 60, mb, 1)[0]) if len(mb) > 2 else 0.0
    # The second half after warm-up is what "flat" is judged on.
    late = float(np.polyfit(t[half:] / 60, mb[half:], 1)[0]) if len(mb) - half > 2 else 0.0
    return {
        "start_mb": float(mb[0]),
        "end_mb": float(mb[-1]),
        "max_mb": float(mb.max()),
        "slope_mb_per_min": round(slope, 3),
        "second_half_slope_mb_per_min": round(late, 3),
        "samples": samples,
    }


# ------------------------------------------------------------------------ main
def run_load(plan: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        plan_file, out_file = Path(tmp) / "plan.json", Path(tmp) / "out.json"
        plan_file.write_text(json.dumps(plan), "utf-8")
        plan_file.chmod(0o600)
        budget = plan["requests"] / plan["rate"] + 300
        subprocess.run(
            [sys.executable, "-m", "bench.soak_load", str(plan_file), str(out_file)],
            cwd=ROOT,
            check=True,
            timeout=budget,
        )
        return json.loads(out_file.read_text("utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=40.0, help="requests per second")
    ap.add_argument("--stations", type=int, default=300)
    ap.add_argument("--spacing", type=float, default=80.0, help="grid spacing, metres")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="soak", help="results file stem in bench/results/")
    ap.add_argument(
        "--db-port", type=int, default=int(os.environ.get("YIZHAN_BENCH_DB_PORT", 55434))
    )
    a = ap.parse_args()

    t0 = time.perf_counter()
    url = prepare(_admin_url(a.db_port), 0)
    points = grid_points(a.spacing)
    rng = np.random.default_rng(a.seed)
    points = points[rng.permutation(len(points))]
    requests = int(a.rate * a.minutes * 60)
    n_creates = int(requests * MIX["create"] * 1.5) + 50
    if len(points) < a.stations + n_creates:
        raise SystemExit(f"grid has {len(points)} points, needs {a.stations + n_creates}")
    ids = seed(url, points[: a.stations])
    password = add_admin(url)
    print(f"prepared in {time.perf_counter() - t0:.1f}s: {len(ids)} stations", flush=True)

    yizhan = str(Path(sys.executable).parent / "yizhan")
    env = {"DATABASE_URL": url, "YIZHAN_RATE_LIMIT_PER_MINUTE": "0", "YIZHAN_LOG_LEVEL": "WARNING"}
    argv = [yizhan, "serve", "--host", "127.0.0.1", "--workers", str(a.workers)]
    server = Server("yizhan serve", env, "/readyz", workers=a.workers, argv=argv)
    sampler = RssSampler(server.proc.pid, max_samples=int(a.minutes * 6) + 60)
    try:
        sampler.sample()
        sampler.start()
        plan = {
            "base": server.base,
            "user": ADMIN,
            "password": password,
            "rate": a.rate,
            "requests": requests,
            "seed": a.seed,
            "bbox": [BBOX[0], BBOX[1], BBOX[2] - 0.01, BBOX[3] - 0.01],
            "station_ids": ids,
            "create_points": points[a.stations : a.stations + n_creates].tolist(),
        }
        out = run_load(plan)
        sampler.done.set()
        sampler.join(timeout=SAMPLE_S + 5)
        sampler.sample()
    finally:
        sampler.done.set()
        server.stop()

    result: dict[str, Any] = {
        "when": clock.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "minutes": a.minutes,
        "target_rps": a.rate,
        "workers": a.workers,
        "seed_stations": len(ids),
        "mix": MIX,
        "rate_limit": "off for the soak (YIZHAN_RATE_LIMIT_PER_MINUTE=0); production keeps it on",
        "load": summarise(out["records"], out["seconds"]),
        "writes": check_writes(url, out["writes"]),
        "memory": memory(sampler.samples),
        "timeline": timeline(out["records"], sampler.samples),
    }
    write(result, a.out)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def write(result: dict[str, Any], stem: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2, default=str), "utf-8")
    load, w, mem = result["load"], result["writes"], result["memory"]
    lines = [
        f"# Soak, {result['when']}",
        "",
        f"{result['minutes']} minutes, open loop at {result['target_rps']} req/s "
        f"(achieved {load['achieved_rps']}), `yizhan serve --workers {result['workers']}`, "
        f"{result['machine']['cpus']} CPUs, {result['seed_stations']} seeded stations on the "
        "Futian walk network with the Shenzhen districts; load from a second process on "
        "127.0.0.1. Rate limit: " + result["rate_limit"] + ".",
        "",
        "| class | requests | failed | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for cls, r in load["by_class"].items():
        lines.append(
            f"| {cls} | {r['requests']} | {r['failed']} | {r['p50_ms']} | {r['p99_ms']} "
            f"| {r['max_ms']} |"
        )
    lines += [
        f"| **all** | {load['requests']} | {load['failed']} | {load['p50_ms']} "
        f"| {load['p99_ms']} | {load['max_ms']} |",
        "",
        "`staff_get` is the GET that fetches the ETag before each PATCH.",
        "",
        f"Writes accepted: {w['accepted_creates']} creates, {w['accepted_patches']} PATCHes; "
        f"missing from the database: {w['lost']}; without their audit row: {w['unaudited']}.",
        "",
        f"Server RSS (uvicorn master + workers): start {mem['start_mb']} MB, end "
        f"{mem['end_mb']} MB, max {mem['max_mb']} MB; slope {mem['slope_mb_per_min']} MB/min "
        f"overall, {mem['second_half_slope_mb_per_min']} MB/min over the second half.",
        "",
        "Per minute (machine CPUs busy = everything on this 2-CPU machine, including other "
        "people's jobs; server CPUs = uvicorn master + workers):",
        "",
        "| minute | requests | p99 ms | max ms | load avg (max) | machine CPUs busy "
        "| server CPUs |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {r['minute']} | {r['requests']} | {r['p99_ms']} | {r['max_ms']} "
            f"| {r['loadavg1_max']} | {r['machine_cpus']} | {r['server_cpus']} |"
            for r in result["timeline"]
        ),
        "",
        "## Verdict",
        "",
        f"- zero failed requests: **{_verdict(load['failed'] == 0)}** ({load['failed']})",
        f"- zero lost writes: **{_verdict(w['lost'] == 0 and w['unaudited'] == 0)}** "
        f"({w['lost']} lost, {w['unaudited']} unaudited)",
        f"- p99 under 1 s: **{_verdict(load['p99_ms'] < 1000)}** ({load['p99_ms']} ms)",
        f"- memory flat (second-half slope under 0.5 MB/min): "
        f"**{_verdict(abs(mem['second_half_slope_mb_per_min']) < 0.5)}**",
    ]
    if load["failure_examples"]:
        lines += ["", "First failures:", ""]
        lines += [
            f"- `{json.dumps(f, ensure_ascii=False)[:300]}`" for f in load["failure_examples"]
        ]
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
