"""A synthetic megacity (#18 item 1), written as the files a city brings to Yizhan.

At ``--scale 1`` the city is the size of Shanghai's or Chengdu's built-up core: about
1,000,000 walk edges after ``yizhan import streets``, about 5,000 km of named main streets,
16 districts (the four central ones key districts) and 3,000 stations of the three kinds
opened over the 24 months up to :data:`AS_OF`. ``--scale S`` multiplies the number of
edges, the main-street length and the stations by ``S`` (the city's side by sqrt(S)).

What is written to ``--out`` (default ``bench/.megacity/scale-S``, gitignored):

* ``city.osm.pbf``: the streets, with pyosmium's ``SimpleWriter``, so they go through the
  same ``yizhan import streets`` path as a real extract. A jittered grid of 100 m blocks
  (residential, living streets, service roads and footways in runs of 5 to 20 blocks) on a
  smooth warp (streets curve), arterials every 800 m (every 9 of them: two primary, two
  secondary, five tertiary; named), two rivers crossed by local streets only where an
  arterial bridges them (``bridge=yes``, ``layer=1``), a railway crossed only every 1 km
  (underpasses, ``tunnel=yes``), disconnected courtyard footway loops inside 4 % of the
  blocks, dead-end service spurs, and elevated roads the import must leave out of the walk
  network (``trunk`` + ``bridge`` named …高架路 with their own nodes, a ring motorway).
* ``districts.geojson``: 16 districts (``name``), 4 × 4 around a denser centre.
* ``stations.csv``: the stations in GCJ-02 (import with ``--crs gcj02``), each with a
  ``kind``, an ``opened_on`` date (what the as-of logic and the trend read) and ``status``
  ``open``, 5–30 m beside a street, denser towards the centre.
* ``meta.json``: the seed, scale, counts and the commands that import the city.

Deterministic for a seed and scale. Usage:
``python -m bench.megacity --out DIR [--scale S] [--seed N]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geo.crs import wgs84_to_gcj02

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / "bench" / ".megacity"
CENTRE = (104.066, 30.657)  # lon, lat: the synthetic city lies where Chengdu does
BLOCK_M = 100.0
ARTERIAL_EVERY = 8  # blocks: an arterial every 800 m
FULL_SIDE_NODES = 677  # nodes per side at scale 1: about 1,000,000 walk edges
STATIONS_AT_1 = 3000
AS_OF = dt.date(2026, 10, 31)
MONTHS = 24
KINDS = (("love_station", 0.5), ("mother_baby_room", 0.3), ("worker_bookshop", 0.2))
DISTRICTS = (
    "锦城", "青川", "金沙", "武乡", "华阳", "龙泉", "青白", "新桂",
    "温泉", "双流", "郫城", "新津", "都堰", "彭门", "邛山", "崇阳",
)  # fmt: skip
WORDS = (
    "锦江", "人民", "天府", "蜀都", "青龙", "红星", "建设", "光华", "永丰", "科华",
    "芳草", "玉林", "桐梓", "浆洗", "文殊", "抚琴", "营门", "沙湾", "府河", "望江",
    "九眼", "东风", "解放", "太升", "顺城", "草堂", "金牛", "驷马", "北星", "新华",
)  # fmt: skip
NUMBERS = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九")
LOCAL_CLASSES = ("residential", "living_street", "service", "footway", "unclassified")
LOCAL_WEIGHTS = (0.45, 0.1, 0.2, 0.15, 0.1)


@dataclass
class City:
    """The generated city in memory (metres in a local frame, then lon/lat)."""

    n: int
    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)  # id -> (x, y) m
    ways: list[tuple[list[int], dict[str, str]]] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)


def side_nodes(scale: float) -> int:
    """Grid nodes per side for a scale (at least 12)."""
    return max(12, round(FULL_SIDE_NODES * math.sqrt(scale)))


def to_lon_lat(x: np.ndarray, y: np.ndarray, side_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Local metres (origin at the south-west corner) to WGS-84 around :data:`CENTRE`."""
    lat0 = math.radians(CENTRE[1])
    lon = CENTRE[0] + (x - side_m / 2) / (111_320.0 * math.cos(lat0))
    lat = CENTRE[1] + (y - side_m / 2) / 110_574.0
    return lon, lat


def _arterial_tags(k: int, vertical: bool) -> dict[str, str]:
    cls = {0: "primary", 4: "primary", 2: "secondary", 6: "secondary"}.get(k % 9, "tertiary")
    word = WORDS[k % len(WORDS)] + NUMBERS[(k // len(WORDS)) % len(NUMBERS)]
    suffix = "大道" if cls == "primary" else ("路" if vertical else "街")
    return {"highway": cls, "name": f"{word}{'南北' if vertical else '东西'}{suffix}"}


def _grid(city: City, rng: np.random.Generator) -> np.ndarray:
    """The grid nodes: jittered, on a smooth warp so that streets curve."""
    n = city.n
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x = i * BLOCK_M + rng.uniform(-12, 12, i.shape)
    y = j * BLOCK_M + rng.uniform(-12, 12, j.shape)
    x = x + 120 * np.sin(2 * np.pi * y / 9000.0)
    y = y + 120 * np.sin(2 * np.pi * x / 11000.0)
    for a in range(n):
        for b in range(n):
            city.nodes[1 + a * n + b] = (float(x[a, b]), float(y[a, b]))
    return np.stack([x, y], axis=-1)


def _line_ways(
    city: City,
    rng: np.random.Generator,
    ids: list[int],
    cut: set[int],
    special: dict[int, dict[str, str]],
    arterial: dict[str, str] | None,
) -> None:
    """Ways along one grid line of node ``ids``: ``cut`` edges (by index) are left out
    (river, railway), ``special`` edges become ways of their own (bridges, underpasses)."""
    run: list[int] = [ids[0]]
    tags = arterial or _local_tags(rng)
    left = 0 if arterial else int(rng.integers(5, 21))

    def flush() -> None:
        if len(run) >= 2:
            city.ways.append((list(run), dict(tags)))

    for e in range(len(ids) - 1):
        if e in cut:
            flush()
            run[:] = [ids[e + 1]]
            continue
        if e in special:
            flush()
            city.ways.append(([ids[e], ids[e + 1]], {**tags, **special[e]}))
            run[:] = [ids[e + 1]]
            continue
        run.append(ids[e + 1])
        if not arterial:
            left -= 1
            if left == 0:
                flush()
                run[:] = [ids[e + 1]]
                tags = _local_tags(rng)
                left = int(rng.integers(5, 21))
    flush()


def _local_tags(rng: np.random.Generator) -> dict[str, str]:
    cls = str(rng.choice(LOCAL_CLASSES, p=LOCAL_WEIGHTS))
    tags = {"highway": cls}
    if cls in ("residential", "living_street") and rng.random() < 0.7:
        tags["name"] = f"{WORDS[int(rng.integers(len(WORDS)))]}{int(rng.integers(1, 40))}巷"
    return tags


def _streets(city: City, rng: np.random.Generator) -> None:
    """Grid lines with rivers, a railway, bridges and underpasses."""
    n = city.n
    rivers = sorted({max(2, n // 3), min(n - 3, (2 * n) // 3 + 1)})  # river between j and j+1
    rail = n // 2 + 3  # railway between i and i+1 (when on the grid)
    bridge = {"bridge": "yes", "layer": "1"}
    tunnel = {"tunnel": "yes", "layer": "-1"}
    for i in range(n):  # lines of constant i, running north (edges j -> j+1)
        ids = [1 + i * n + j for j in range(n)]
        arterial = _arterial_tags(i // ARTERIAL_EVERY, True) if i % ARTERIAL_EVERY == 0 else None
        cut = set() if arterial else set(rivers)
        special = {r: bridge for r in rivers} if arterial else {}
        _line_ways(city, rng, ids, cut, special, arterial)
    for j in range(n):  # lines of constant j, running east (edges i -> i+1)
        ids = [1 + i * n + j for i in range(n)]
        arterial = _arterial_tags(j // ARTERIAL_EVERY, False) if j % ARTERIAL_EVERY == 0 else None
        crosses = j % 10 == 5 or arterial is not None  # an underpass every 1 km
        cut = set() if crosses or rail >= n - 1 else {rail}
        special = {rail: tunnel} if crosses and rail < n - 1 else {}
        _line_ways(city, rng, ids, cut, special, arterial)
    city.counts["rivers"] = len(rivers)
    city.counts["railway"] = 1


def _extras(city: City, rng: np.random.Generator, grid: np.ndarray) -> None:
    """Courtyard loops, service spurs, elevated roads and a ring motorway."""
    n = city.n
    next_id = n * n + 1
    loops = spurs = 0
    for a in range(n - 1):
        for b in range(n - 1):
            r = rng.random()
            x0, y0 = grid[a, b]
            if r < 0.04:  # a courtyard path loop, 25 m inside the block, joined to nothing
                pts = [
                    (x0 + 25, y0 + 25),
                    (x0 + 75, y0 + 25),
                    (x0 + 75, y0 + 75),
                    (x0 + 25, y0 + 75),
                ]
                ids = list(range(next_id, next_id + 4))
                next_id += 4
                city.nodes.update(zip(ids, pts, strict=True))
                city.ways.append((ids[:3], {"highway": "footway"}))
                city.ways.append(([ids[2], ids[3], ids[0]], {"highway": "footway"}))
                loops += 1
            elif r < 0.14:  # a dead-end service spur into the block
                city.nodes[next_id] = (x0 + 35, y0 + 30)
                city.ways.append(([1 + a * n + b, next_id], {"highway": "service"}))
                next_id += 1
                spurs += 1
    side = (n - 1) * BLOCK_M
    elevated = 0
    for k, frac in enumerate((0.3, 0.55, 0.8)):  # east-west viaducts between grid rows
        y = (round(frac * (n - 1)) + 0.5) * BLOCK_M
        xs = np.arange(0.0, side + 1, 200.0)
        ids = list(range(next_id, next_id + len(xs)))
        next_id += len(xs)
        city.nodes.update(
            (nid, (float(x), y + 120 * math.sin(2 * math.pi * x / 11000.0)))
            for nid, x in zip(ids, xs, strict=True)
        )
        name = f"{WORDS[(7 * k + 3) % len(WORDS)]}高架路"
        city.ways.append((ids, {"highway": "trunk", "bridge": "yes", "layer": "1", "name": name}))
        elevated += 1
    ring = [(-300.0, -300.0), (side + 300, -300.0), (side + 300, side + 300), (-300.0, side + 300)]
    ids = list(range(next_id, next_id + 4))
    next_id += 4
    city.nodes.update(zip(ids, ring, strict=True))
    city.ways.append((ids + [ids[0]], {"highway": "motorway", "name": "绕城高速"}))
    city.counts.update(courtyard_loops=loops, service_spurs=spurs, elevated_roads=elevated)


def build(scale: float, seed: int) -> City:
    """The streets of the city for a scale and seed."""
    rng = np.random.default_rng(seed)
    city = City(n=side_nodes(scale))
    grid = _grid(city, rng)
    _streets(city, rng)
    _extras(city, rng, grid)
    city.counts["grid_nodes_per_side"] = city.n
    city.counts["side_km"] = round((city.n - 1) * BLOCK_M / 1000.0, 2)
    return city


def write_pbf(city: City, path: Path) -> None:
    """The nodes (sorted by id) then the ways, with pyosmium."""
    import osmium

    side = (city.n - 1) * BLOCK_M
    ids = np.array(sorted(city.nodes), dtype=np.int64)
    xy = np.array([city.nodes[int(i)] for i in ids])
    lon, lat = to_lon_lat(xy[:, 0], xy[:, 1], side)
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    try:
        for nid, x, y in zip(ids.tolist(), lon.tolist(), lat.tolist(), strict=True):
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=(x, y), version=1))
        for wid, (refs, tags) in enumerate(city.ways, start=1):
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    finally:
        writer.close()


def write_districts(city: City, path: Path) -> list[str]:
    """16 districts, 4 × 4 with a denser centre, a little larger than the grid."""
    side = (city.n - 1) * BLOCK_M
    edges = np.array([-600.0, 0.33 * side, 0.5 * side, 0.67 * side, side + 600.0])
    features = []
    for a in range(4):
        for b in range(4):
            x0, x1 = edges[a], edges[a + 1]
            y0, y1 = edges[b], edges[b + 1]
            lon, lat = to_lon_lat(
                np.array([x0, x1, x1, x0, x0]), np.array([y0, y0, y1, y1, y0]), side
            )
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": DISTRICTS[4 * a + b], "code": f"5101{4 * a + b:02d}"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [
                            [[round(x, 7), round(y, 7)] for x, y in zip(lon, lat, strict=True)]
                        ],
                    },
                }
            )
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    )
    return [DISTRICTS[4 * a + b] for a in (1, 2) for b in (1, 2)]


def write_stations(
    city: City, rng: np.random.Generator, n_stations: int, path: Path
) -> dict[str, int]:
    """Stations beside the grid streets, opened over :data:`MONTHS` months up to
    :data:`AS_OF`, in GCJ-02."""
    n = city.n
    side = (n - 1) * BLOCK_M
    central = rng.random(n_stations) < 0.6
    a = np.where(central, rng.normal(n / 2, n / 6, n_stations), rng.uniform(0, n - 1, n_stations))
    b = np.where(central, rng.normal(n / 2, n / 6, n_stations), rng.uniform(0, n - 1, n_stations))
    a = np.clip(np.rint(a), 0, n - 1).astype(int)
    b = np.clip(np.rint(b), 0, n - 1).astype(int)
    xy = np.array([city.nodes[1 + int(i) * n + int(j)] for i, j in zip(a, b, strict=True)])
    angle = rng.uniform(0, 2 * np.pi, n_stations)
    offset = rng.uniform(5, 30, n_stations)
    # half way along a block from the corner, set back 5-30 m: beside a street, not on a node
    along = rng.uniform(20, 50, n_stations)
    x = xy[:, 0] + along * np.cos(angle) + offset * np.sin(angle)
    y = xy[:, 1] + along * np.sin(angle) - offset * np.cos(angle)
    lon, lat = to_lon_lat(x, y, side)
    glon, glat = wgs84_to_gcj02(lon, lat)
    kinds = rng.choice([k for k, _ in KINDS], size=n_stations, p=[w for _, w in KINDS])
    start = dt.date(AS_OF.year - MONTHS // 12, AS_OF.month, AS_OF.day) + dt.timedelta(days=1)
    days = (AS_OF - start).days
    # more stations opened recently: the programme speeds up
    opened = [start + dt.timedelta(days=int(d)) for d in np.sqrt(rng.random(n_stations)) * days]
    hours = ("24/7", "Mo-Fr 08:00-18:00", "Mo-Su 09:00-21:00")
    services = ("drinking_water;toilet", "drinking_water;rest_seats", "hot_water;heating;cooling")
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "address", "kind", "lng", "lat", "opened_on", "status",
                    "opening_hours", "services", "source"])  # fmt: skip
        for k in range(n_stations):
            w.writerow(
                [
                    f"MEGA{k:06d}",
                    f"示例驿站 {k + 1}",
                    f"示例市 {WORDS[k % len(WORDS)]}路 {k % 997 + 1} 号",
                    kinds[k],
                    f"{glon[k]:.7f}",
                    f"{glat[k]:.7f}",
                    opened[k].isoformat(),
                    "open",
                    hours[k % 3],
                    services[k % 3],
                    "megacity",
                ]
            )
    return {str(k): int((kinds == k).sum()) for k, _ in KINDS}


def generate(out: Path, scale: float = 1.0, seed: int = 18) -> dict[str, Any]:
    """Write the city's files into ``out``; return its metadata (also ``meta.json``)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 1)
    city = build(scale, seed)
    write_pbf(city, out / "city.osm.pbf")
    key = write_districts(city, out / "districts.geojson")
    n_stations = max(6, round(STATIONS_AT_1 * scale))
    by_kind = write_stations(city, rng, n_stations, out / "stations.csv")
    meta = {
        "scale": scale,
        "seed": seed,
        "as_of": AS_OF.isoformat(),
        "months": MONTHS,
        "osm_nodes": len(city.nodes),
        "osm_ways": len(city.ways),
        "stations": n_stations,
        "stations_by_kind": by_kind,
        "districts": list(DISTRICTS),
        "key_districts": key,
        **city.counts,
        "commands": [
            f"yizhan import streets {out / 'city.osm.pbf'}",
            f"yizhan import districts {out / 'districts.geojson'} --name-field name "
            f"--code-field code --key {','.join(key)}",
            f"yizhan import stations {out / 'stations.csv'} --kind love_station --crs gcj02",
        ],
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    return meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=18)
    a = ap.parse_args()
    out = a.out or DEFAULT_DIR / f"scale-{a.scale:g}"
    meta = generate(out, a.scale, a.seed)
    print(
        json.dumps(
            {k: v for k, v in meta.items() if k != "districts"}, ensure_ascii=False, indent=1
        )
    )


if __name__ == "__main__":
    main()
