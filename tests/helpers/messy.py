"""A messy little city with every problem of issue #12 in one set of files, as real
exports give them: a street file (WGS-84, no u/v, so lines are noded where they cross)
with a way written twice and a footway doubling back, an elevated expressway and a
tunnel crossing the grid without shared vertices, a motorway, a footbridge and a footway
island; a districts file; and a station list in GCJ-02 (as Amap hands it out) with
address-only rows, a station set back 100 m from every street and one on the island."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from geo.crs import wgs84_to_gcj02

LON0, LAT0 = 121.4600, 31.2150  # 静安, Shanghai
DX, DY = 0.0021, 0.0018  # about 200 m each way
EAST_WEST = [
    "长乐路",
    "巨鹿路",
    "延庆路",
    "新乐路",
    "复兴中路",
    "永嘉路",
    "建国西路",
    "嘉善路",
    "肇嘉浜路",
    "零陵路",
]
NORTH_SOUTH = [
    "陕西南路",
    "富民路",
    "常熟路",
    "乌鲁木齐中路",
    "华山路",
    "淮海中路",
    "襄阳南路",
    "岳阳路",
    "东湖路",
    "宝庆路",
]
N = len(EAST_WEST)  # a 10 x 10 grid, 1.8 km each way
ISLAND_LON = LON0 + (N - 1) * DX + 0.0016  # 150 m east of the grid


@dataclass(frozen=True)
class MessyCity:
    streets: Path
    districts: Path
    stations: Path  # GCJ-02, columns lng/lat


def xy(i: float, j: float) -> tuple[float, float]:
    """The WGS-84 position of grid point (i, j): junctions at whole numbers."""
    return (round(LON0 + i * DX, 7), round(LAT0 + j * DY, 7))


def _line(coords, **props) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
    }


def streets() -> list[dict]:
    feats = [
        _line([xy(i, j) for i in range(N)], highway="primary" if j == 0 else "residential", name=n)
        for j, n in enumerate(EAST_WEST)
    ]
    feats += [
        _line(
            [xy(i, j) for j in range(N)], highway="secondary" if i == 0 else "residential", name=n
        )
        for i, n in enumerate(NORTH_SOUTH)
    ]
    a, b = xy(1, 1), xy(1.5, 1.5)
    feats += [
        _line([xy(i, 0) for i in range(N)], highway="primary", name="长乐路"),  # twice
        _line([a, b, a], highway="footway"),  # doubling back A-B-A
        # elevated, between rows 2 and 3, crossing every north-south street, no vertex
        _line(
            [xy(-0.5, 2.5), xy(N - 0.5, 2.5)],
            highway="trunk",
            name="延安高架路",
            bridge="yes",
            layer="1",
        ),
        _line(
            [xy(-0.5, 3.5), xy(N - 0.5, 3.5)],
            highway="primary",
            name="人民路隧道",
            tunnel="yes",
            layer="-1",
        ),
        _line([xy(-0.5, -0.4), xy(N - 0.5, -0.4)], highway="motorway", name="S20外环高速"),
        _line([xy(2, 0.5), xy(2.5, 1.5)], highway="footway", name="天桥", bridge="yes", layer="1"),
        _line(
            [
                (ISLAND_LON, LAT0 + DY),
                (ISLAND_LON + 0.0008, LAT0 + DY),
                (ISLAND_LON + 0.0008, LAT0 + DY + 0.0006),
                (ISLAND_LON, LAT0 + DY),
            ],
            highway="footway",
            name="绿地步道",
        ),
    ]
    return feats


#: Stations with a position: name, address, true WGS-84 position.
PLACED = [
    ("长乐路驿站", "长乐路100号", xy(0.5, 0)),
    ("巨鹿路驿站", "巨鹿路200号", xy(2, 1)),
    ("延庆路驿站", "延庆路50号", xy(3.3, 2)),
    ("小区深处驿站", "常熟路街坊内", xy(3.5, 0.5)),  # 100 m from every street
    ("绿地驿站", "绿地内", (ISLAND_LON + 0.0004, LAT0 + DY)),  # on the island
    ("华山路驿站", "华山路1号", xy(4, 3.2)),
    # on the streets (5 m off their line), all over the grid
    *[
        (f"{EAST_WEST[j]}{i}号驿站", f"{EAST_WEST[j]}{i * 10}号", xy(i + 0.4, j + 0.025))
        for i, j in ((5, 5), (6, 7), (2, 6), (7, 4), (3, 8), (8, 1), (1, 7), (6, 2))
    ],
]
ADDRESS_ONLY = [
    ("新乐路驿站", "上海市静安区新乐路88号"),
    ("常熟路驿站", "上海市徐汇区常熟路10号"),
    ("乌中路驿站", "乌鲁木齐中路20号"),
]


def write(folder: Path) -> MessyCity:
    """Write the three files into ``folder``."""
    city = MessyCity(
        folder / "streets.geojson", folder / "districts.geojson", folder / "stations-gcj02.csv"
    )
    fc = {"type": "FeatureCollection", "features": streets()}
    city.streets.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    ring = [xy(-1, -1), xy(N + 0.5, -1), xy(N + 0.5, N), xy(-1, N), xy(-1, -1)]
    district = {
        "type": "Feature",
        "properties": {"name": "静安区"},
        "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
    }
    city.districts.write_text(
        json.dumps({"type": "FeatureCollection", "features": [district]}, ensure_ascii=False),
        encoding="utf-8",
    )
    with city.stations.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "address", "district", "lng", "lat", "services", "opened_on"])
        for name, address, (lon, lat) in PLACED:
            glon, glat = wgs84_to_gcj02(lon, lat)
            w.writerow(
                [
                    name,
                    address,
                    "静安区",
                    f"{float(glon):.6f}",
                    f"{float(glat):.6f}",
                    "drinking_water;rest_seats",
                    "2025-06-01",
                ]
            )
        for name, address in ADDRESS_ONLY:
            w.writerow([name, address, "静安区", "", "", "drinking_water", "2025-06-01"])
    return city
