"""Imports into the real PostGIS: what is stored, and that bad input stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo import crs
from geo.errors import InvalidFile, InvalidInput
from geo.importers import import_districts, import_streets
from geo.stations.imports import import_stations


def _write_streets(path: Path, offset: float = 0.0) -> Path:
    """A tiny grid: two crossing main roads and a footway, plus a motorway."""

    def line(coords, **props):
        return {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "LineString", "coordinates": coords},
        }

    x, y = 114.02 + offset, 22.54
    fc = {
        "type": "FeatureCollection",
        "features": [
            line([[x - 0.005, y], [x + 0.005, y]], highway="primary", name="测试大道"),
            line(
                [[x, y - 0.005], [x, y + 0.005]],
                highway="['secondary', 'tertiary']",
                name="['测试路', '测试东路']",
            ),
            line([[x + 0.005, y], [x + 0.005, y + 0.005]], highway="footway", name=None),
            line(
                [[x + 0.001, y - 0.004], [x + 0.005, y - 0.004]],
                highway="motorway",
                name="测试高速",
            ),
        ],
    }
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return path


def _write_districts(path: Path) -> Path:
    x, y = 114.02, 22.54

    def box(a, b, c, d):
        return {"type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]]}

    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"qh": "东区"},
                "geometry": box(x, y - 0.01, x + 0.01, y + 0.01),
            },
            {
                "type": "Feature",
                "properties": {"qh": "西区"},
                "geometry": box(x - 0.01, y - 0.01, x, y + 0.01),
            },
        ],
    }
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return path


def test_street_import_stores_streets_and_noded_walk_network(db, tmp_path) -> None:
    report = import_streets(_write_streets(tmp_path / "s.geojson"))
    counts = db.execute(
        "SELECT (SELECT count(*) FROM streets) s, (SELECT count(*) FROM streets WHERE is_main) m,"
        " (SELECT count(*) FROM walk_edges) e, (SELECT count(*) FROM walk_nodes) n"
    ).fetchone()
    # the two main roads cross: each is split in two at the crossing; the footway touches
    # the end of the primary. The motorway is a street but not walkable.
    assert counts["m"] == 4
    assert counts["e"] == counts["s"] - 1
    assert report.counts["main_streets"] == 4
    names = db.execute(
        "SELECT DISTINCT name, names FROM streets WHERE is_main ORDER BY name"
    ).fetchall()
    assert {"name": "测试路", "names": ["测试路", "测试东路"]} in names
    # lengths are geodesic metres: the primary is ~1,028 m at this latitude
    total = db.execute("SELECT sum(length_m) AS m FROM streets WHERE name = '测试大道'").fetchone()
    assert total["m"] == pytest.approx(1028.5, rel=0.01)
    log = db.execute("SELECT what, counts FROM import_log").fetchall()
    assert log[0]["what"] == "streets"


def test_street_import_replaces_and_bad_file_keeps_what_was_stored(db, tmp_path) -> None:
    import_streets(_write_streets(tmp_path / "s.geojson"))
    before = db.execute("SELECT count(*) AS n FROM streets").fetchone()["n"]
    bad = tmp_path / "bad.geojson"
    bad.write_text("this is not geojson", encoding="utf-8")
    with pytest.raises(InvalidFile):
        import_streets(bad)
    assert db.execute("SELECT count(*) AS n FROM streets").fetchone()["n"] == before
    import_streets(_write_streets(tmp_path / "s2.geojson", offset=0.1))
    assert db.execute("SELECT count(*) AS n FROM streets").fetchone()["n"] == before
    assert (
        db.execute("SELECT min(ST_X(ST_StartPoint(geom))) AS x FROM streets").fetchone()["x"]
        > 114.1
    )


def test_district_import_marks_key_districts_and_updates_by_name(db, tmp_path) -> None:
    path = _write_districts(tmp_path / "d.geojson")
    report = import_districts(path, name_field="qh", key=["东区"])
    assert report.counts == {"created": 2, "updated": 0, "key": 1, "stations_reassigned": 0}
    rows = db.execute("SELECT name, is_key, area_m2 FROM districts ORDER BY name").fetchall()
    assert [(r["name"], r["is_key"]) for r in rows] == [("东区", True), ("西区", False)]
    # 0.01° of longitude × 0.02° of latitude at 22.54° N ≈ 1,028 m × 2,213 m
    assert rows[0]["area_m2"] == pytest.approx(1028.4 * 2212.6, rel=0.005)
    again = import_districts(path, name_field="qh", all_key=True)
    assert again.counts["updated"] == 2
    assert db.execute("SELECT count(*) AS n FROM districts WHERE is_key").fetchone()["n"] == 2


def test_district_import_with_unknown_key_name_writes_nothing(db, tmp_path) -> None:
    with pytest.raises(InvalidInput, match="南区"):
        import_districts(_write_districts(tmp_path / "d.geojson"), name_field="qh", key=["南区"])
    assert db.execute("SELECT count(*) AS n FROM districts").fetchone()["n"] == 0


def test_district_import_names_the_missing_field(db, tmp_path) -> None:
    with pytest.raises(InvalidFile) as err:
        import_districts(_write_districts(tmp_path / "d.geojson"), name_field="NAME")
    assert "qh" in err.value.zh and "NAME" in err.value.en


STATIONS_CSV = """name,address,lng_gcj02,lat_gcj02,services,opening_hours,amap_poi_id
上沙爱心驿站,上沙村,{lon1},{lat1},"饮用水,卫生间",Mo-Su 08:00-20:00,B001
竹子林爱心驿站,竹子林,{lon2},{lat2},drinking_water;heating,24/7,B002
只有地址的驿站,某某路1号,,,,,B003
坏时间驿站,某某路2号,{lon1},{lat1},,每天八点,B004
远方驿站,郑州,113.56,34.81,,,B005
"""


def _stations_csv(path: Path) -> tuple[Path, tuple[float, float]]:
    wgs = (114.021, 22.541)
    g1 = crs.from_wgs84_point(*wgs, "gcj02")
    g2 = crs.from_wgs84_point(114.015, 22.535, "gcj02")
    path.write_text(
        STATIONS_CSV.format(lon1=g1[0], lat1=g1[1], lon2=g2[0], lat2=g2[1]), encoding="utf-8"
    )
    return path, wgs


def test_station_import_converts_gcj02_reports_rows_and_audits(db, tmp_path) -> None:
    import_districts(_write_districts(tmp_path / "d.geojson"), name_field="qh", all_key=True)
    path, wgs = _stations_csv(tmp_path / "st.csv")
    report = import_stations(path, kind="love_station", crs="gcj02", actor="tester")
    assert report.counts["created"] == 3  # row 4, address only, as an unlocated draft
    assert report.counts["unlocated"] == 1
    assert {p.row: p.code for p in report.problems} == {5: "invalid_field", 6: "outside_area"}
    row = db.execute(
        "SELECT ST_X(geom) x, ST_Y(geom) y, services, external_id, source FROM stations "
        "WHERE name = '上沙爱心驿站'"
    ).fetchone()
    assert (row["x"], row["y"]) == pytest.approx(wgs, abs=1e-7)
    assert row["services"] == ["drinking_water", "toilet"]
    assert (row["source"], row["external_id"]) == ("st", "B001")
    audit = db.execute("SELECT action, actor FROM station_audit").fetchall()
    assert audit == [{"action": "create", "actor": "tester"}] * 3


def test_station_reimport_updates_by_source_id_without_duplicates(db, tmp_path) -> None:
    path, _ = _stations_csv(tmp_path / "st.csv")
    import_stations(path, kind="love_station", crs="gcj02")
    again = import_stations(path, kind="love_station", crs="gcj02")
    assert again.counts["created"] == 0 and again.counts["unchanged"] == 4
    path.write_text(
        path.read_text(encoding="utf-8").replace("上沙村", "上沙村东"), encoding="utf-8"
    )
    changed = import_stations(path, kind="love_station", crs="gcj02")
    assert changed.counts["updated"] == 1
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 4
    assert db.execute("SELECT max(version) AS v FROM stations").fetchone()["v"] == 2


def test_station_dry_run_writes_nothing(db, tmp_path) -> None:
    path, _ = _stations_csv(tmp_path / "st.csv")
    report = import_stations(path, kind="love_station", crs="gcj02", dry_run=True)
    assert report.dry_run and report.counts["would_create"] == 4
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 0
    assert db.execute("SELECT count(*) AS n FROM import_log").fetchone()["n"] == 0


@pytest.mark.parametrize(
    "kwargs,error",
    [
        ({"kind": "hotel", "crs": "gcj02"}, InvalidInput),
        ({"kind": "love_station", "crs": "mars"}, InvalidInput),
    ],
)
def test_station_import_rejects_unknown_kind_or_crs(db, tmp_path, kwargs, error) -> None:
    path, _ = _stations_csv(tmp_path / "st.csv")
    with pytest.raises(error):
        import_stations(path, **kwargs)
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 0


def test_station_import_of_a_file_without_name_column_stores_nothing(db, tmp_path) -> None:
    path, _ = _stations_csv(tmp_path / "st.csv")
    import_stations(path, kind="love_station", crs="gcj02")
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidFile) as err:
        import_stations(bad, kind="love_station", crs="gcj02")
    assert "foo" in err.value.zh
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 4


def test_a_failure_inside_the_station_transaction_rolls_everything_back(
    db, tmp_path, monkeypatch
) -> None:
    from geo.stations import sql as stations_db

    path, _ = _stations_csv(tmp_path / "st.csv")
    real = stations_db.upsert_many

    def upsert_then_fail(conn, rows):
        real(conn, rows)
        raise RuntimeError("disk full")

    monkeypatch.setattr(stations_db, "upsert_many", upsert_then_fail)
    with pytest.raises(RuntimeError):
        import_stations(path, kind="love_station", crs="gcj02")
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 0
    assert db.execute("SELECT count(*) AS n FROM station_audit").fetchone()["n"] == 0
