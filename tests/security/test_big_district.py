"""A detailed district (300,000 vertices) with a neighbour sharing its edge (#11 item 6):
every write read every vertex of every district (first a union of them, then a distance
to each). Migration 0006 keeps the districts cut into small indexed pieces, computed once
per district change by triggers: ``district_parts`` (areas, for containment) and
``district_edges`` (uncut runs of their edges, for distances). These tests check that the
pieces follow the districts, that a write reads the pieces and never the districts (only
the name of the one containing a station, by key: #12 item 6), and
that the answers are the districts' own. Speed is not asserted here (no timed tests):
``python -m bench.district_bench`` measures it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import psycopg
import pytest
import shapely
from psycopg import sql
from shapely import affinity

from geo.accounts import User
from geo.db import migrate as mig
from geo.db import network as network_db
from geo.db.connection import connect
from geo.errors import InvalidInput
from geo.stations import edits
from geo.stations.model import parse_station
from tests.helpers.staff import station

CENTRE = (114.0579, 22.5431)

# What the check computed before migration 0006, straight from the districts.
ON_THE_DISTRICTS = (
    "WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS g)"
    " SELECT CASE WHEN bool_or(ST_Intersects(d.geom, p.g)) THEN 0"
    "   ELSE min(ST_Distance(d.geom::geography, p.g::geography)) END AS d"
    " FROM districts d, p"
)


def _wiggly(vertices: int, radius: float = 0.05) -> shapely.Polygon:
    t = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    r = radius * (1 + 0.01 * np.sin(t * 997))  # a wiggly coastline-like edge
    return shapely.Polygon(np.c_[CENTRE[0] + r * np.cos(t), CENTRE[1] + r * np.sin(t)])


def _districts(db, shapes: dict[str, shapely.Polygon]) -> None:
    frame = gpd.GeoDataFrame(
        {"name": list(shapes), "code": [None] * len(shapes), "area_m2": [1.0e7] * len(shapes)},
        geometry=[shapely.MultiPolygon([s]) for s in shapes.values()],
        crs=4326,
    )
    with db.transaction():
        network_db.upsert_districts(db, frame, key_names=[], all_key=False, source="test")


def _detailed_and_frame(vertices: int, pad: float = 0.01) -> dict[str, shapely.Polygon]:
    ring = _wiggly(vertices)
    # Its neighbour shares the whole detailed edge, as real district boundaries do; its
    # outer edges are straight lines 12 km long.
    other = shapely.box(*shapely.bounds(ring.buffer(pad))).difference(ring)
    return {"细节区": ring, "外环区": other}


def _load_detailed_district(db) -> int:
    shapes = _detailed_and_frame(300_000)
    _districts(db, shapes)
    return shapely.get_num_coordinates(shapes["细节区"])


def _pieces(db, name: str) -> dict[str, list]:
    parts = db.execute(
        "SELECT p.id, ST_NPoints(p.geom) AS n FROM district_parts p"
        " JOIN districts d ON d.id = p.district_id WHERE d.name = %s ORDER BY p.id",
        (name,),
    ).fetchall()
    edges = db.execute(
        "SELECT e.id, ST_NPoints(e.geom) AS n FROM district_edges e"
        " JOIN districts d ON d.id = e.district_id WHERE d.name = %s ORDER BY e.id",
        (name,),
    ).fetchall()
    return {"parts": [r["id"] for r in parts], "edges": [r["id"] for r in edges]}


def _cover_their_district(db) -> None:
    """The parts of each district make up its area and its edge runs its boundary."""
    rows = db.execute(
        """SELECT d.name,
                  ST_Area(ST_SymDifference(d.geom, (SELECT ST_Union(p.geom) FROM district_parts p
                                                    WHERE p.district_id = d.id))) AS off,
                  ST_Area(d.geom) AS area,
                  (SELECT max(ST_NPoints(p.geom)) FROM district_parts p
                   WHERE p.district_id = d.id) AS part_max,
                  (SELECT sum(ST_Length(e.geom)) FROM district_edges e
                   WHERE e.district_id = d.id) AS edge_len,
                  ST_Perimeter(d.geom) AS perimeter,
                  (SELECT max(ST_NPoints(e.geom)) FROM district_edges e
                   WHERE e.district_id = d.id) AS edge_max
           FROM districts d"""
    ).fetchall()
    assert rows
    for r in rows:
        assert r["off"] < 1e-9 * r["area"], r["name"]
        assert r["edge_len"] == pytest.approx(r["perimeter"], rel=1e-12), r["name"]
        assert r["part_max"] <= 256 and r["edge_max"] <= 64, r["name"]


def test_the_service_area_check_answers_without_a_union_of_districts(db, client, staff) -> None:
    assert _load_detailed_district(db) >= 300_000
    assert network_db.outside_service_area_m(db, *CENTRE) == 0.0
    # In the neighbour (a frame around the detailed one): inside too.
    assert network_db.outside_service_area_m(db, CENTRE[0] + 0.0555, CENTRE[1]) == 0.0
    assert 18_000 < network_db.outside_service_area_m(db, 114.30, 22.5431) < 19_500
    assert client.post("/api/v1/stations", json=station(), headers=staff).status_code == 201
    far = station(name="远方驿站", lon=114.40, lat=22.5431)
    r = client.post("/api/v1/stations", json=far, headers=staff)
    assert r.status_code == 422 and "km" in r.json()["message_en"]


def test_a_station_write_reads_the_district_pieces_never_the_districts(db, database_url) -> None:
    _districts(db, _detailed_and_frame(5_000))
    user = User(1, "wang.field", "field_staff")
    inside, outside = station(), station(name="远方驿站", lon=114.40, lat=22.5431)
    with connect(database_url) as holder, connect(database_url, autocommit=True) as writer:
        # Nobody may read the districts while this transaction holds them; the writer
        # gives up on a lock at once instead of waiting for it.
        holder.execute("LOCK TABLE districts IN ACCESS EXCLUSIVE MODE")
        writer.execute("SET lock_timeout = '100ms'")
        assert network_db.outside_service_area_m(writer, inside["lon"], inside["lat"]) == 0
        with pytest.raises(InvalidInput) as refused:
            edits.create_station(writer, user, parse_station(outside))
        assert "km outside" in refused.value.en
        plan = "\n".join(
            r["QUERY PLAN"]
            for r in writer.execute(
                "EXPLAIN " + network_db._OUTSIDE, {"lon": 114.40, "lat": 22.5431}
            ).fetchall()
        )
        holder.rollback()
        # The station's district (#12 item 6) is the name of the district whose pieces
        # contain it: the write reads that one row's name, never a district's geometry.
        created = edits.create_station(writer, user, parse_station(inside))
        assert created["review_state"] == "pending_review" and created["district"] == "细节区"
        named = "\n".join(
            r["QUERY PLAN"]
            for r in writer.execute(
                "EXPLAIN VERBOSE " + network_db._DISTRICTS_AT, ([CENTRE[0]], [CENTRE[1]])
            ).fetchall()
        )
    assert "district_parts_geom_gist" in plan and "district_edges_geog_gist" in plan
    # Districts by primary key only, and no function of their geometry (a scan lists every
    # column, but nothing detoasts a geometry that no expression uses).
    assert "district_parts_geom_gist" in named and "districts_pkey" in named, named
    assert "Seq Scan on public.districts" not in named and "(d.geom" not in named, named


def test_the_pieces_follow_district_inserts_updates_and_deletes(db) -> None:
    shapes = _detailed_and_frame(2_000)
    _districts(db, shapes)
    _cover_their_district(db)
    before = {name: _pieces(db, name) for name in shapes}
    assert all(len(p["parts"]) > 1 and len(p["edges"]) > 1 for p in before.values())

    _districts(db, shapes)  # the same file again: the pieces are kept
    assert {name: _pieces(db, name) for name in shapes} == before

    moved = {"细节区": affinity.translate(shapes["细节区"], xoff=0.5)}
    _districts(db, moved)  # a new boundary: its pieces are recomputed, the other's kept
    after = _pieces(db, "细节区")
    assert not set(after["parts"]) & set(before["细节区"]["parts"])
    assert not set(after["edges"]) & set(before["细节区"]["edges"])
    assert _pieces(db, "外环区") == before["外环区"]
    _cover_their_district(db)
    assert network_db.outside_service_area_m(db, CENTRE[0] + 0.5, CENTRE[1]) == 0.0
    assert network_db.outside_service_area_m(db, *CENTRE) > 4_000  # the frame's hole now

    with db.transaction():
        db.execute("DELETE FROM districts WHERE name = '外环区'")
    assert _pieces(db, "外环区") == {"parts": [], "edges": []}
    counts = db.execute(
        "SELECT (SELECT count(*) FROM district_parts) AS p, (SELECT count(*) FROM district_edges)"
        " AS e"
    ).fetchone()
    assert (counts["p"], counts["e"]) == (len(after["parts"]), len(after["edges"]))

    with pytest.raises(RuntimeError), db.transaction():  # a load that fails half-way
        _districts(db, {"外环区": shapes["外环区"]})
        raise RuntimeError
    assert _pieces(db, "外环区") == {"parts": [], "edges": []}


def test_the_check_answers_as_on_the_districts_also_along_long_edges(db) -> None:
    # Straight edges 12 km long (the frame's): a piece cut from one would bend its
    # geodesic by a metre; the edge runs keep them whole.
    shapes = _detailed_and_frame(5_000)
    _districts(db, shapes)
    rng = np.random.default_rng(6)
    edge = shapely.get_coordinates(shapely.get_exterior_ring(shapes["外环区"]))
    along = edge[0] + rng.uniform(0, 1, (60, 1)) * (edge[1] - edge[0])
    points = np.r_[
        rng.uniform([113.9, 22.4], [114.25, 22.7], (60, 2)),
        along + rng.normal(0, 0.001, (60, 2)),
        shapely.get_coordinates(_wiggly(5_000))[rng.integers(0, 5_000, 30)]
        + rng.normal(0, 0.0005, (30, 2)),
    ]
    outside = 0
    for lon, lat in points.tolist():
        expected = db.execute(ON_THE_DISTRICTS, (lon, lat)).fetchone()["d"]
        assert network_db.outside_service_area_m(db, lon, lat) == expected, (lon, lat)
        outside += expected > 0
    assert outside > 50
    # Just north of the frame's straight northern edge: outside its lon/lat line but
    # inside its geodesic, which bulges a metre north there; as geography the district
    # holds these points.
    x0, _, x1, y1 = shapes["外环区"].bounds
    for north_m in (0.2, 0.6, 1.0):
        lon, lat = (x0 + x1) / 2, y1 + north_m / 110_600
        assert not shapes["外环区"].intersects(shapely.Point(lon, lat))
        assert db.execute(ON_THE_DISTRICTS, (lon, lat)).fetchone()["d"] == 0
        assert network_db.outside_service_area_m(db, lon, lat) == 0
    # With the detailed district gone its neighbour's hole is empty: from the middle
    # every edge run is nearly as far, and every one within reach is read.
    with db.transaction():
        db.execute("DELETE FROM districts WHERE name = '细节区'")
    hole = db.execute(ON_THE_DISTRICTS, CENTRE).fetchone()["d"]
    assert hole > 4_000 and network_db.outside_service_area_m(db, *CENTRE) == hole


def test_the_staff_page_centre_is_the_districts_representative_point(db) -> None:
    _districts(db, _detailed_and_frame(5_000))
    point = network_db.service_area(db).representative_point()
    assert network_db.service_centre(db) == pytest.approx((point.x, point.y), abs=1e-12)


def test_migration_0006_cuts_the_districts_loaded_before_it(database_url, monkeypatch) -> None:
    dbname = "yizhan_district_parts_probe"
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    try:
        url = database_url.rsplit("/", 1)[0] + "/" + dbname
        every = mig.available()
        monkeypatch.setattr(mig, "available", lambda: [m for m in every if m.version < 6])
        with connect(url) as conn:
            mig.migrate(conn)
            _districts(conn, _detailed_and_frame(2_000))
            conn.commit()
        monkeypatch.setattr(mig, "available", lambda: every)
        with connect(url) as conn:
            assert 6 in [m.version for m in mig.migrate(conn)]
            _cover_their_district(conn)
            assert network_db.outside_service_area_m(conn, *CENTRE) == 0.0
            far = conn.execute(ON_THE_DISTRICTS, (114.30, 22.5431)).fetchone()["d"]
            assert network_db.outside_service_area_m(conn, 114.30, 22.5431) == far
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))


def test_station_imports_measure_rows_from_edge_runs_as_from_the_whole_area() -> None:
    from geo.crs import utm_epsg
    from geo.io import stations as reader

    shapes = _detailed_and_frame(5_000)
    area = shapely.GeometryCollection([shapely.MultiPolygon([s]) for s in shapes.values()])
    rng = np.random.default_rng(8)
    edge = shapely.get_coordinates(shapely.get_exterior_ring(shapes["外环区"]))
    points = np.r_[
        rng.uniform([113.9, 22.4], [114.25, 22.7], (300, 2)),
        edge[0] + rng.uniform(0, 1, (100, 1)) * (edge[1] - edge[0]) + rng.normal(0, 1e-4, (100, 2)),
    ]
    got = reader._outside_m(points[:, 0], points[:, 1], area)
    # What the import computed before: the distance to the whole area, in its UTM zone.
    centre = area.representative_point()
    epsg = utm_epsg(centre.x, centre.y)
    whole = gpd.GeoSeries([area], crs=4326).to_crs(epsg).iloc[0]
    expected = gpd.GeoSeries(gpd.points_from_xy(*points.T), crs=4326).to_crs(epsg).distance(whole)
    assert (got == expected.to_numpy()).all() and (got > 0).sum() > 150
    runs = reader._edge_runs(reader._polygons(whole))
    assert shapely.get_num_coordinates(runs).max() <= 64
    rings = shapely.get_rings(reader._polygons(whole))
    assert shapely.length(runs).sum() == pytest.approx(shapely.length(rings).sum(), rel=1e-12)
