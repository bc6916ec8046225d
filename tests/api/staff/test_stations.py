"""Registering and editing stations: validation, duplicates, If-Match, status, history."""

from __future__ import annotations

import pytest

from geo.crs import from_wgs84_point
from tests.helpers.staff import offset, station


def _create(client, headers, **over):
    return client.post("/api/v1/stations", json=station(**over), headers=headers)


def test_field_staff_register_stations_for_review(client, staff, db) -> None:
    r = _create(client, staff)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["review_state"] == "pending_review"
    assert body["created_by"] == "wang.field"
    assert body["services"] == ["drinking_water", "heating", "rest_seats"]
    assert r.headers["ETag"] == 'W/"1"'
    assert r.headers["Location"] == f"/api/v1/staff/stations/{body['id']}"
    audit = db.execute("SELECT action, actor FROM station_audit").fetchall()
    assert audit == [{"action": "create", "actor": "wang.field"}]


def test_reviewers_and_admins_publish_directly(client, reviewer, admin) -> None:
    assert _create(client, reviewer).json()["review_state"] == "approved"
    other = _create(client, admin, name="华强北爱心驿站", lon=114.0850, lat=22.5450)
    assert other.json()["review_state"] == "approved"


def test_positions_in_gcj02_and_bd09_are_stored_in_wgs84(client, staff) -> None:
    for i, crs in enumerate(("gcj02", "bd09")):
        wlon, wlat = 114.06 + i * 0.01, 22.55
        lon, lat = from_wgs84_point(wlon, wlat, crs)
        r = _create(client, staff, name=f"坐标测试{i}", lon=lon, lat=lat, crs=crs)
        assert r.status_code == 201, r.text
        assert r.json()["lon"] == pytest.approx(wlon, abs=1e-5)
        assert r.json()["lat"] == pytest.approx(wlat, abs=1e-5)


@pytest.mark.parametrize(
    ("over", "field", "needle"),
    [
        ({"kind": "spaceship"}, "kind", "无效"),
        ({"name": ""}, "name", "不能为空"),
        ({"name": "站" * 101}, "name", "100"),
        ({"crs": "mars"}, "crs", "坐标系"),
        ({"opening_hours": "whenever"}, "opening_hours", "开放时间"),
        ({"services": ["massage"]}, "services", "未知的服务项目"),
        ({"phone": "call me"}, "phone", "无效"),
        ({"lat": 95}, "lat", "超出范围"),
        ({"level": "galaxy"}, "level", "无效"),
        ({"opened_on": "yesterday"}, "opened_on", "日期"),
        ({"colour": "red"}, "colour", ""),
    ],
)
def test_every_field_is_validated_with_chinese_messages(client, staff, over, field, needle):
    r = _create(client, staff, **over)
    assert r.status_code == 422, r.text
    body = r.json()
    fields = [d["field"] for d in body["details"]]
    assert field in fields
    assert needle in body["message"]


def test_positions_outside_the_city_are_refused_with_the_distance(client, staff, db) -> None:
    db.execute(
        "INSERT INTO districts (name, geom, area_m2) VALUES ('福田区', ST_Multi("
        "ST_MakeEnvelope(114.0, 22.5, 114.1, 22.6, 4326)), 1)"
    )
    assert _create(client, staff).status_code == 201
    far = _create(client, staff, name="远处驿站", lon=114.2, lat=22.55)
    assert far.status_code == 422
    assert "服务区域之外 10.2" in far.json()["message"]  # ~0.1° of longitude at 22.5°N
    assert far.json()["details"][0]["outside_km"] == pytest.approx(10.28, abs=0.1)


def test_same_kind_within_50_m_is_a_possible_duplicate(client, staff, reviewer) -> None:
    first = _create(client, reviewer).json()
    lon, lat = offset(first["lon"], first["lat"], east_m=30)
    r = _create(client, staff, name="完全不同的名字", lon=lon, lat=lat)
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "possible_duplicate"
    [candidate] = body["details"]["candidates"]
    assert candidate["id"] == first["id"]
    assert candidate["distance_m"] == pytest.approx(30, abs=1)
    assert "福田街道爱心驿站" in body["message"]


def test_another_kind_at_the_same_place_is_no_duplicate(client, staff) -> None:
    assert _create(client, staff).status_code == 201
    r = _create(client, staff, kind="mother_baby_room", name="福田街道母婴室")
    assert r.status_code == 201


def test_a_similar_name_within_200_m_is_a_possible_duplicate(client, staff) -> None:
    first = _create(client, staff).json()
    lon, lat = offset(first["lon"], first["lat"], north_m=150)
    similar = _create(client, staff, name="福田街道 爱心驿站（二）", lon=lon, lat=lat)
    assert similar.status_code == 409
    assert similar.json()["details"]["candidates"][0]["distance_m"] == pytest.approx(150, abs=2)
    different = _create(client, staff, name="莲花山公园驿站", lon=lon, lat=lat)
    assert different.status_code == 201
    lon, lat = offset(first["lon"], first["lat"], north_m=400)
    assert _create(client, staff, name="福田街道爱心驿站", lon=lon, lat=lat).status_code == 201


def test_confirming_not_a_duplicate_needs_a_reason_kept_in_the_audit(client, staff, db):
    _create(client, staff)
    lon, lat = offset(114.0550, 22.5410, east_m=20)
    no_reason = _create(client, staff, lon=lon, lat=lat, confirm_not_duplicate=True)
    assert no_reason.status_code == 422
    ok = _create(
        client, staff, lon=lon, lat=lat, confirm_not_duplicate=True, reason="二楼另一家单位"
    )
    assert ok.status_code == 201, ok.text
    reason = db.execute(
        "SELECT reason FROM station_audit WHERE station_id = %s", (ok.json()["id"],)
    ).fetchone()["reason"]
    assert reason == "confirmed not a duplicate: 二楼另一家单位"


def test_rejected_submissions_do_not_block_a_new_one(client, staff, reviewer) -> None:
    first = _create(client, staff).json()
    client.post(
        f"/api/v1/review/{first['id']}/reject", json={"comment": "照片不清"}, headers=reviewer
    )
    assert _create(client, staff).status_code == 201


def _get(client, headers, station_id):
    return client.get(f"/api/v1/staff/stations/{station_id}", headers=headers)


def test_staff_get_returns_the_version_as_etag(client, staff) -> None:
    created = _create(client, staff).json()
    r = _get(client, staff, created["id"])
    assert r.status_code == 200
    assert r.headers["ETag"] == 'W/"1"'
    assert _get(client, staff, 999999).status_code == 404


def test_patch_needs_if_match_and_refuses_stale_versions(client, staff) -> None:
    sid = _create(client, staff).json()["id"]
    url = f"/api/v1/stations/{sid}"
    missing = client.patch(url, json={"phone": "0755-7654321"}, headers=staff)
    assert missing.status_code == 428
    ok = client.patch(url, json={"phone": "0755-7654321"}, headers={**staff, "If-Match": 'W/"1"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] == 'W/"2"' and ok.json()["phone"] == "0755-7654321"
    stale = client.patch(url, json={"phone": "0755-0000000"}, headers={**staff, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["details"] == {"current_version": 2}
    garbage = client.patch(url, json={"phone": "0755-0000000"}, headers={**staff, "If-Match": "*"})
    assert garbage.status_code == 412
    assert _get(client, staff, sid).json()["phone"] == "0755-7654321"


def test_patch_validates_the_whole_station_again(client, staff) -> None:
    sid = _create(client, staff).json()["id"]
    h = {**staff, "If-Match": '"1"'}
    r = client.patch(f"/api/v1/stations/{sid}", json={"opening_hours": "sometimes"}, headers=h)
    assert r.status_code == 422
    r = client.patch(f"/api/v1/stations/{sid}", json={"lon": 114.06}, headers=h)
    assert r.status_code == 422 and "经度和纬度" in r.json()["message"]
    r = client.patch(f"/api/v1/stations/{sid}", json={"opened_on": "2025年4月1日"}, headers=h)
    assert r.status_code == 200 and r.json()["opened_on"] == "2025-04-01"


def test_moving_a_station_onto_another_is_a_possible_duplicate(client, staff) -> None:
    _create(client, staff)
    other = _create(client, staff, name="八卦岭驿站", lon=114.0750, lat=22.5600).json()
    r = client.patch(
        f"/api/v1/stations/{other['id']}",
        json={"lon": 114.0551, "lat": 22.5410},
        headers={**staff, "If-Match": '"1"'},
    )
    assert r.status_code == 409


def test_an_unchanged_patch_makes_no_new_version(client, staff, db) -> None:
    sid = _create(client, staff).json()["id"]
    r = client.patch(
        f"/api/v1/stations/{sid}",
        json={"name": "福田街道爱心驿站"},
        headers={**staff, "If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.json()["version"] == 1
    assert db.execute("SELECT count(*) AS n FROM station_audit").fetchone()["n"] == 1


def test_closing_needs_a_reason_and_keeps_the_station(client, staff, db) -> None:
    sid = _create(client, staff).json()["id"]
    url = f"/api/v1/stations/{sid}/status"
    h = {**staff, "If-Match": '"1"'}
    assert client.post(url, json={"status": "closed"}, headers=h).status_code == 422
    closed = client.post(
        url, json={"status": "closed", "closed_on": "2025-06-30", "reason": "场地收回"}, headers=h
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["closed_on"] == "2025-06-30"
    assert closed.json()["status_reason"] == "场地收回"
    reopened = client.post(url, json={"status": "open"}, headers={**staff, "If-Match": '"2"'})
    assert reopened.json()["status"] == "open" and reopened.json()["closed_on"] is None
    temp = client.post(
        url,
        json={"status": "temporarily_closed", "reason": "装修"},
        headers={**staff, "If-Match": '"3"'},
    )
    assert temp.json()["status"] == "temporarily_closed"
    assert client.delete(f"/api/v1/stations/{sid}", headers=staff).status_code == 405
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 1


def test_closing_before_opening_is_refused(client, staff) -> None:
    sid = _create(client, staff).json()["id"]
    r = client.post(
        f"/api/v1/stations/{sid}/status",
        json={"status": "closed", "closed_on": "2024-01-01", "reason": "x"},
        headers={**staff, "If-Match": '"1"'},
    )
    assert r.status_code == 422 and "早于开放日期" in r.json()["message"]


def test_history_lists_who_changed_which_field_from_what_to_what(client, staff, reviewer):
    sid = _create(client, staff).json()["id"]
    client.patch(
        f"/api/v1/stations/{sid}",
        json={"phone": "0755-7654321", "reason": "电话变更"},
        headers={**staff, "If-Match": '"1"'},
    )
    client.post(f"/api/v1/review/{sid}/approve", json={"comment": "核实无误"}, headers=reviewer)
    r = client.get(f"/api/v1/stations/{sid}/history", headers=staff)
    assert r.status_code == 200
    created, edited, approved = r.json()
    assert created["action"] == "create" and created["actor"] == "wang.field"
    assert {"field": "name", "from": None, "to": "福田街道爱心驿站"} in created["changes"]
    assert edited["actor"] == "wang.field" and edited["reason"] == "电话变更"
    assert edited["changes"] == [{"field": "phone", "from": "0755-1234567", "to": "0755-7654321"}]
    assert approved["actor"] == "li.review" and approved["reason"] == "核实无误"
    fields = {c["field"]: (c["from"], c["to"]) for c in approved["changes"]}
    assert fields == {
        "review_state": ("pending_review", "approved"),
        "review_comment": (None, "核实无误"),
    }
    assert client.get("/api/v1/stations/424242/history", headers=staff).status_code == 404


def test_review_queue_approve_and_reject(client, staff, reviewer) -> None:
    a = _create(client, staff).json()["id"]
    b = _create(client, staff, name="景田驿站", lon=114.03, lat=22.55).json()["id"]
    queue = client.get("/api/v1/review", headers=reviewer)
    assert [s["id"] for s in queue.json()] == [a, b]
    assert client.post(f"/api/v1/review/{a}/approve", json={}, headers=reviewer).status_code == 200
    assert client.post(f"/api/v1/review/{b}/reject", json={}, headers=reviewer).status_code == 422
    rejected = client.post(
        f"/api/v1/review/{b}/reject", json={"comment": "位置不对"}, headers=reviewer
    )
    assert rejected.json()["review_state"] == "rejected"
    assert rejected.json()["review_comment"] == "位置不对"
    assert client.get("/api/v1/review", headers=reviewer).json() == []
    again = client.post(f"/api/v1/review/{a}/approve", json={}, headers=reviewer)
    assert again.status_code == 409
    # The submitter sees the outcome of their submissions.
    mine = client.get("/api/v1/staff/stations?mine=true", headers=staff).json()
    assert {s["id"]: s["review_state"] for s in mine} == {a: "approved", b: "rejected"}


def test_a_corrected_rejected_submission_goes_back_to_review(client, staff, reviewer) -> None:
    sid = _create(client, staff).json()["id"]
    client.post(f"/api/v1/review/{sid}/reject", json={"comment": "电话不对"}, headers=reviewer)
    r = client.patch(
        f"/api/v1/stations/{sid}",
        json={"phone": "0755-1111111"},
        headers={**staff, "If-Match": '"2"'},
    )
    assert r.json()["review_state"] == "pending_review"


def test_mine_lists_only_my_submissions(client, staff, reviewer) -> None:
    _create(client, staff)
    _create(client, reviewer, name="景田驿站", lon=114.03, lat=22.55)
    mine = client.get("/api/v1/staff/stations?mine=true", headers=staff).json()
    assert [s["name"] for s in mine] == ["福田街道爱心驿站"]
    everyone = client.get("/api/v1/staff/stations", headers=staff).json()
    assert len(everyone) == 2


def test_nearby_lists_existing_stations_with_distance(client, staff) -> None:
    _create(client, staff)
    lon, lat = offset(114.0550, 22.5410, east_m=100)
    r = client.get(f"/api/v1/staff/stations/nearby?lon={lon}&lat={lat}", headers=staff)
    [near] = r.json()
    assert near["distance_m"] == pytest.approx(100, abs=1)
    far = client.get(
        f"/api/v1/staff/stations/nearby?lon={lon}&lat={lat}&radius_m=50", headers=staff
    )
    assert far.json() == []
