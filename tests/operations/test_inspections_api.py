"""Inspections over HTTP (#15): the station's checklist, recording one with the phone's
position and photos, problems opened for failed items (never twice), the audit, the
lists, the roles and a custom station standard."""

from __future__ import annotations

import io
import json
import random

import pytest
from PIL import Image

from geo import clock
from tests.helpers.imports import app_with
from tests.helpers.staff import offset, station

DEFAULT_ITEMS = [
    "sign_and_name",
    "listed_on_map",
    "service:drinking_water",
    "service:heating",
    "service:rest_seats",
    "open_at_hours",
    "clean",
    "supplies_in_date",
    "rules_posted",
]
LON, LAT = 114.0550, 22.5410


def _station(client, headers, **over) -> int:
    r = client.post("/api/v1/stations", json=station(**over), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _answers(failed: dict[str, str] | None = None, skip: tuple[str, ...] = ()) -> str:
    failed = failed or {}
    return json.dumps(
        [
            {"item": code, "ok": None if code in skip else code not in failed,
             "note": failed.get(code)}
            for code in DEFAULT_ITEMS
        ]
    )  # fmt: skip


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (320, 240), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (22.0, 32.0, 10.0), 3: "E", 4: (114.0, 3.0, 20.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _inspect(client, headers, sid, checklist=None, files=None, **form):
    data = {"checklist": checklist or _answers(), **{k: str(v) for k, v in form.items()}}
    return client.post(
        f"/api/v1/staff/stations/{sid}/inspections", data=data, files=files, headers=headers
    )


@pytest.fixture
def sid(client, reviewer):
    return _station(client, reviewer)


def _count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]  # noqa: S608


def test_standard_lists_the_default_items_with_one_per_declared_service(client, staff, sid):
    r = client.get(f"/api/v1/staff/stations/{sid}/standard", headers=staff)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["code"] for i in body["items"]] == DEFAULT_ITEMS
    heating = body["items"][3]
    assert heating == {"code": "service:heating", "zh": "服务：取暖", "en": "service: heating",
                       "service": "heating"}  # fmt: skip
    assert body["standard"] == "yizhan-default"
    assert body["warn_m"] == 100.0
    assert (body["station"]["lon"], body["station"]["lat"]) == pytest.approx((LON, LAT))


def test_every_item_must_be_answered_and_the_missing_one_is_named(client, staff, sid, db):
    partial = json.loads(_answers())[:-1]
    r = _inspect(client, staff, sid, json.dumps(partial))
    assert r.status_code == 422
    assert "管理制度上墙" in r.json()["message"] and "rules_posted" in r.json()["message_en"]
    assert r.json()["details"]["missing"] == ["rules_posted"]
    unknown = [*json.loads(_answers()), {"item": "service:wifi", "ok": True}]
    r = _inspect(client, staff, sid, json.dumps(unknown))
    assert r.status_code == 422 and "service:wifi" in r.json()["message"]
    for bad in ("not json", '{"item": "clean"}', '[{"item": "clean", "ok": "yes"}]'):
        r = _inspect(client, staff, sid, bad)
        assert r.status_code == 422, bad
        assert r.json()["message"] and r.json()["message_en"]
    r = _inspect(client, staff, sid, lon=LON)
    assert r.status_code == 422 and "纬度" in r.json()["message"]
    assert _inspect(client, staff, 999_999).status_code == 404
    assert _count(db, "station_inspections") == 0


def test_a_passed_inspection_at_the_station_updates_last_verified(client, staff, sid, db):
    with clock.frozen("2026-05-04T10:30:00+08:00"):
        r = _inspect(client, staff, sid, _answers(skip=("supplies_in_date",)), lon=LON,
                     lat=LAT, accuracy=8)  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["inspection"]["passed"] is True
    assert body["inspection"]["distance_m"] == pytest.approx(0, abs=0.01)
    assert body["warning"] is None and body["opened"] == [] and body["already_open"] == []
    answers = {a["item"]: a["ok"] for a in body["inspection"]["checklist"]}
    assert answers["supplies_in_date"] is None and answers["clean"] is True
    assert body["inspection"]["open_at_hours"] is True
    row = db.execute("SELECT verified_at FROM station_last_verified WHERE station_id = %s",
                     (sid,)).fetchone()  # fmt: skip
    assert row["verified_at"].isoformat() == "2026-05-04T02:30:00+00:00"


def test_failed_items_open_confirmed_problems_and_a_far_position_is_warned(client, staff, sid, db):
    lon, lat = offset(LON, LAT, east_m=150)
    failed = {"open_at_hours": "门锁着", "service:heating": None, "clean": "地面脏",
              "rules_posted": "制度没上墙"}  # fmt: skip
    r = _inspect(client, staff, sid, _answers(failed), lon=lon, lat=lat, comment="周二上午")
    assert r.status_code == 201, r.text
    body = r.json()
    ins = body["inspection"]
    assert ins["passed"] is False and ins["open_at_hours"] is False
    assert ins["distance_m"] == pytest.approx(150, abs=2)
    assert ins["far"] is True and "150" in body["warning"]["message"]
    assert sorted(ins["failed_items"]) == sorted(failed)
    opened = {p["item"]: p for p in body["opened"]}
    assert opened["open_at_hours"]["category"] == "not_open_at_hours"
    assert opened["service:heating"]["category"] == "service_missing"
    assert opened["service:heating"]["service"] == "heating"
    assert opened["clean"]["category"] == "dirty_or_broken"
    assert opened["rules_posted"]["category"] == "other"
    receipts = sorted(p["receipt"] for p in body["opened"])
    assert receipts == [f"I{ins['id']}-{n}" for n in (1, 2, 3, 4)]
    rows = db.execute("SELECT * FROM station_problems ORDER BY id").fetchall()
    assert {(r["source"], r["state"], r["decided_by"], r["inspection_id"]) for r in rows} == {
        ("inspection", "confirmed", "wang.field", ins["id"])
    }
    other = next(r for r in rows if r["category"] == "other")
    assert "管理制度上墙" in other["details"] and "制度没上墙" in other["details"]
    listed = client.get(f"/api/v1/staff/stations/{sid}/inspections", headers=staff).json()
    assert listed[0]["far"] is True and listed[0]["warning"]["message_en"]
    assert len(listed[0]["problems"]) == 4


def test_no_second_open_problem_for_the_same_category_and_service(client, staff, reviewer, sid, db):
    first = _inspect(client, staff, sid, _answers({"clean": None, "service:heating": None}))
    assert len(first.json()["opened"]) == 2
    again = _inspect(client, reviewer, sid, _answers({"clean": None, "service:rest_seats": None}))
    body = again.json()
    assert again.status_code == 201, again.text
    assert [p["category"] for p in body["already_open"]] == ["dirty_or_broken"]
    assert body["already_open"][0]["receipt"] == f"I{first.json()['inspection']['id']}-2"
    assert [(p["category"], p["service"]) for p in body["opened"]] == [
        ("service_missing", "rest_seats")
    ]
    assert _count(db, "station_problems") == 3
    # once fixed, the next failure opens a new problem
    db.execute("UPDATE station_problems SET state = 'fixed', resolved_at = now() "
               "WHERE category = 'dirty_or_broken'")  # fmt: skip
    third = _inspect(client, staff, sid, _answers({"clean": None}))
    assert [p["category"] for p in third.json()["opened"]] == ["dirty_or_broken"]


def test_writes_are_audited_with_the_inspector(client, staff, sid, db):
    photo = ("p.jpg", _jpeg_with_gps(), "image/jpeg")
    r = _inspect(client, staff, sid, _answers({"clean": None}),
                 files=[("photos", photo)], photo_items="clean")  # fmt: skip
    assert r.status_code == 201, r.text
    rows = db.execute("SELECT table_name, actor FROM operations_audit ORDER BY id").fetchall()
    assert {(r["table_name"], r["actor"]) for r in rows} == {
        ("station_inspections", "wang.field"),
        ("photos", "wang.field"),
        ("inspection_photos", "wang.field"),
        ("station_problems", "wang.field"),
    }
    audit = db.execute("SELECT after FROM operations_audit WHERE table_name = 'photos'").fetchone()[
        "after"
    ]
    assert "bytes" not in audit


def test_photos_are_stored_without_metadata_and_linked_to_their_item(client, staff, sid, db):
    raw = _jpeg_with_gps()
    assert b"PhoneMaker" in raw
    files = [("photos", ("a.jpg", raw, "image/jpeg")), ("photos", ("b.jpg", raw, "image/jpeg"))]
    r = client.post(
        f"/api/v1/staff/stations/{sid}/inspections",
        data={"checklist": _answers({"clean": None}), "photo_items": ["clean", ""]},
        files=files,
        headers=staff,
    )
    assert r.status_code == 201, r.text
    photos = r.json()["inspection"]["photos"]
    assert [p["item"] for p in photos] == ["clean", None]
    stored = db.execute("SELECT bytes FROM photos ORDER BY id").fetchall()
    assert len(stored) == 2
    for row in stored:
        data = bytes(row["bytes"])
        assert b"PhoneMaker" not in data
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "JPEG" and not img.getexif()
    problem = db.execute("SELECT photo_id FROM station_problems").fetchone()
    assert problem["photo_id"] == photos[0]["id"]


def test_a_non_image_photo_is_refused_and_nothing_is_stored(client, staff, sid, db):
    files = [("photos", ("x.jpg", b"%PDF-1.4 not a photo", "image/jpeg"))]
    r = _inspect(client, staff, sid, _answers({"clean": None}), files=files)
    assert r.status_code == 422
    assert r.json()["message"] and r.json()["message_en"]
    for table in ("station_inspections", "photos", "station_problems", "operations_audit"):
        assert _count(db, table) == 0, table


def test_a_photo_larger_than_the_json_body_limit_is_accepted(client, staff, sid):
    noise = random.Random(15).randbytes(700 * 700 * 3)  # noise does not compress
    big = Image.frombytes("RGB", (700, 700), noise)
    out = io.BytesIO()
    big.save(out, format="PNG")
    assert len(out.getvalue()) > 1_000_000
    files = [("photos", ("big.png", out.getvalue(), "image/png"))]
    r = _inspect(client, staff, sid, files=files)
    assert r.status_code == 201, r.text


def test_only_field_staff_reviewers_and_admins_inspect(client, planner, admin, sid):
    for path in ("standard", "inspections"):
        r = client.get(f"/api/v1/staff/stations/{sid}/{path}", headers=planner)
        assert r.status_code == 403
    assert _inspect(client, planner, sid).status_code == 403
    assert client.get("/api/v1/staff/inspections", headers=planner).status_code == 403
    assert client.get(f"/api/v1/staff/stations/{sid}/standard").status_code == 401
    assert _inspect(client, admin, sid).status_code == 201


def test_lists_filter_by_city_day_and_failure_newest_first(client, staff, sid):
    other = _station(client, staff, name="梅林爱心驿站", lon=114.07, lat=22.56)
    with clock.frozen("2026-05-01T23:30:00+08:00"):
        _inspect(client, staff, sid)
    with clock.frozen("2026-05-02T09:00:00+08:00"):
        _inspect(client, staff, sid, _answers({"clean": None}))
    with clock.frozen("2026-05-03T09:00:00+08:00"):
        r = client.get(f"/api/v1/staff/stations/{other}/standard", headers=staff)
        codes = [i["code"] for i in r.json()["items"]]
        answers = json.dumps([{"item": c, "ok": True} for c in codes])
        _inspect(client, staff, other, answers)
    every = client.get("/api/v1/staff/inspections", headers=staff).json()
    assert [i["inspected_at"][:10] for i in every] == ["2026-05-03", "2026-05-02", "2026-05-01"]
    day = client.get("/api/v1/staff/inspections?from=2026-05-01&to=2026-05-01", headers=staff)
    assert [i["passed"] for i in day.json()] == [True]
    failed = client.get("/api/v1/staff/inspections?failed=true", headers=staff).json()
    assert [(i["station_name"], i["failed_items"]) for i in failed] == [
        ("福田街道爱心驿站", ["clean"])
    ]
    mine = client.get(f"/api/v1/staff/stations/{sid}/inspections", headers=staff).json()
    assert [i["passed"] for i in mine] == [False, True]
    bad = client.get("/api/v1/staff/inspections?from=2026-05-03&to=2026-05-01", headers=staff)
    assert bad.status_code == 422
    for wrong in ("0", "2026-02-31", "2026-5-1"):
        bad = client.get(f"/api/v1/staff/inspections?from={wrong}", headers=staff)
        assert bad.status_code == 422 and bad.json()["message_en"], wrong


def test_a_custom_standard_file_sets_the_checklist(database_url, make_user, tmp_path, db):
    from tests.helpers.staff import token_for

    make_user("li.review", "reviewer")
    headers = token_for(database_url, "li.review")
    path = tmp_path / "standard.json"
    path.write_text(json.dumps({"name": "深圳市 2026 版", "items": [
        {"code": "open_at_hours"},
        {"code": "services"},
        {"code": "fire_extinguisher", "zh": "灭火器在有效期内", "en": "fire extinguisher in date"},
    ]}), encoding="utf-8")  # fmt: skip
    with app_with(database_url, YIZHAN_STANDARD_FILE=path) as client:
        sid = _station(client, headers, services=["toilet"])
        r = client.get(f"/api/v1/staff/stations/{sid}/standard", headers=headers)
        assert r.status_code == 200, r.text
        assert [i["code"] for i in r.json()["items"]] == [
            "open_at_hours", "service:toilet", "fire_extinguisher"
        ]  # fmt: skip
        answers = [{"item": "open_at_hours", "ok": True}, {"item": "service:toilet", "ok": True},
                   {"item": "fire_extinguisher", "ok": False, "note": "过期"}]  # fmt: skip
        r = _inspect(client, headers, sid, json.dumps(answers))
        assert r.status_code == 201, r.text
        assert r.json()["inspection"]["standard"] == "深圳市 2026 版"
        assert r.json()["opened"][0]["category"] == "other"
        # without the opening-hours item, the form's open_at_hours is still a check
        path.write_text('{"name": "短版", "items": [{"code": "clean"}]}', encoding="utf-8")
        r = _inspect(client, headers, sid, '[{"item": "clean", "ok": true}]', open_at_hours="false")
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["inspection"]["open_at_hours"] is False
        assert body["inspection"]["passed"] is False
        assert [p["category"] for p in body["opened"]] == ["not_open_at_hours"]
        path.write_text('{"name": "x", "items": [{"code": "Bad Code"}]}', encoding="utf-8")
        r = client.get(f"/api/v1/staff/stations/{sid}/standard", headers=headers)
        assert r.status_code == 422
        assert str(path) in r.json()["message"] and "items[0].code" in r.json()["message_en"]
