"""Public problem reports and the staff queue (issue 15): the API end to end on PostGIS."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from geo import clock
from geo.errors import InvalidInput
from geo.operations import problems
from geo.settings import OperationsSettings

T0 = "2026-05-04T10:00:00+08:00"


def _station(db, *, status: str = "open", services=("drinking_water", "toilet")) -> int:
    row = db.execute(
        "INSERT INTO stations (kind, name, services, status, status_reason, geom) VALUES "
        "('love_station', '测试驿站', %s, %s, %s, "
        "ST_SetSRID(ST_MakePoint(114.05, 22.54), 4326)) RETURNING id",
        (list(services), status, None if status == "open" else "测试"),
    ).fetchone()
    return int(row["id"])


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


def _report(client, sid: int, files=None, **form):
    data = {"category": "closed", **form}
    return client.post(f"/api/v1/stations/{sid}/problems", data=data, files=files)


def test_a_public_report_gets_a_p_receipt_and_is_not_shown_until_confirmed(client, db, reviewer):
    sid = _station(db)
    with clock.frozen(T0):
        r = _report(client, sid, details="门锁着", phone="138 0013 8000")
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["receipt"].startswith("P") and len(body["receipt"]) == 11
        assert body["state"] == "new" and body["merged"] is False
        assert "回执号" in body["message"] and "receipt" in body["message_en"]
        sheet = client.get(f"/api/v1/stations/{sid}").json()
        assert sheet["notices"] == [] and sheet["last_verified_on"] is None
        state = client.get(f"/api/v1/problems/{body['receipt']}").json()
        assert state["state"] == "new" and "details" not in state and "phone" not in state
        queue = client.get("/api/v1/staff/problems", headers=reviewer).json()
        pid = queue[0]["id"]
        r = client.post(
            f"/api/v1/staff/problems/{pid}/decision",
            json={"action": "confirm", "comment": "已电话核实"},
            headers=reviewer,
        )
        assert r.status_code == 200, r.text
        sheet = client.get(f"/api/v1/stations/{sid}").json()
    assert sheet["notices"] == [
        {"category": "closed", "label": "驿站关闭", "label_en": "closed", "since": "2026-05-04"}
    ]
    assert "门锁着" not in str(sheet) and "8000" not in str(sheet)


def test_receipts_are_random_and_an_unknown_one_is_404(client, db):
    assert len({problems.new_receipt() for _ in range(200)}) == 200
    r = client.get("/api/v1/problems/PAAAAAAAAAA")
    assert r.status_code == 404 and r.json()["message_en"].startswith("no problem")
    assert client.get("/api/v1/problems/whatever").status_code == 404


def test_a_second_report_of_an_open_problem_is_collapsed_into_it(client, db):
    sid = _station(db)
    with clock.frozen(T0):
        first = _report(client, sid).json()
    with clock.frozen("2026-05-04T11:00:00+08:00"):
        second = _report(client, sid).json()
        other = _report(client, sid, category="dirty_or_broken").json()
    assert second["merged"] is True and second["receipt"] == first["receipt"]
    assert other["merged"] is False and other["receipt"] != first["receipt"]
    row = db.execute(
        "SELECT reports, last_reported_at FROM station_problems WHERE receipt = %s",
        (first["receipt"],),
    ).fetchone()
    assert row["reports"] == 2
    assert row["last_reported_at"].isoformat().startswith("2026-05-04T03:00:00")


def test_reports_are_limited_per_client_per_hour_with_retry_after(client, db):
    sid = _station(db)
    with clock.frozen(T0):
        for _ in range(OperationsSettings().report_max_per_client_hour):
            assert _report(client, sid).status_code == 201
        r = _report(client, sid)
    assert r.status_code == 429
    assert "一小时" in r.json()["message"] and "within an hour" in r.json()["message_en"]
    assert int(r.headers["Retry-After"]) == 3601
    with clock.frozen("2026-05-04T11:00:01+08:00"):
        assert _report(client, sid).status_code == 201


def test_reports_are_limited_per_station_per_day_across_clients(db):
    from geo.errors import RateLimited

    sid = _station(db)
    settings = OperationsSettings(report_max_per_station_day=2, client_hash_key="k")
    report = problems.Report(station_id=sid, category="other")
    with clock.frozen(T0):
        problems.submit_report(db, report, "10.0.0.1", settings)
        problems.submit_report(db, report, "10.0.0.2", settings)
        with pytest.raises(RateLimited) as exc:
            problems.submit_report(db, report, "10.0.0.3", settings)
    assert exc.value.retry_after_s == 86401
    assert db.execute("SELECT count(*) AS n FROM problem_reports").fetchone()["n"] == 2


@pytest.mark.parametrize(
    ("form", "field", "zh"),
    [
        ({"category": "flooded"}, "category", "未知的问题类别"),
        ({"category": "service_missing"}, "service", "缺失的服务"),
        ({"category": "service_missing", "service": "books"}, "service", "本站提供"),
        ({"category": "closed", "service": "toilet"}, "service", "服务缺失"),
        ({"details": "长" * 501}, "details", "500"),
        ({"phone": "call me maybe"}, "phone", "电话号码无效"),
    ],
)
def test_bad_reports_get_a_422_in_chinese_and_english(client, db, form, field, zh):
    sid = _station(db)
    r = _report(client, sid, **form)
    assert r.status_code == 422, r.text
    body = r.json()
    assert zh in body["message"] and body["message_en"]
    # geo's own errors name the field in details; the schema's list it (details: a list)
    fields = (
        [d["field"] for d in body["details"]]
        if isinstance(body["details"], list)
        else [body["details"]["field"]]
    )
    assert fields == [field]
    assert db.execute("SELECT count(*) AS n FROM station_problems").fetchone()["n"] == 0


def test_service_missing_names_a_declared_service(client, db):
    sid = _station(db)
    r = _report(client, sid, category="service_missing", service="toilet")
    assert r.status_code == 201, r.text


def test_a_report_of_a_station_the_public_does_not_see_is_404(client, db):
    sid = _station(db, status="temporarily_closed")
    r = _report(client, sid)
    assert r.status_code == 404 and "开放站点" in r.json()["message"]


def test_a_photo_is_stored_cleaned_and_a_non_image_is_refused(client, db, reviewer, staff):
    sid = _station(db)
    bad = _report(
        client, sid, files={"photo": ("x.jpg", b"<html>not an image</html>", "image/jpeg")}
    )
    assert bad.status_code == 422 and "照片无法识别" in bad.json()["message"]
    assert db.execute("SELECT count(*) AS n FROM photos").fetchone()["n"] == 0
    ok = _report(client, sid, files={"photo": ("p.jpg", _jpeg(), "image/jpeg")})
    assert ok.status_code == 201, ok.text
    item = client.get("/api/v1/staff/problems", headers=reviewer).json()[0]
    assert item["photo_id"]
    assert client.get(f"/api/v1/staff/photos/{item['photo_id']}").status_code == 401
    r = client.get(f"/api/v1/staff/photos/{item['photo_id']}", headers=staff)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"].startswith("private")
    assert Image.open(io.BytesIO(r.content)).size == (40, 30)


def test_a_photo_larger_than_the_json_body_limit_is_accepted(client, db):
    sid = _station(db)
    big = io.BytesIO()
    Image.effect_noise((900, 900), 100).convert("RGB").save(big, format="PNG")
    assert len(big.getvalue()) > 1_000_000
    r = _report(client, sid, files={"photo": ("p.png", big.getvalue(), "image/png")})
    assert r.status_code == 201, r.text


def test_the_queue_masks_phones_and_filters(client, db, reviewer, staff):
    sid = _station(db)
    with clock.frozen(T0):
        _report(client, sid, phone="13800138000")
        _report(client, sid, category="other")
        r = client.get("/api/v1/staff/problems", headers=reviewer)
    assert r.status_code == 200
    assert "13800138000" not in r.text
    phones = [p["phone"] for p in r.json()]
    assert "138****8000" in phones
    only = client.get("/api/v1/staff/problems?category=other", headers=reviewer).json()
    assert [p["category"] for p in only] == ["other"]
    assert client.get("/api/v1/staff/problems?state=bogus", headers=reviewer).status_code == 422
    assert client.get("/api/v1/staff/problems", headers=staff).status_code == 403


def test_transitions_are_checked_and_time_to_resolve_is_kept(client, db, reviewer):
    sid = _station(db)
    with clock.frozen(T0):
        _report(client, sid, category="other")
    pid = client.get("/api/v1/staff/problems", headers=reviewer).json()[0]["id"]
    url = f"/api/v1/staff/problems/{pid}/decision"
    r = client.post(url, json={"action": "fixed"}, headers=reviewer)
    assert r.status_code == 409 and "不能" in r.json()["message"]
    with clock.frozen("2026-05-04T12:00:00+08:00"):
        assert client.post(url, json={"action": "confirm"}, headers=reviewer).status_code == 200
    assert client.post(url, json={"action": "dismiss"}, headers=reviewer).status_code == 409
    with clock.frozen("2026-05-06T10:00:00+08:00"):
        r = client.post(url, json={"action": "fixed", "comment": "已修好"}, headers=reviewer)
    body = r.json()
    assert body["state"] == "fixed" and body["resolve_seconds"] == 2 * 86400
    assert body["resolved_by"] == "li.review" and body["actions"] == []
    audit = db.execute(
        "SELECT actor, after->>'state' AS state FROM operations_audit "
        "WHERE table_name = 'station_problems' AND row_id = %s ORDER BY id",
        (pid,),
    ).fetchall()
    assert [(a["actor"], a["state"]) for a in audit] == [
        ("public", "new"),
        ("li.review", "confirmed"),
        ("li.review", "fixed"),
    ]


def test_confirming_closed_can_close_the_station_and_fixing_reopens_it(client, db, reviewer):
    sid = _station(db)
    with clock.frozen(T0):
        _report(client, sid)
    pid = client.get("/api/v1/staff/problems", headers=reviewer).json()[0]["id"]
    url = f"/api/v1/staff/problems/{pid}/decision"
    r = client.post(
        url,
        json={"action": "confirm", "close_station": True, "comment": "现场无人"},
        headers=reviewer,
    )
    assert r.status_code == 200, r.text
    assert r.json()["closed_station"] is True and r.json()["station_status"] == "temporarily_closed"
    assert client.get(f"/api/v1/stations/{sid}").status_code == 404
    r = client.post(url, json={"action": "fixed", "reopen_station": True}, headers=reviewer)
    assert r.status_code == 200, r.text
    assert r.json()["station_status"] == "open"
    assert client.get(f"/api/v1/stations/{sid}").status_code == 200
    audit = db.execute(
        "SELECT actor, after->>'status' AS status FROM station_audit WHERE station_id = %s "
        "ORDER BY id",
        (sid,),
    ).fetchall()
    assert [a["status"] for a in audit][-2:] == ["temporarily_closed", "open"]


def test_close_station_is_only_for_a_closed_problem(client, db, reviewer):
    sid = _station(db)
    _report(client, sid, category="other")
    pid = client.get("/api/v1/staff/problems", headers=reviewer).json()[0]["id"]
    r = client.post(
        f"/api/v1/staff/problems/{pid}/decision",
        json={"action": "confirm", "close_station": True},
        headers=reviewer,
    )
    assert r.status_code == 422
    assert db.execute("SELECT state FROM station_problems").fetchone()["state"] == "new"


def test_phones_are_erased_after_the_retention_period(client, db, reviewer):
    sid = _station(db)
    with clock.frozen(T0):
        _report(client, sid, phone="13800138000")
    with clock.frozen("2026-08-01T10:00:00+08:00"):  # 89 days later: kept
        assert client.get("/api/v1/staff/problems", headers=reviewer).json()[0]["phone"]
    with clock.frozen("2026-08-03T10:00:00+08:00"):  # 91 days later: erased on reading
        assert client.get("/api/v1/staff/problems", headers=reviewer).json()[0]["phone"] is None
    audit = db.execute(
        "SELECT actor, after FROM operations_audit WHERE table_name = 'station_problems' "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert audit["actor"] == problems.RETENTION_ACTOR and audit["after"]["has_phone"] is False
    assert "13800138000" not in str(db.execute("SELECT * FROM operations_audit").fetchall())


def test_a_station_closed_for_good_since_is_not_reopened(client, db, reviewer):
    sid = _station(db)
    _report(client, sid)
    pid = client.get("/api/v1/staff/problems", headers=reviewer).json()[0]["id"]
    url = f"/api/v1/staff/problems/{pid}/decision"
    body = {"action": "confirm", "close_station": True}
    assert client.post(url, json=body, headers=reviewer).status_code == 200
    db.execute(
        "UPDATE stations SET status = 'closed', closed_on = '2026-01-01', "
        "status_reason = '撤站' WHERE id = %s",
        (sid,),
    )
    r = client.post(url, json={"action": "fixed", "reopen_station": True}, headers=reviewer)
    assert r.status_code == 409 and "不能重新开放" in r.json()["message"]
    assert db.execute("SELECT status FROM stations").fetchone()["status"] == "closed"
    assert db.execute("SELECT state FROM station_problems").fetchone()["state"] == "confirmed"


def test_confirming_closed_of_a_station_already_closed_does_not_claim_it(client, db, reviewer):
    sid = _station(db)
    _report(client, sid)
    pid = client.get("/api/v1/staff/problems", headers=reviewer).json()[0]["id"]
    db.execute(
        "UPDATE stations SET status = 'temporarily_closed', status_reason = '装修' WHERE id = %s",
        (sid,),
    )
    r = client.post(
        f"/api/v1/staff/problems/{pid}/decision",
        json={"action": "confirm", "close_station": True},
        headers=reviewer,
    )
    assert r.status_code == 200 and r.json()["closed_station"] is False
    assert r.json()["station_status"] == "temporarily_closed"


def test_a_problem_staff_found_gets_an_s_receipt_and_collapses_like_a_report(db):
    from geo.db.connection import set_actor

    sid = _station(db)
    with db.transaction():
        set_actor(db, "li.review")
        first = problems.record_problem(
            db, station_id=sid, category="service_missing", service="toilet", source="staff"
        )
        again = problems.record_problem(
            db, station_id=sid, category="service_missing", service="toilet", source="staff"
        )
    assert first.receipt.startswith("S") and first.merged is False
    assert again.receipt == first.receipt and again.merged is True
    row = db.execute("SELECT source, reports, phone FROM station_problems").fetchone()
    assert (row["source"], row["reports"], row["phone"]) == ("staff", 2, None)
    with pytest.raises(InvalidInput):
        problems.record_problem(
            db, station_id=sid, category="closed", service="toilet", source="staff"
        )
