"""Bulk imports over HTTP (and the CLI): dry-run report with row errors and duplicates."""

from __future__ import annotations

import io

import openpyxl

from geo.crs import from_wgs84_point
from tests.helpers.staff import dump_stations, offset, station


def _csv(rows: list[tuple]) -> bytes:
    lines = ["名称,地址,经度,纬度,服务,开放时间,编号"]
    lines += [",".join(str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _rows() -> list[tuple]:
    near = offset(114.0550, 22.5410, east_m=25)  # beside the station the test stores first
    g_near = from_wgs84_point(*near, "gcj02")
    g_free = from_wgs84_point(114.0800, 22.5600, "gcj02")
    return [
        ("新洲驿站", "福田区新洲路", g_near[0], g_near[1], "饮水", "24/7", "A1"),
        ("香蜜湖驿站", "福田区香蜜湖", g_free[0], g_free[1], "饮水;休息座椅", "", "A2"),
        ("只有地址", "福田区某处", "", "", "", "", "A3"),
        ("坏时间", "福田区", g_free[0] + 0.01, g_free[1], "", "whenever", "A4"),
    ]


def _upload(client, headers, content: bytes, name="list.csv", **form):
    data = {"kind": "love_station", "crs": "gcj02", **{k: str(v).lower() for k, v in form.items()}}
    return client.post(
        "/api/v1/imports", files={"file": (name, content, "text/csv")}, data=data, headers=headers
    )


def test_dry_run_reports_row_errors_and_duplicates_and_writes_nothing(client, staff, db):
    client.post("/api/v1/stations", json=station(), headers=staff)
    before = dump_stations(db)
    r = _upload(client, staff, _csv(_rows()), dry_run=True)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dry_run"] is True
    assert body["counts"]["would_create"] == 3 and body["counts"]["possible_duplicates"] == 1
    assert body["counts"]["unlocated"] == 1  # row 4: an address only, kept as a draft
    assert {p["row"]: p["code"] for p in body["problems"]} == {5: "invalid_field"}
    [dup] = body["duplicates"]
    assert dup["row"] == 2 and dup["name"] == "新洲驿站"
    assert dup["candidates"][0]["name"] == "福田街道爱心驿站"
    assert 20 < dup["candidates"][0]["distance_m"] < 30
    assert dump_stations(db) == before


def test_import_by_field_staff_waits_for_review_and_names_the_importer(client, staff, db):
    r = _upload(client, staff, _csv(_rows()))
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["created"] == 3
    rows = db.execute("SELECT review_state, created_by, source FROM stations").fetchall()
    assert {(x["review_state"], x["created_by"], x["source"]) for x in rows} == {
        ("pending_review", "wang.field", "list")
    }
    again = _upload(client, staff, _csv(_rows()))
    assert again.json()["counts"]["created"] == 0  # re-import updates by (source, id)
    assert again.json()["counts"]["possible_duplicates"] == 0  # not its own duplicate


def test_import_by_a_reviewer_is_published_and_xlsx_works(client, reviewer, db) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["名称", "地址", "经度", "纬度", "服务", "开放时间", "编号"])
    for row in _rows()[:2]:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    r = _upload(client, reviewer, buf.getvalue(), name="清单.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["created"] == 2
    states = {x["review_state"] for x in db.execute("SELECT review_state FROM stations")}
    assert states == {"approved"}


def test_imports_need_an_editor_and_a_known_file_type(client, staff, planner) -> None:
    assert _upload(client, {}, _csv(_rows())).status_code == 401
    assert _upload(client, planner, _csv(_rows())).status_code == 403
    r = _upload(client, staff, b"MZ\x90\x00", name="virus.exe")
    assert r.status_code == 422 and "不支持的文件类型" in r.json()["message"]
    r = _upload(client, staff, b"\x00\x01garbage", name="broken.xlsx")
    assert r.status_code == 422
    r = _upload(client, staff, _csv(_rows()), crs="mars")
    assert r.status_code == 422


def test_cli_dry_run_lists_possible_duplicates(client, staff, database_url, tmp_path) -> None:
    from tests.helpers.cli import yizhan

    client.post("/api/v1/stations", json=station(), headers=staff)
    path = tmp_path / "list.csv"
    path.write_bytes(_csv(_rows()))
    out = yizhan(
        "import",
        "stations",
        str(path),
        "--kind",
        "love_station",
        "--crs",
        "gcj02",
        "--dry-run",
        url=database_url,
    )
    assert out.returncode == 0, out.stderr
    assert "possible duplicates: 1" in out.stdout and "福田街道爱心驿站" in out.stdout
