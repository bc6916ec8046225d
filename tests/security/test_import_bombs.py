"""Import bombs within the 20 MB upload limit (#11 item 5).

An XLSX of 0.8 MB expanding to 237 MB of sheet XML drove the server to 5 GB, and a
1M-row CSV took 41 s and answered with a 201 MB report. Files that hold too much are
now refused with 413 naming the limit and its setting, before their rows are parsed
(sizes) or while they stream (rows, columns), and nothing is stored; reports list the
first problems with counts, the full list is a CSV download; and a big import runs as
a job that only its owner (and reviewers, admins) can see.

The bombs here are small, against low limits set for the test.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.helpers.cli import yizhan
from tests.helpers.imports import (
    SHEET,
    app_with,
    csv_rows,
    declare_size,
    upload,
    wait_for_job,
    workbook,
    xlsx_bomb,
)
from tests.helpers.staff import dump_stations, token_for


def _nothing_stored(db, before: str) -> None:
    assert dump_stations(db) == before
    assert db.execute("SELECT count(*) AS n FROM import_jobs").fetchone()["n"] == 0
    assert db.execute("SELECT count(*) AS n FROM import_log").fetchone()["n"] == 0


def _refused(r, setting: str | None) -> dict:
    assert r.status_code == 413, r.text[:2000]
    body = r.json()
    assert body["code"] == "import_too_large"
    assert body["message"] and body["message_en"]
    if setting is not None:
        assert setting in body["message_en"] and setting in body["message"]
        assert body["details"]["setting"] == setting
    return body


# ------------------------------------------------------------------ unpacked size


def test_xlsx_whose_sheet_expands_beyond_the_limit_is_refused_before_parsing(
    tmp_path: Path, database_url, staff, db
) -> None:
    # 20,000 rows: 56 KB of zip, 1.8 MB of XML. The sheet is also broken XML after its
    # rows: parsing it would say so (422); the 413 comes from the zip's sizes alone.
    bomb = xlsx_bomb(tmp_path / "bomb.xlsx", 20_000)
    broken = xlsx_bomb(tmp_path / "broken.xlsx", 0, sheet_xml=b"<row>" * 400_000)
    before = dump_stations(db)
    with app_with(database_url, YIZHAN_IMPORT_MAX_DECOMPRESSED_BYTES=500_000) as client:
        for path in (bomb, broken):
            r = upload(client, staff, path.read_bytes(), path.name)
            body = _refused(r, "YIZHAN_IMPORT_MAX_DECOMPRESSED_BYTES")
            assert SHEET in body["message_en"] and body["details"]["limit"] == 500_000
    _nothing_stored(db, before)


def test_xlsx_member_expanding_beyond_what_it_declares_is_refused(
    tmp_path: Path, client, staff, db
) -> None:
    path = xlsx_bomb(tmp_path / "liar.xlsx", 20_000)
    declare_size(path, SHEET, 2_000)  # says 2 KB, holds 1.8 MB
    before = dump_stations(db)
    r = upload(client, staff, path.read_bytes(), path.name)
    assert r.status_code == 422, r.text[:2000]
    assert "not a valid Excel workbook" in r.json()["message_en"]
    _nothing_stored(db, before)


def test_xlsx_with_thousands_of_zip_members_is_refused_before_listing_them(
    tmp_path: Path, client, staff, db
) -> None:
    path = xlsx_bomb(tmp_path / "members.xlsx", 1, extra=12_000)
    before = dump_stations(db)
    body = _refused(upload(client, staff, path.read_bytes(), path.name), None)
    assert "zip members" in body["message_en"] and body["details"]["found"] > 12_000
    _nothing_stored(db, before)


def test_csv_and_geojson_larger_than_the_limit_are_refused_before_reading(
    database_url, staff, db
) -> None:
    geojson = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": f"驿站{i}"},
                    "geometry": {"type": "Point", "coordinates": [114.055, 22.541]},
                }
                for i in range(200)
            ],
        }  # fmt: skip
    ).encode()
    before = dump_stations(db)
    with app_with(database_url, YIZHAN_IMPORT_MAX_DECOMPRESSED_BYTES=5_000) as client:
        for name, content in (("s.csv", csv_rows(200)), ("s.geojson", geojson)):
            assert len(content) > 5_000
            r = upload(client, staff, content, name)
            body = _refused(r, "YIZHAN_IMPORT_MAX_DECOMPRESSED_BYTES")
            assert body["details"]["found"] == len(content)
    _nothing_stored(db, before)


def test_xml_entities_in_a_workbook_are_refused(tmp_path: Path, client, staff, db) -> None:
    # An entity expanding to 2 MB: below the amplification expat itself refuses.
    laughs = (
        b'<!DOCTYPE r [<!ENTITY a "' + b"x" * 2000 + b'">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    sheet = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>&c;&c;</t></is></c></row>'
    )
    path = xlsx_bomb(tmp_path / "laughs.xlsx", 0, sheet_xml=sheet)
    # The DTD goes before the root element of the sheet.
    import zipfile

    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    xml = members[SHEET]
    root = xml.index(b"<worksheet")
    members[SHEET] = xml[:root] + laughs + xml[root:]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members.items():
            z.writestr(member, data)
    before = dump_stations(db)
    r = upload(client, staff, path.read_bytes(), path.name)
    assert r.status_code == 422, r.text[:2000]
    assert "not a valid Excel workbook" in r.json()["message_en"]
    _nothing_stored(db, before)


# ------------------------------------------------------------------ rows and columns


def _geojson(n: int) -> bytes:
    features = [
        {"type": "Feature", "properties": {"name": f"驿站{i}", "id": f"G{i}"},
         "geometry": {"type": "Point", "coordinates": [114.03 + i * 1e-4, 22.54]}}
        for i in range(n)
    ]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _xlsx(n: int) -> bytes:
    rows: list[list[object]] = [["name", "lng", "lat", "id"]]
    rows += [[f"驿站{i}", 114.03 + i * 1e-4, 22.54, f"X{i}"] for i in range(n)]
    return workbook(rows)


@pytest.mark.parametrize(
    ("name", "make"),
    [("s.csv", csv_rows), ("s.xlsx", _xlsx), ("s.geojson", _geojson)],
)
def test_files_with_more_rows_than_the_limit_are_refused_naming_the_setting(
    name: str, make, database_url, staff, db
) -> None:
    before = dump_stations(db)
    with app_with(database_url, YIZHAN_IMPORT_MAX_ROWS=30) as client:
        body = _refused(upload(client, staff, make(31), name), "YIZHAN_IMPORT_MAX_ROWS")
        assert body["details"]["limit"] == 30
        _nothing_stored(db, before)
        r = upload(client, staff, make(30), name)
        assert r.status_code == 200, r.text[:2000]
        assert r.json()["counts"]["created"] == 30


def test_a_sheet_row_far_below_the_header_counts_every_row_between(
    tmp_path: Path, client, staff, db
) -> None:
    # openpyxl fills the skipped rows in: 1,048,575 of them, each to be looked at.
    sheet = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
        b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    path = xlsx_bomb(tmp_path / "far.xlsx", 0, sheet_xml=sheet)
    before = dump_stations(db)
    _refused(upload(client, staff, path.read_bytes(), path.name), "YIZHAN_IMPORT_MAX_ROWS")
    _nothing_stored(db, before)


def test_rows_wider_than_256_columns_are_refused(tmp_path: Path, client, staff, db) -> None:
    wide_csv = ("name," + ",".join(f"c{i}" for i in range(300)) + "\nA\n").encode()
    far_cell = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
        b'<c r="XFD1" t="inlineStr"><is><t>far</t></is></c></row>'
    )
    wide_xlsx = xlsx_bomb(tmp_path / "wide.xlsx", 0, sheet_xml=far_cell).read_bytes()
    long_line = b"name\n" + b"," * 1_100_000 + b"\n"
    before = dump_stations(db)
    for name, content in (("w.csv", wide_csv), ("w.xlsx", wide_xlsx), ("l.csv", long_line)):
        body = _refused(upload(client, staff, content, name), None)
        assert "limit" in body["details"]
    _nothing_stored(db, before)


def test_the_cli_refuses_too_many_rows_naming_the_setting(tmp_path: Path, db, database_url):
    path = tmp_path / "stations.csv"
    path.write_bytes(csv_rows(31))
    out = yizhan(
        "import", "stations", str(path), "--kind", "love_station", "--crs", "wgs84",
        url=database_url, env={"YIZHAN_IMPORT_MAX_ROWS": "30"},
    )  # fmt: skip
    assert out.returncode == 2, (out.stdout[-2000:], out.stderr[-2000:])
    assert "Traceback" not in out.stderr and "YIZHAN_IMPORT_MAX_ROWS" in out.stderr
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 0


# ------------------------------------------------------------------ reports


def test_report_lists_the_first_problems_and_the_full_list_is_a_sanitised_csv(
    database_url, staff, db
) -> None:
    content = csv_rows(5) + csv_rows(39, start=5, bad=True).split(b"\n", 1)[1]
    content += '公式站,福田区,"1,=2+3",22.54,F1\n'.encode()  # quoted in the reason
    with app_with(database_url, YIZHAN_IMPORT_REPORT_PROBLEMS=7) as client:
        r = upload(client, staff, content)
        assert r.status_code == 200, r.text[:2000]
        body = r.json()
        assert body["counts"] == {**body["counts"], "rows": 45, "problems": 40, "created": 5}
        assert len(body["problems"]) == 7 and body["problems_total"] == 40
        assert body["problem_codes"] == {"no_coordinates": 39, "bad_number": 1}
        assert [p["row"] for p in body["problems"]] == list(range(7, 14))
        download = client.get(body["problems_url"], headers=staff)
    assert download.status_code == 200, download.text[:2000]
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [int(x["row"]) for x in rows] == list(range(7, 47))
    assert {x["code"] for x in rows} == {"no_coordinates", "bad_number"}
    for x in rows:  # no field would run as a formula
        for value in x.values():
            assert not value.lstrip().startswith(("=", "+", "-", "@")), value
    assert rows[-1]["reason_en"].startswith("'") and ",=2+3" in rows[-1]["reason_en"]
    cells = json.loads(rows[0]["values"])
    assert cells["address"].startswith("=HYPERLINK") and cells["name"] == "驿站5"


# ------------------------------------------------------------------ jobs are their owner's


def test_a_job_is_seen_by_its_owner_reviewers_and_admins_only(
    client, database_url, make_user, staff, reviewer, admin, planner
) -> None:
    other = token_for(database_url, make_user("liu.field", "field_staff"))
    r = upload(client, staff, csv_rows(3, bad=True), run_async=True)
    assert r.status_code == 202, r.text[:2000]
    url = r.headers["Location"]
    job = wait_for_job(client, staff, url)
    assert job["state"] == "succeeded" and job["owner"] == "wang.field"
    for headers in (other, planner):
        assert client.get(url, headers=headers).status_code == 404
        assert client.get(url + "/problems.csv", headers=headers).status_code == 404
        listed = client.get("/api/v1/imports/jobs", headers=headers).json()
        assert job["id"] not in {j["id"] for j in listed}
    for headers in (reviewer, admin):
        assert client.get(url, headers=headers).json()["id"] == job["id"]
        assert client.get(url + "/problems.csv", headers=headers).status_code == 200
    assert client.get(url).status_code == 401
    missing = url[:-12] + "000000000000"
    assert client.get(missing, headers=staff).status_code == 404
    assert client.get("/api/v1/imports/jobs/not-a-uuid", headers=staff).status_code == 404


def test_the_cli_lists_the_first_problems_and_writes_them_all(tmp_path: Path, db, database_url):
    path = tmp_path / "stations.csv"
    path.write_bytes(csv_rows(2) + csv_rows(20, start=2, bad=True).split(b"\n", 1)[1])
    problems = tmp_path / "problems.csv"
    out = yizhan(
        "import", "stations", str(path), "--kind", "love_station", "--crs", "wgs84",
        "--problems-out", str(problems),
        url=database_url, env={"YIZHAN_IMPORT_REPORT_PROBLEMS": "3"},
    )  # fmt: skip
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-2000:])
    assert "rows not imported: 20" in out.stdout and "and 17 more" in out.stdout
    assert out.stdout.count("latitude is missing") == 3
    rows = list(csv.DictReader(io.StringIO(problems.read_text("utf-8-sig"))))
    assert [int(r["row"]) for r in rows] == list(range(4, 24))
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 2
