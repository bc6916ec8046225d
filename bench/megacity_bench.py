"""The whole workflow on a megacity (#18 item 1), step by step as a user runs it.

Each step runs the ``yizhan`` CLI of this checkout (``python -m api.cli``) in a subprocess
against a fresh database on the managed benchmark cluster: import streets, districts and
stations, ``coverage run`` as of :data:`bench.megacity.AS_OF`, ``coverage trend`` (24
month-ends), ``plan --full`` and ``plan --k 50`` (HiGHS, with the gap it proves),
``report coverage`` (HTML and XLSX), and one planner what-if of each kind (add, move,
remove) through :func:`geo.coverage.whatif_service.whatif`, the code behind
``POST /api/v1/whatif``, in a child process of its own. Per step: wall time, the child's
peak RSS (``os.wait4``'s ``ru_maxrss``) and the CPU seconds of the PostgreSQL cluster.
Every step has a timeout; one that runs out is recorded as "did not finish in T s".

The same steps run in the same invocation on the real Futian streets and districts
(``../shared/data/shenzhen-futian``, with 150 synthetic dated stations in 福田): the
per-edge baseline. The goals of #18 (import <= 2 min, coverage <= 2 s, trend <= 30 s,
plan --full optimal or gap <= 1 % within 5 min, report <= 2 min, peak RSS <= 6 GB) are
judged on the megacity.

Usage: ``python -m bench.megacity_bench [--scale 1] [--seed 18] [--no-futian]
[--db-port P] [--steps a,b] [--stem NAME]``. The city is generated into ``bench/.megacity/scale-S``
unless there already. Results: ``bench/results/megacity.md`` and ``megacity.json``
(with ``--scale`` other than 1: ``megacity-S.md``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.megacity import AS_OF, DEFAULT_DIR, generate
from bench.nearest import (
    _TICK,
    FUTIAN,
    RESULTS,
    ROOT,
    _admin_url,
    _postmaster,
    _procs,
    fresh_database,
)

PLAN_TIME_LIMIT_S = 300
GOALS: dict[str, tuple[str, float]] = {
    # step -> (what the goal says, seconds)
    "import_streets": ("import ≤ 2 min (streets + districts + stations)", 120.0),
    "coverage_run": ("coverage ≤ 2 s", 2.0),
    "coverage_trend": ("trend ≤ 30 s", 30.0),
    "plan_full": ("optimal or gap ≤ 1 % within 5 min", 300.0),
    "plan_k50": ("optimal or gap ≤ 1 % within 5 min", 300.0),
    "report": ("report ≤ 2 min", 120.0),
}
RSS_GOAL_MB = 6144.0
TIMEOUTS = {
    "import_streets": 1200,
    "import_districts": 300,
    "import_stations": 300,
    "coverage_run": 600,
    "coverage_trend": 1200,
    "plan_full": PLAN_TIME_LIMIT_S + 300,
    "plan_k50": PLAN_TIME_LIMIT_S + 300,
    "report": 900,
    "whatif": 600,
}
FUTIAN_STATIONS = 150


def db_cpu_s() -> float:
    """CPU seconds so far of the benchmark cluster: the postmaster's own and its reaped
    children's (backends that have ended), plus the live backends'."""
    pm = _postmaster()
    if pm is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pm}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = sum(int(f) for f in fields[11:15]) / _TICK
    return own + sum(cpu for ppid, _, cpu in _procs().values() if ppid == pm)


def run_step(name: str, args: list[str], url: str, out_dir: Path, timeout: float) -> dict[str, Any]:
    """Run one CLI command (or ``python -c``) to its end or its timeout: wall time, the
    child's peak RSS, the database cluster's CPU seconds, the exit status and output."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    log = out_dir / f"{name}.log"
    db0 = db_cpu_s()
    t0 = time.perf_counter()
    with log.open("wb") as f:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, *args], cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        status = rusage = stack = None
        while time.perf_counter() - t0 < timeout:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.05)
        else:
            stack = _stack(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL)
            _, status, rusage = os.wait4(proc.pid, 0)
            status = None
    wall = time.perf_counter() - t0
    db1 = db_cpu_s()
    text = log.read_text(errors="replace")
    return {
        "step": name,
        "command": " ".join(["python", *args]),
        "seconds": round(wall, 2),
        "finished": status is not None,
        "timeout_s": timeout,
        "exit": None if status is None else os.waitstatus_to_exitcode(status),
        "peak_rss_mb": round(rusage.ru_maxrss / 1024.0, 1) if rusage else None,
        "db_cpu_s": round(db1 - db0, 2),
        "tail": text,
        **({"stack": stack} if stack else {}),
    }


def _stack(pid: int) -> str | None:
    """Where a step that ran out of time was (``py-spy dump``, the bench extra), if py-spy
    is installed and may attach."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    try:
        out = subprocess.run(  # noqa: S603
            [spy, "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def futian_stations(path: Path, n: int, seed: int) -> None:
    """``n`` dated stations of the three kinds 10 m beside the Futian streets inside 福田,
    in GCJ-02, opened over the 24 months up to :data:`AS_OF`."""
    import geopandas as gpd
    import shapely

    from geo.crs import wgs84_to_gcj02

    rng = np.random.default_rng(seed)
    streets = gpd.read_file(FUTIAN / "streets.geojson").to_crs(32650)
    districts = gpd.read_file(FUTIAN / "districts.geojson")
    futian = districts[districts["qh"].astype(str).str.contains("福田")].to_crs(32650).union_all()
    lines = streets.geometry[streets.intersects(futian)].to_numpy()
    pts: list[Any] = []
    while len(pts) < n:
        line = lines[rng.integers(len(lines))]
        p = shapely.line_interpolate_point(line, rng.random(), normalized=True)
        q = shapely.Point(p.x + rng.normal(0, 10), p.y + rng.normal(0, 10))
        if futian.contains(q):
            pts.append(q)
    wgs = gpd.GeoSeries(pts, crs=32650).to_crs(4326)
    lon, lat = wgs84_to_gcj02(wgs.x.to_numpy(), wgs.y.to_numpy())
    start = AS_OF - dt.timedelta(days=730)
    kinds = ("love_station", "mother_baby_room", "worker_bookshop")
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "kind", "lng", "lat", "opened_on", "status", "source"])
        for k in range(n):
            opened = start + dt.timedelta(days=int(np.sqrt(rng.random()) * 730))
            kind = kinds[k % 3 if k % 2 else 0]
            w.writerow([f"FT{k:05d}", f"福田示例驿站 {k + 1}", kind, f"{lon[k]:.7f}",
                        f"{lat[k]:.7f}", opened.isoformat(), "open", "bench"])  # fmt: skip


WHATIF = """
import datetime as dt, json, sys, time
import numpy as np
from geo.coverage import service, whatif_service
from geo.db.connection import connect
q = service.question(dt.date.fromisoformat(sys.argv[1]), "love_station", None, cell_m=None)
out = {}
with connect() as conn:
    t = time.perf_counter(); whatif_service.whatif(conn, q, [])
    out["base_s"] = time.perf_counter() - t
    base = whatif_service.base_for(conn, q)
    rng = np.random.default_rng(18)
    i = int(rng.integers(len(base.ids))); sid = int(base.ids[i])
    lon, lat = float(base.lon[i]) + 0.003, float(base.lat[i]) + 0.002
    for name, change in (("add", {"op": "add", "id": "b1", "lon": lon, "lat": lat}),
                         ("move", {"op": "move", "station_id": sid, "lon": lon, "lat": lat}),
                         ("remove", {"op": "remove", "station_id": sid})):
        t = time.perf_counter(); whatif_service.whatif(conn, q, [change])
        out[name + "_s"] = time.perf_counter() - t
print("WHATIF " + json.dumps(out))
"""


def city_steps(
    files: dict[str, Path], key: str, name_field: str, as_of: str, out: Path
) -> list[tuple[str, list[str]]]:
    """The commands of the workflow, in the order a user runs them."""
    cli = ["-m", "api.cli"]
    return [
        ("import_streets", [*cli, "import", "streets", str(files["streets"])]),
        ("import_districts", [*cli, "import", "districts", str(files["districts"]),
                              "--name-field", name_field, "--key", key]),
        ("import_stations", [*cli, "import", "stations", str(files["stations"]),
                             "--kind", "love_station", "--crs", "gcj02"]),
        ("coverage_run", [*cli, "coverage", "run", "--as-of", as_of]),
        ("coverage_trend", [*cli, "coverage", "trend", "--as-of", as_of]),
        ("plan_full", [*cli, "plan", "--full", "--as-of", as_of,
                       "--time-limit", str(PLAN_TIME_LIMIT_S)]),
        ("plan_k50", [*cli, "plan", "--k", "50", "--as-of", as_of,
                      "--time-limit", str(PLAN_TIME_LIMIT_S)]),
        ("report", [*cli, "report", "coverage", "--as-of", as_of,
                    "--out", str(out / "report.html"), "--xlsx", str(out / "report.xlsx")]),
        ("whatif", ["-c", WHATIF, as_of]),
    ]  # fmt: skip


_STATUS = re.compile(r"状态 status ([a-z_ ]+?)，")
_GAP = re.compile(r"\），gap\s+([0-9.]+)")


def parse_extra(step: dict[str, Any]) -> None:
    """The solver's status and gap (plans), the what-if timings."""
    text = step.pop("tail")
    m = _STATUS.search(text)
    if m:
        step["solver_status"] = m.group(1)
    m = _GAP.search(text)
    if m:
        step["gap"] = float(m.group(1))
    m2 = re.search(r"WHATIF (\{.*\})", text)
    if m2:
        step["whatif"] = {k: round(v, 3) for k, v in json.loads(m2.group(1)).items()}
    if not step["finished"] or step["exit"]:
        step["tail"] = text[-600:]


def network_size(url: str) -> dict[str, Any]:
    """Walk edges and main-street km of the imported city."""
    import psycopg

    with psycopg.connect(url) as conn:
        edges = conn.execute("SELECT count(*) FROM walk_edges").fetchone()
        main = conn.execute(
            "SELECT coalesce(sum(length_m), 0) / 1000 FROM streets WHERE is_main AND walkable"
        ).fetchone()
        excluded = conn.execute("SELECT count(*) FROM streets WHERE excluded_main").fetchone()
        stations = conn.execute(
            "SELECT count(*), count(opened_on) FROM stations WHERE geom IS NOT NULL"
        ).fetchone()
    return {
        "walk_edges": int(edges[0]) if edges else 0,
        "main_street_km": round(float(main[0]), 1) if main else 0.0,
        "excluded_main_streets": int(excluded[0]) if excluded else 0,
        "stations": int(stations[0]) if stations else 0,
        "stations_dated": int(stations[1]) if stations else 0,
    }


def run_city(label: str, admin: str, files: dict[str, Path], key: str, name_field: str,
             only: set[str] | None, stem: str) -> dict[str, Any]:  # fmt: skip
    """Every step on one city in a fresh database (named for ``stem`` and the city, so
    that two runs with different stems never share one)."""
    out = RESULTS / f".{stem}-{label}"
    out.mkdir(parents=True, exist_ok=True)
    url = fresh_database(admin, f"yizhan_{stem.replace('-', '_').replace('.', '_')}_{label}")
    steps = []
    for name, args in city_steps(files, key, name_field, AS_OF.isoformat(), out):
        if only and name not in only and not name.startswith("import"):
            continue
        step = run_step(name, args, url, out, TIMEOUTS[name])
        parse_extra(step)
        print(
            f"[{label}] {name}: {step['seconds']} s, {step['peak_rss_mb']} MB, exit {step['exit']}",
            flush=True,
        )
        steps.append(step)
        if name == "import_stations":
            size = network_size(url)
            print(f"[{label}] {size}", flush=True)
    return {"label": label, "size": size, "steps": steps}


def judge(step: dict[str, Any], import_total: float | None) -> tuple[str, str, bool | None]:
    """(goal, measured, met) of one megacity step."""
    name = step["step"]
    if not step["finished"]:
        return GOALS.get(name, ("—", 0))[0], f"did not finish in {step['timeout_s']:g} s", False
    if step["exit"]:
        return GOALS.get(name, ("—", 0))[0], f"failed (exit {step['exit']})", False
    if name in ("plan_full", "plan_k50"):
        gap = step.get("gap")
        ok = step["seconds"] <= GOALS[name][1] + 60 and (
            step.get("solver_status") == "optimal" or (gap is not None and gap <= 0.01)
        )
        return (
            GOALS[name][0],
            f"{step['seconds']:.1f} s, {step.get('solver_status')}, gap {gap}",
            ok,
        )
    if name == "import_streets" and import_total is not None:
        return GOALS[name][0], f"{import_total:.1f} s all three", import_total <= GOALS[name][1]
    if name in GOALS:
        return GOALS[name][0], f"{step['seconds']:.2f} s", step["seconds"] <= GOALS[name][1]
    return "—", f"{step['seconds']:.2f} s", None


def write(result: dict[str, Any], stem: str) -> None:
    """``bench/results/<stem>.json`` and ``.md``."""
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    mega = result["cities"]["megacity"]
    base = {s["step"]: s for s in result["cities"].get("futian", {}).get("steps", [])}
    imports = [s for s in mega["steps"] if s["step"].startswith("import")]
    import_total = (
        sum(s["seconds"] for s in imports) if all(s["finished"] for s in imports) else None
    )
    lines = [
        f"# Megacity end to end (#18 item 1), scale {result['scale']:g}",
        "",
        f"- Machine: {result['machine']}; {result['date']}; commit `{result['commit']}`",
        f"- Load average before: {result['load_before']}, after: {result['load_after']} "
        "(the machine is shared: other engineers' work runs beside this)",
        f"- Command: `{result['command']}`",
        f"- Megacity: {mega['size']} (generator: {result['generator']})",
        f"- Futian (baseline, same run): {result['cities'].get('futian', {}).get('size')}",
        f"- Peak RSS goal: ≤ {RSS_GOAL_MB / 1024:g} GB per step; the what-if row also lists "
        "the first (base) what-if and one add, move and remove.",
        "",
        "| step | goal | megacity | met | peak RSS MB | DB CPU s | Futian s | Futian RSS MB "
        "| µs/edge mega | µs/edge Futian |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    e_mega = max(mega["size"]["walk_edges"], 1)
    e_ft = max(result["cities"].get("futian", {}).get("size", {}).get("walk_edges", 1), 1)
    for s in mega["steps"]:
        goal, measured, met = judge(s, import_total)
        if s["step"] == "whatif" and "whatif" in s:
            measured += " " + ", ".join(f"{k} {v:g}" for k, v in s["whatif"].items())
        b = base.get(s["step"], {})
        rss_ok = s["peak_rss_mb"] is not None and s["peak_rss_mb"] <= RSS_GOAL_MB
        mark = "—" if met is None else ("yes" if met and rss_ok else "**no**")
        per_m = f"{s['seconds'] / e_mega * 1e6:.1f}" if s["finished"] else "—"
        per_f = f"{b['seconds'] / e_ft * 1e6:.1f}" if b.get("finished") else "—"
        lines.append(
            f"| {s['step']} | {goal} | {measured} | {mark} | {s['peak_rss_mb']} | {s['db_cpu_s']} "
            f"| {b.get('seconds', '—')} | {b.get('peak_rss_mb', '—')} | {per_m} | {per_f} |"
        )
    lines += ["", "Commands (each in a subprocess, `DATABASE_URL` the fresh bench database):", ""]
    lines += [f"- `{s['command'][:300]}`" for s in mega["steps"] if s["step"] != "whatif"]
    lines += ["- what-if: `python -c <bench.megacity_bench.WHATIF> 2026-10-31`", ""]
    failed = [s for s in mega["steps"] if "tail" in s]
    for s in failed:
        lines += [f"Output of `{s['step']}` (end):", "", "```", s["tail"], "```", ""]
        if s.get("stack"):
            frames = "\n".join(s["stack"].splitlines()[:16])
            lines += [
                f"Where `{s['step']}` was when stopped (py-spy):",
                "",
                "```",
                frames,
                "```",
                "",
            ]
    if result.get("analysis"):
        lines += ["## Why goals are missed, and what would meet them", "", result["analysis"], ""]
    (RESULTS / f"{stem}.md").write_text("\n".join(lines))


def _commit() -> str:
    try:
        return subprocess.run(  # noqa: S603
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,  # noqa: S607
            check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--no-futian", action="store_true")
    ap.add_argument("--steps", default="", help="only these steps (imports always run)")
    ap.add_argument(
        "--db-port", type=int, default=int(os.environ.get("YIZHAN_BENCH_DB_PORT", 55434))
    )
    ap.add_argument("--analysis", type=Path, default=None, help="Markdown to add to the results")
    ap.add_argument("--stem", default=None, help="results file name (default megacity[-S])")
    a = ap.parse_args()
    only = set(a.steps.split(",")) if a.steps else None
    stem = a.stem or ("megacity" if a.scale == 1 else f"megacity-{a.scale:g}")
    city_dir = DEFAULT_DIR / f"scale-{a.scale:g}"
    if not (city_dir / "meta.json").exists():
        generate(city_dir, a.scale, a.seed)
    meta = json.loads((city_dir / "meta.json").read_text())
    admin = _admin_url(a.db_port)
    load_before = os.getloadavg()
    cities: dict[str, Any] = {}
    if not a.no_futian and (FUTIAN / "streets.geojson").exists():
        ft = RESULTS / f".{stem}-futian"
        ft.mkdir(parents=True, exist_ok=True)
        futian_stations(ft / "stations.csv", FUTIAN_STATIONS, a.seed)
        files = {"streets": FUTIAN / "streets.geojson", "districts": FUTIAN / "districts.geojson",
                 "stations": ft / "stations.csv"}  # fmt: skip
        cities["futian"] = run_city("futian", admin, files, "福田", "qh", only, stem)
    files = {"streets": city_dir / "city.osm.pbf", "districts": city_dir / "districts.geojson",
             "stations": city_dir / "stations.csv"}  # fmt: skip
    cities["megacity"] = run_city(
        "megacity", admin, files, ",".join(meta["key_districts"]), "name", only, stem
    )
    result = {
        "scale": a.scale,
        "generator": f"python -m bench.megacity --scale {a.scale:g} --seed {a.seed}",
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "command": "python -m bench.megacity_bench " + " ".join(sys.argv[1:]),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "meta": meta,
        "cities": cities,
        "analysis": a.analysis.read_text() if a.analysis else "",
    }
    write(result, stem)
    print(f"wrote {RESULTS / (stem + '.md')}")


if __name__ == "__main__":
    main()
