"""How often the wrong-datum check of station imports (#12 item 9) fires, on the real
Futian walk network: for wrongly declared files (GCJ-02 numbers declared ``wgs84``) and
for correctly declared ones, for the rule as shipped (median or mean), the median alone,
and the first proposal (median, 1/3, 50 m).

Each draw is a file of ``n`` stations standing ``off`` metres (uniform in a range) beside
a random point of a random named walkable street, built from a seed; the check is
:func:`geo.stations.datum.check_datum` itself on the network the street import builds
(no database: the same read, noding and :class:`~geo.network.walk.WalkNetwork`).

Usage: ``python -m bench.datum_check [--draws 200]``. Needs ``../shared/data``.
Results: ``bench/results/datum_check.md`` and ``datum_check.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geo.crs import from_wgs84, to_wgs84
from geo.io.streets import build_walk_network, read_streets
from geo.network.walk import WalkNetwork
from geo.settings import StationSettings
from geo.stations.datum import check_datum

ROOT = Path(__file__).resolve().parent.parent
STREETS = ROOT.parent / "shared" / "data" / "shenzhen-futian" / "streets.geojson"
RESULTS = ROOT / "bench" / "results"
RULES = {
    "shipped: median or mean, 1/2, 20 m": (StationSettings(), True),
    "median only, 1/2, 20 m": (StationSettings(), False),
    "first proposal: median, 1/3, 50 m": (
        StationSettings(datum_check_ratio=3.0, datum_check_min_m=50.0),
        False,
    ),
}


def _fires(walk: WalkNetwork, lon: Any, lat: Any, rule: tuple[StationSettings, bool]) -> bool:
    settings, with_mean = rule
    found = check_datum(walk, lon, lat, "wgs84", settings)
    if with_mean or found.outcome == "skipped":
        return found.outcome == "mismatch"
    m = found.medians_m  # the median alone: would it have fired?
    best = min(m, key=lambda c: m[c])
    return (
        best != "wgs84"
        and m["wgs84"] >= settings.datum_check_min_m
        and m[best] * settings.datum_check_ratio <= m["wgs84"]
    )


def _network() -> tuple[WalkNetwork, np.ndarray]:
    read = read_streets(STREETS)
    net = build_walk_network(read.streets)
    edges = net.edges
    walk = WalkNetwork.from_edges(
        {
            "source": edges["source"].to_numpy(),
            "target": edges["target"].to_numpy(),
            "length_m": edges["length_m"].to_numpy(dtype=float),
            "street_id": edges["street_index"].to_numpy() + 1,
            "geom": edges.geometry.to_numpy(),
        },
        version="bench",
    )
    named = read.streets["name"].notna().to_numpy()[edges["street_index"].to_numpy()]
    return walk, np.flatnonzero(named)


def _draw(
    walk: WalkNetwork, named: np.ndarray, n: int, off: tuple[float, float], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` WGS-84 positions beside named walk edges."""
    rng = np.random.default_rng(seed)
    back = walk.to_metric  # WGS-84 → metric; invert with its inverse
    xs, ys = [], []
    for e in rng.choice(named, n, replace=False):
        line = walk.edge_geom[e]
        f = rng.uniform(0.05, 0.95)
        p = shapely.line_interpolate_point(line, f, normalized=True)
        q = shapely.line_interpolate_point(line, min(f + 0.01, 1.0), normalized=True)
        dx, dy = q.x - p.x, q.y - p.y
        norm = float(np.hypot(dx, dy)) or 1.0
        side = rng.uniform(*off) * rng.choice([-1.0, 1.0])
        xs.append(p.x - dy / norm * side)
        ys.append(p.y + dx / norm * side)
    lon, lat = back.transform(np.array(xs), np.array(ys), direction="INVERSE")
    return np.asarray(lon), np.asarray(lat)


def _beyond_east(walk: WalkNetwork, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` WGS-84 positions 0.3–1.5 km east of the network's bounding box."""
    import shapely as shp

    xmin, ymin, xmax, ymax = shp.total_bounds(walk.edge_geom)
    rng = np.random.default_rng(seed + 10_000)
    x = xmax + rng.uniform(300.0, 1500.0, n)
    y = rng.uniform(ymin, ymax, n)
    lon, lat = walk.to_metric.transform(x, y, direction="INVERSE")
    return np.asarray(lon), np.asarray(lat)


def _edge(walk: WalkNetwork, named: np.ndarray, draws: int) -> list[dict[str, Any]]:
    """Correct lists (WGS-84 declared wgs84) with half their stations beyond the streets."""
    out = []
    for n in (12, 20):
        fired = dict.fromkeys(RULES, 0)
        for seed in range(draws):
            lon, lat = _draw(walk, named, n // 2, (5.0, 60.0), seed)
            elon, elat = _beyond_east(walk, n - n // 2, seed)
            for name, rule in RULES.items():
                fired[name] += _fires(walk, np.r_[lon, elon], np.r_[lat, elat], rule)
        out += [{"rows": n, "rule": k, "stops_right": v / draws} for k, v in fired.items()]
    return out


def run(draws: int) -> dict[str, Any]:
    walk, named = _network()
    rows = []
    for off in ((5.0, 25.0), (5.0, 60.0)):
        for n in (6, 8, 20):
            fired = {rule: {"wrong": 0, "right": 0} for rule in RULES}
            for seed in range(draws):
                lon, lat = _draw(walk, named, n, off, seed)
                gx, gy = from_wgs84(lon, lat, "gcj02")
                wrong = to_wgs84(gx, gy, "wgs84")  # GCJ-02 numbers declared wgs84
                for name, rule in RULES.items():
                    fired[name]["wrong"] += _fires(walk, *wrong, rule)
                    fired[name]["right"] += _fires(walk, lon, lat, rule)
            for rule, f in fired.items():
                rows.append(
                    {
                        "rows": n,
                        "offset_m": list(off),
                        "rule": rule,
                        "stops_wrong": f["wrong"] / draws,
                        "stops_right": f["right"] / draws,
                    }
                )
    return {
        "draws": draws,
        "network_edges": len(walk.edge_geom),
        "results": rows,
        "half_beyond_the_streets": _edge(walk, named, draws),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=200)
    args = parser.parse_args()
    if not STREETS.exists():
        raise SystemExit(f"real data not found: {STREETS}")
    out = run(args.draws)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "datum_check.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    lines = [
        "# Wrong-datum check on the real Futian walk network (#12 item 9)",
        "",
        f"{out['draws']} files per line, {out['network_edges']} walk edges; a file is `rows`",
        "stations beside named streets; *wrong*: its GCJ-02 numbers declared wgs84,",
        "*right*: its WGS-84 numbers declared wgs84. `python -m bench.datum_check`.",
        "",
        "| rows | offset (m) | rule | stops wrong files | stops right files |",
        "|---:|---|---|---:|---:|",
    ]
    for r in out["results"]:
        lines.append(
            f"| {r['rows']} | {r['offset_m'][0]:g}–{r['offset_m'][1]:g} | {r['rule']} | "
            f"{r['stops_wrong']:.1%} | {r['stops_right']:.1%} |"
        )
    lines += [
        "",
        "Correct lists (declared wgs84) with half their stations 0.3–1.5 km east of the",
        "streets (a list covering more of the city than the street file):",
        "",
        "| rows | rule | stops right files |",
        "|---:|---|---:|",
    ]
    for r in out["half_beyond_the_streets"]:
        lines.append(f"| {r['rows']} | {r['rule']} | {r['stops_right']:.1%} |")
    (RESULTS / "datum_check.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
