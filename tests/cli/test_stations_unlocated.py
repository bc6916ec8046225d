"""``yizhan stations unlocated`` and ``yizhan stations locate`` (#12 item 10), run as a person
runs them: a readable table at 80 columns, CSV, and placing a station in any datum."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rich.cells import cell_len

from geo.crs import from_wgs84_point
from geo.importers import import_districts
from geo.stations.imports import import_stations
from tests.helpers.cli import yizhan

LONG_NAME = "郑州市总工会户外劳动者爱心驿站（金水区花园路街道办事处便民服务中心一楼东侧）"
LONG_ADDRESS = "郑州市金水区花园路街道农业路与花园路交叉口东北角国贸中心写字楼一层大厅南侧"
ROWS = (
    "name,address,district,lng,lat\n"
    f"{LONG_NAME},{LONG_ADDRESS},金水区,,\n"
    "短名站,某路 1 号,,,\n"
    "有坐标站,福华路 1 号,,114.055,22.541\n"
)


@pytest.fixture
def imported(db, database_url, tmp_path) -> str:
    ring = [[114.03, 22.50], [114.09, 22.50], [114.09, 22.58], [114.03, 22.58], [114.03, 22.50]]
    districts = tmp_path / "d.geojson"
    districts.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "福田"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    import_districts(districts, name_field="name", url=database_url)
    path = tmp_path / "zz.csv"
    path.write_text(ROWS, encoding="utf-8")
    report = import_stations(path, kind="love_station", crs="wgs84", url=database_url)
    assert report.counts["unlocated"] == 2
    return database_url


def _ids(db) -> dict[str, int]:
    return {r["name"]: r["id"] for r in db.execute("SELECT id, name FROM stations").fetchall()}


def test_unlocated_is_a_table_that_reads_at_80_columns(db, imported) -> None:
    out = yizhan("stations", "unlocated", url=imported, env={"COLUMNS": "80"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80, out.stdout
    assert "unlocated stations: 2" in out.stdout
    # the name and address column, its folded lines joined: both read whole
    column = "".join(line.split("│")[2].strip() for line in lines if line.count("│") == 5)
    assert LONG_NAME + LONG_ADDRESS in column
    assert "…" not in out.stdout  # folded, never cut
    listed = [line.split("│")[1].strip() for line in lines if line.count("│") == 5]
    ids = _ids(db)
    assert [int(i) for i in listed if i] == [ids[LONG_NAME], ids["短名站"]]
    assert "金水区" in out.stdout and "zz" in out.stdout  # the file's district, the source


def test_db_status_counts_the_unlocated_stations(db, imported) -> None:
    out = yizhan("db", "status", url=imported)
    assert out.returncode == 0, out.stderr
    assert (
        "unlocated stations: 2 (the console's Unlocated page, or yizhan stations unlocated)"
        in out.stdout
    )


def test_unlocated_as_csv_has_every_column(db, imported) -> None:
    out = yizhan("stations", "unlocated", "--format", "csv", url=imported)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["name"] for r in rows] == [LONG_NAME, "短名站"]
    first = rows[0]
    assert (first["address"], first["district"], first["source"]) == (LONG_ADDRESS, "金水区", "zz")
    assert first["review_state"] == "pending_review" and first["created_at"].endswith("+08:00")
    assert int(first["id"]) == _ids(db)[LONG_NAME]


def test_locate_converts_assigns_the_district_and_keeps_it_a_draft(db, imported) -> None:
    station_id = _ids(db)[LONG_NAME]
    glon, glat = from_wgs84_point(114.07, 22.55, "gcj02")
    out = yizhan(
        "stations", "locate", str(station_id), "--lon", f"{glon!r}", "--lat", f"{glat!r}",
        "--crs", "gcj02", url=imported,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "located" in out.stdout and "pending_review" in out.stdout
    row = db.execute(
        "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, district, review_state FROM stations"
        " WHERE id = %s",
        (station_id,),
    ).fetchone()
    assert row["lon"] == pytest.approx(114.07, abs=1e-6)
    assert row["lat"] == pytest.approx(22.55, abs=1e-6)
    assert (row["district"], row["review_state"]) == ("福田", "pending_review")
    audit = db.execute(
        "SELECT actor, reason, before, after FROM station_audit WHERE station_id = %s"
        " ORDER BY id DESC LIMIT 1",
        (station_id,),
    ).fetchone()
    assert audit["actor"].startswith("cli:") and "located" in audit["reason"]
    assert audit["before"]["lon"] is None and audit["after"]["district"] == "福田"
    listed = yizhan("stations", "unlocated", "--format", "csv", url=imported)
    assert [r["name"] for r in csv.DictReader(io.StringIO(listed.stdout))] == ["短名站"]


def test_locate_refuses_a_placed_station_without_move_and_unknown_ids(db, imported) -> None:
    placed = _ids(db)["有坐标站"]
    args = ("--lon", "114.06", "--lat", "22.545", "--crs", "wgs84")
    out = yizhan("stations", "locate", str(placed), *args, url=imported)
    assert out.returncode == 2
    assert "已有位置" in out.stderr and "--move" in out.stderr
    moved = yizhan("stations", "locate", str(placed), *args, "--move", url=imported)
    assert moved.returncode == 0, moved.stderr
    assert "moved" in moved.stdout
    missing = yizhan("stations", "locate", "999999", *args, url=imported)
    assert missing.returncode == 2 and "没有编号为 999999 的站点" in missing.stderr
    outside = yizhan(
        "stations", "locate", str(_ids(db)["短名站"]), "--lon", "113.6", "--lat", "34.8",
        "--crs", "wgs84", url=imported,
    )  # fmt: skip
    assert outside.returncode == 2 and "服务区域" in outside.stderr
    bad_crs = yizhan("stations", "locate", str(placed), "--lon", "1", "--lat", "1", "--crs", "x",
                     url=imported)  # fmt: skip
    assert bad_crs.returncode == 2


@pytest.mark.realcity
def test_the_real_zhengzhou_list_reads_at_80_columns(shared_data, db, database_url) -> None:
    path = shared_data / "stations" / "zhengzhou-gcj02.csv"
    report = import_stations(path, kind="love_station", crs="gcj02", url=database_url)
    assert report.counts["unlocated"] == 64
    out = yizhan("stations", "unlocated", url=database_url, env={"COLUMNS": "80"})
    assert out.returncode == 0, out.stderr
    assert "unlocated stations: 64" in out.stdout
    assert max(cell_len(line) for line in out.stdout.splitlines()) <= 80
    rows = list(
        csv.DictReader(
            io.StringIO(yizhan("stations", "unlocated", "--format", "csv", url=database_url).stdout)
        )
    )
    assert len(rows) == 64 and all(r["address"] and r["district"] for r in rows)
