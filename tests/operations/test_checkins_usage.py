"""Paper visitor counts (issue 15): upsert by station and day, audited; future days and bad
counts refused naming the field; shown per day beside the check-ins."""

from __future__ import annotations

from geo import clock
from tests.operations.test_checkins import OPS, add_station

PUT = "/api/v1/staff/stations/{}/usage/{}"


def test_a_count_is_entered_then_corrected_and_both_are_audited(client, db, staff):
    sid = add_station(db)
    with clock.frozen("2026-06-02T09:00:00+08:00"):
        first = client.put(PUT.format(sid, "2026-06-01"), json={"visitors": 12}, headers=staff)
        fixed = client.put(
            PUT.format(sid, "2026-06-01"),
            json={"visitors": 15, "by_occupation": {"courier": 5, "driver": 2}, "note": "更正"},
            headers=staff,
        )
    assert first.status_code == 201, first.text
    assert first.json()["created"] is True and first.json()["entered_by"] == "wang.field"
    assert fixed.status_code == 200
    assert fixed.json()["visitors"] == 15 and fixed.json()["by_occupation"] == {
        "courier": 5,
        "driver": 2,
    }
    rows = db.execute("SELECT visitors FROM station_usage").fetchall()
    assert [r["visitors"] for r in rows] == [15]
    audit = db.execute(
        "SELECT action, actor, reason, before->>'visitors' AS b, after->>'visitors' AS a"
        " FROM operations_audit WHERE table_name = 'station_usage' ORDER BY id"
    ).fetchall()
    assert [(r["action"], r["actor"], r["b"], r["a"]) for r in audit] == [
        ("create", "wang.field", None, "12"),
        ("update", "wang.field", "12", "15"),
    ]


def test_future_days_are_refused_by_the_city_clock(client, db, staff):
    sid = add_station(db)
    # 2026-06-01 23:30 UTC is already the 2nd in the city: the 2nd is today, the 3rd future.
    with clock.frozen("2026-06-01T23:30:00+00:00"):
        today = client.put(PUT.format(sid, "2026-06-02"), json={"visitors": 3}, headers=staff)
        future = client.put(PUT.format(sid, "2026-06-03"), json={"visitors": 3}, headers=staff)
    assert today.status_code == 201
    assert future.status_code == 422
    body = future.json()
    assert body["details"] == {"field": "day"} and "未来" in body["message"]
    assert "future" in body["message_en"]


def test_bad_counts_are_refused_naming_the_field_and_nothing_is_stored(client, db, staff):
    sid = add_station(db)
    url = PUT.format(sid, "2026-06-01")
    with clock.frozen("2026-06-02T09:00:00+08:00"):
        cases = {
            "visitors": client.put(url, json={"visitors": -1}, headers=staff),
            "by_occupation.astronaut": client.put(
                url, json={"visitors": 3, "by_occupation": {"astronaut": 1}}, headers=staff
            ),
            "by_occupation": client.put(
                url, json={"visitors": 3, "by_occupation": {"courier": 4}}, headers=staff
            ),
            "day": client.put(PUT.format(sid, "2026-13-01"), json={"visitors": 1}, headers=staff),
        }
    for field, r in cases.items():
        assert r.status_code == 422, (field, r.text)
        body = r.json()
        named = body["details"] if isinstance(body["details"], dict) else body["details"][0]
        assert named["field"].startswith(field), (field, body)
        assert body["message"] and body["message_en"]
    assert db.execute("SELECT count(*) AS n FROM station_usage").fetchone()["n"] == 0


def test_unknown_or_unapproved_stations_are_404(client, db, staff):
    draft = add_station(db, review_state="pending_review")
    with clock.frozen("2026-06-02T09:00:00+08:00"):
        assert (
            client.put(
                PUT.format(draft, "2026-06-01"), json={"visitors": 1}, headers=staff
            ).status_code
            == 404
        )
        assert (
            client.put(
                PUT.format(999, "2026-06-01"), json={"visitors": 1}, headers=staff
            ).status_code
            == 404
        )


def test_planners_read_but_may_not_enter(client, db, planner):
    sid = add_station(db)
    with clock.frozen("2026-06-02T09:00:00+08:00"):
        put = client.put(PUT.format(sid, "2026-06-01"), json={"visitors": 1}, headers=planner)
        get = client.get(f"/api/v1/staff/usage?station={sid}", headers=planner)
    assert put.status_code == 403 and get.status_code == 200
    assert client.get(f"/api/v1/staff/usage?station={sid}").status_code == 401


def test_days_show_checkins_by_occupation_beside_the_paper_count(client, db, staff):
    from geo.operations.usage import check_in

    sid = add_station(db)
    with clock.frozen("2026-06-01T10:00:00+08:00"):
        for i, job in enumerate(["courier", "courier", None]):
            check_in(
                db, sid, device=f"device-{i:012d}", client="10.0.0.9", occupation=job, settings=OPS
            )
    with clock.frozen("2026-06-03T10:00:00+08:00"):
        client.put(PUT.format(sid, "2026-06-02"), json={"visitors": 7}, headers=staff)
        client.put(PUT.format(sid, "2026-06-01"), json={"visitors": 20}, headers=staff)
        days = client.get(f"/api/v1/staff/usage?station={sid}", headers=staff).json()
        old = client.get(
            f"/api/v1/staff/usage?station={sid}&from=2026-05-01&to=2026-05-31", headers=staff
        ).json()
        wide = client.get(
            f"/api/v1/staff/usage?station={sid}&from=2024-01-01&to=2026-06-01", headers=staff
        )
    assert days["from"] == "2026-05-05" and days["to"] == "2026-06-03"
    got = [
        (d["day"], d["checkins"], d["checkins_by_occupation"], (d["paper"] or {}).get("visitors"))
        for d in days["days"]
    ]
    assert got == [
        ("2026-06-02", 0, {}, 7),
        ("2026-06-01", 3, {"courier": 2, "none": 1}, 20),
    ]
    assert old["days"] == []
    assert wide.status_code == 422 and wide.json()["details"] == {"field": "from"}


def test_a_refused_correction_keeps_the_stored_count(client, db, staff):
    sid = add_station(db)
    url = PUT.format(sid, "2026-06-01")
    with clock.frozen("2026-06-02T09:00:00+08:00"):
        assert client.put(url, json={"visitors": 12}, headers=staff).status_code == 201
        bad = client.put(url, json={"visitors": 3, "by_occupation": {"courier": 4}}, headers=staff)
    assert bad.status_code == 422
    rows = db.execute("SELECT visitors, by_occupation FROM station_usage").fetchall()
    assert [(r["visitors"], r["by_occupation"]) for r in rows] == [(12, None)]
    audit = db.execute(
        "SELECT action FROM operations_audit WHERE table_name = 'station_usage'"
    ).fetchall()
    assert [r["action"] for r in audit] == ["create"]
