"""The public nearest-station lookup in one process, no HTTP: ``lookup.nearest`` for 500
positions on the Futian walk network with 100,000 stations, one request after another.

Meant for before/after comparisons of ``geo/stations/lookup.py`` and ``geo/network``:
``--code DIR`` imports ``geo`` from another checkout (e.g. main) against the same
database, so two runs differ only in the code. ``--reuse`` keeps the database the first
run prepared.

Usage::

    python bench/nearest_lookup.py --code /work/main --label before
    python bench/nearest_lookup.py --code . --reuse --label after

Results go to ``bench/results/nearest-lookup-LABEL.json``; the Markdown table of the
labels run so far to ``bench/results/nearest-lookup.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def _measure(url: str, rounds: int) -> dict[str, Any]:
    import datetime as dt

    import numpy as np

    from geo import clock
    from geo.db.connection import connect
    from geo.settings import LookupSettings
    from geo.stations import lookup

    rng = np.random.default_rng(42)
    xmin, ymin, xmax, ymax = 113.98, 22.50, 114.10, 22.58
    points = np.column_stack([rng.uniform(xmin, xmax, 500), rng.uniform(ymin, ymax, 500)])
    at = dt.datetime(2026, 11, 24, 10, 0, tzinfo=clock.zone())
    settings = LookupSettings()
    times: list[float] = []
    walked: list[bool] = []  # the person within reach of the walk network
    kinds: dict[str, int] = {}
    with connect(url) as conn:
        for r in range(rounds + 1):
            for x, y in points:
                q = lookup.NearestQuery(lon=float(x), lat=float(y), crs="wgs84", at=at)
                t0 = time.perf_counter()
                ans = lookup.nearest(conn, q, settings)
                if r > 0:  # round 0 warms the network cache and the snaps
                    times.append(time.perf_counter() - t0)
                    walked.append(ans.distance_basis == "walking")
                    for s in ans.stations:
                        # walk / straight (no network near the person) / cut off (on a
                        # piece the person's street does not connect to); main has none
                        kind = ans.distance_basis
                        if getattr(s, "distance_note", None):
                            kind = "cut_off"
                        kinds[kind] = kinds.get(kind, 0) + 1
    ms = np.array(times) * 1000
    wm = ms[np.array(walked, dtype=bool)]
    return {
        "requests": len(times),
        "mean_ms": round(float(ms.mean()), 3),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "walking_requests": int(wm.size),
        "walking_mean_ms": round(float(wm.mean()), 3) if wm.size else None,
        "walking_p50_ms": round(float(np.percentile(wm, 50)), 3) if wm.size else None,
        "distance_kinds": kinds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--code", default=str(ROOT), help="checkout whose geo/ is measured")
    ap.add_argument("--label", required=True)
    ap.add_argument("--stations", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reuse", action="store_true", help="keep the prepared database")
    ap.add_argument(
        "--db-port", type=int, default=int(os.environ.get("YIZHAN_BENCH_DB_PORT", 55434))
    )
    a = ap.parse_args()
    code = str(Path(a.code).resolve())
    sys.path.insert(0, code)
    # This checkout's bench helpers (its cluster folder), whichever geo/ is measured.
    spec = importlib.util.spec_from_file_location("_bench_nearest", ROOT / "bench" / "nearest.py")
    assert spec is not None and spec.loader is not None
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)
    admin = helpers._admin_url(a.db_port)
    url = helpers._with_db(admin, helpers.DB) if a.reuse else helpers.prepare(admin, a.stations)
    import geo

    result = {
        "label": a.label,
        "code": code,
        "geo": geo.__file__,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        **_measure(url, a.rounds),
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"nearest-lookup-{a.label}.json").write_text(json.dumps(result, indent=1) + "\n")
    rows = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("nearest-lookup-*.json"))]
    lines = [
        "# `lookup.nearest` in one process (Futian walk network, 100,000 stations)",
        "",
        "| run | requests | mean ms | p50 ms | p99 ms | by walk: requests, mean ms, p50 ms"
        " | stations listed by basis | load avg before/after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['requests']} | {r['mean_ms']} | {r['p50_ms']} | {r['p99_ms']}"
            f" | {r['walking_requests']}, {r['walking_mean_ms']}, {r['walking_p50_ms']}"
            f" | {r['distance_kinds']} | {r['loadavg_before'][0]} / {r['loadavg_after'][0]} |"
        )
    (RESULTS / "nearest-lookup.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
