"""#12 item 1: a walk network in pieces is reported, not accepted without a word: the
number of pieces, the share of the length in the largest, and the public stations on
pieces shorter than ``YIZHAN_WALK_SMALL_PIECE_M`` with their piece's length, in the import
report (and its log), ``yizhan db status`` and ``/api/v1/summary``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from geo.importers import import_streets
from geo.measure import geodesic_lengths
from geo.settings import LookupSettings
from geo.stations.reach import network_health
from tests.helpers.cli import yizhan
from tests.helpers.nearest_city import add_station, ll

# metres east/north of 114.05 E, 22.54 N: a cross of 2 km + 1 km, and 300 m north-east of
# it a footway of 100 m that touches nothing
CROSS = [[(-1000, 0), (1000, 0)], [(0, -500), (0, 500)]]
ISLAND = [(300, 300), (400, 300)]


def _metres(points) -> float:
    return float(geodesic_lengths([shapely.LineString([ll(*p) for p in points])])[0])


def _write(path: Path, island: bool = True) -> Path:
    lines = [(CROSS[0], "primary"), (CROSS[1], "residential")]
    if island:
        lines.append((ISLAND, "footway"))
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"highway": hw},
                "geometry": {"type": "LineString", "coordinates": [ll(*p) for p in pts]},
            }
            for pts, hw in lines
        ],
    }
    path.write_text(json.dumps(fc), encoding="utf-8")
    return path


@pytest.fixture
def stations(db) -> dict[str, int]:
    return {
        "island": add_station(db, "孤岛驿站", 350, 310),
        "main": add_station(db, "大道驿站", -800, 10),
        "closed": add_station(db, "已关驿站", 360, 290, status="closed"),
    }


def _share() -> float:
    main = _metres(CROSS[0]) + _metres(CROSS[1])
    return main / (main + _metres(ISLAND))


def test_import_reports_pieces_and_stations_on_small_pieces(db, tmp_path, stations) -> None:
    report = import_streets(_write(tmp_path / "s.geojson"))
    assert report.counts["network_pieces"] == 2
    assert report.counts["largest_piece_share"] == pytest.approx(_share(), abs=1e-4)
    assert report.counts["stations_on_small_pieces"] == 1
    assert any("孤岛驿站" in n and "100 m" in n for n in report.notes)
    log = db.execute("SELECT counts FROM import_log WHERE what = 'streets'").fetchone()
    assert log["counts"]["network_pieces"] == 2
    (listed,) = log["counts"]["small_piece_stations"]
    assert listed["id"] == stations["island"]
    assert listed["piece_m"] == pytest.approx(_metres(ISLAND), abs=0.1)


def test_connected_network_is_one_piece_with_nobody_on_a_small_one(db, tmp_path, stations):
    report = import_streets(_write(tmp_path / "s.geojson", island=False))
    assert report.counts["network_pieces"] == 1
    assert report.counts["largest_piece_share"] == 1.0
    assert report.counts["stations_on_small_pieces"] == 0


def test_small_piece_threshold_is_a_setting(db, tmp_path, stations) -> None:
    import_streets(_write(tmp_path / "s.geojson"))
    health = network_health(db, LookupSettings(walk_small_piece_m=50))
    assert health is not None and health["stations_on_small_pieces"] == []
    health = network_health(db, LookupSettings(walk_small_piece_m=100_000))
    assert [s["id"] for s in health["stations_on_small_pieces"]] == [
        stations["island"],
        stations["main"],
    ]


def test_summary_shows_the_pieces(client, db, tmp_path, stations) -> None:
    assert client.get("/api/v1/summary").json()["walk_network_pieces"] is None
    import_streets(_write(tmp_path / "s.geojson"))
    body = client.get("/api/v1/summary").json()["walk_network_pieces"]
    assert body["pieces"] == 2
    assert body["largest_piece_share"] == pytest.approx(_share(), abs=1e-4)
    assert body["small_piece_m"] == 1000
    assert body["stations_on_small_pieces"] == [
        {
            "id": stations["island"],
            "name": "孤岛驿站",
            "kind": "love_station",
            "piece_m": pytest.approx(_metres(ISLAND), abs=0.1),
        }
    ]
    assert client.get("/summary").status_code == 200


def test_db_status_shows_the_pieces(db, database_url, tmp_path, stations) -> None:
    import_streets(_write(tmp_path / "s.geojson"))
    out = yizhan("db", "status", url=database_url)
    assert out.returncode == 0, out.stderr
    assert "步行路网共 2 块" in out.stdout
    assert f"{_share():.1%}" in out.stdout
    assert f"#{stations['island']} 孤岛驿站：100 m" in out.stdout
    assert "stations on pieces under 1000 m: 1" in out.stdout
