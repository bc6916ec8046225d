"""The megacity generator (``bench/megacity.py``, #18) at a tiny scale, through the real
import path: its PBF, districts and stations import and give the structure asked for."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from bench.megacity import AS_OF, DISTRICTS, MONTHS, generate


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("megacity")
    return out, generate(out, scale=0.002, seed=7)


def test_generator_is_deterministic_by_seed(city, tmp_path) -> None:
    out, meta = city
    again = generate(tmp_path, scale=0.002, seed=7)
    assert (tmp_path / "city.osm.pbf").read_bytes() == (out / "city.osm.pbf").read_bytes()
    assert (tmp_path / "stations.csv").read_text() == (out / "stations.csv").read_text()
    assert again["osm_nodes"] == meta["osm_nodes"]


def test_megacity_imports_with_main_streets_districts_dated_stations(
    city, db, database_url
) -> None:
    from geo.importers import import_districts, import_streets
    from geo.stations.imports import import_stations

    out, meta = city
    streets = import_streets(out / "city.osm.pbf", url=database_url)
    import_districts(
        out / "districts.geojson", name_field="name", key=meta["key_districts"], url=database_url
    )
    stations = import_stations(
        out / "stations.csv", kind="love_station", crs="gcj02", url=database_url
    )
    assert stations.counts["created"] == meta["stations"] >= 6
    assert stations.datum["outcome"] == "fits"

    edges = db.execute("SELECT count(*) AS n FROM walk_edges").fetchone()["n"]
    n = meta["grid_nodes_per_side"]
    assert 2 * n * (n - 1) * 0.95 < edges < 2.4 * n * n  # the grid, its gaps and extras
    main = db.execute(
        "SELECT count(DISTINCT name) AS names, sum(length_m) / 1000 AS km, "
        "bool_and(name IS NOT NULL) AS named FROM streets WHERE is_main"
    ).fetchone()
    assert main["named"] and main["names"] >= 4
    assert main["km"] > 2 * meta["side_km"]
    # the elevated roads and the ring motorway are out of the walk network
    excluded = db.execute(
        "SELECT count(*) AS n FROM streets WHERE excluded_main AND name LIKE '%高架路'"
    ).fetchone()["n"]
    assert excluded >= meta["elevated_roads"]
    assert (
        db.execute(
            "SELECT count(*) AS n FROM streets WHERE highway = 'motorway' AND walkable"
        ).fetchone()["n"]
        == 0
    )
    assert streets.counts["not_walkable_by_reason"].get("motorway", 0) >= 1
    # courtyard loops are pieces of their own, bridges join across the rivers
    assert streets.counts["network_pieces"] > meta["courtyard_loops"]
    assert streets.counts["largest_piece_share"] > 0.9

    districts = db.execute("SELECT name, is_key FROM districts ORDER BY name").fetchall()
    assert sorted(d["name"] for d in districts) == sorted(DISTRICTS)
    assert sorted(d["name"] for d in districts if d["is_key"]) == sorted(meta["key_districts"])

    rows = db.execute("SELECT kind, opened_on, district FROM stations").fetchall()
    assert {r["kind"] for r in rows} <= {"love_station", "mother_baby_room", "worker_bookshop"}
    assert len({r["kind"] for r in rows}) >= 2
    start = AS_OF - dt.timedelta(days=366 * MONTHS // 12)
    assert all(start <= r["opened_on"] <= AS_OF for r in rows)
    assert all(r["district"] in DISTRICTS for r in rows)
    with (out / "stations.csv").open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == len(rows)
