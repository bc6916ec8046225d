"""Street-import benchmark: what noding by level (#12 item 3) and the not-walkable rules
(#12 item 4) cost when a street file is read.

Run with ``python -m bench.streets_bench`` (``--repeat 3 --grid 120``). Writes
``bench/results/streets.md`` and ``streets.json``. No database: it times
:func:`geo.io.streets.read_streets`, the part of ``yizhan import streets`` that changed.

1. **The real Futian file** (``../shared/data/shenzhen-futian/streets.geojson``, skipped
   when absent): as imported by default (OSMnx ``u``/``v``: taken as noded) and with
   ``--node`` (every crossing counted and noded; the file has no level columns).
2. **A synthetic grid**: ``grid`` × ``grid`` streets 100 m apart without shared vertices
   (every crossing must be noded), every tenth east-west street a bridge (``layer=1``),
   so a tenth of the crossings are kept apart.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from geo.io.streets import read_streets
from geo.settings import CoverageSettings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
FUTIAN = ROOT.parent / "shared" / "data" / "shenzhen-futian" / "streets.geojson"
DEG_PER_100M = 100 / 111_320.0


def _time(path: Path, repeat: int, **kwargs: Any) -> dict[str, Any]:
    pattern = CoverageSettings().unwalkable_name_pattern
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        read = read_streets(path, unwalkable_names=pattern, **kwargs)
        seconds.append(time.perf_counter() - started)
    keys = (
        "features",
        "streets",
        "crossings_noded",
        "crossings_kept_apart",
        "crossings_at_shared_vertices",
        "not_walkable_roads",
        "not_walkable_km",
        "not_walkable_by_reason",
        "not_walkable_main_streets",
    )
    return {
        "seconds_median": round(statistics.median(seconds), 3),
        "seconds": [round(s, 3) for s in seconds],
        **{k: read.counts[k] for k in keys if k in read.counts},
    }


def _grid(path: Path, n: int) -> Path:
    span = n * DEG_PER_100M
    features = []
    for i in range(n):
        at = i * DEG_PER_100M
        bridge = {"layer": 1} if i % 10 == 0 else {}
        for coords, props in (
            ([[114.0, 22.5 + at], [114.0 + span, 22.5 + at]], {"highway": "primary", **bridge}),
            ([[114.0 + at + 1e-5, 22.5 - 1e-5], [114.0 + at + 1e-5, 22.5 + span]], {}),
        ):
            features.append(
                {
                    "type": "Feature",
                    "properties": {"highway": "residential", **props},
                    "geometry": {"type": "LineString", "coordinates": coords},
                }
            )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--grid", type=int, default=120)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": platform.platform(), "repeat": args.repeat}
    if FUTIAN.exists():
        results["futian_default"] = _time(FUTIAN, args.repeat)
        results["futian_node"] = _time(FUTIAN, args.repeat, node=True)
    with tempfile.TemporaryDirectory() as tmp:
        grid = _grid(Path(tmp) / "grid.geojson", args.grid)
        results["grid"] = {"lines": 2 * args.grid, **_time(grid, args.repeat)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "streets.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    lines = [
        "# Street import: noding by level and not-walkable roads (#12 items 3, 4)",
        "",
        f"`python -m bench.streets_bench --repeat {args.repeat} --grid {args.grid}`, "
        f"{results['machine']}; median seconds of `read_streets` (no database).",
        "",
        "| file | seconds | streets | noded | kept apart | at shared vertices | not walkable |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("futian_default", "futian_node", "grid"):
        r = results.get(name)
        if r is None:
            continue
        lines.append(
            f"| {name} | {r['seconds_median']} | {r['streets']} | "
            f"{r.get('crossings_noded', '—')} | {r.get('crossings_kept_apart', '—')} | "
            f"{r.get('crossings_at_shared_vertices', '—')} | "
            f"{r['not_walkable_roads']} ({r['not_walkable_km']} km) |"
        )
    (RESULTS / "streets.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
