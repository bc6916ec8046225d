"""Targets over HTTP (/api/v1/targets, #13: the Targets console page): planners and admins
only; every change audited with the signed-in person and the reason; a removal needs a
reason; bad values are a 422 in Chinese and English and store nothing; a session cookie
changes nothing without the anti-forgery header."""

from __future__ import annotations

from geo.targets import history
from tests.helpers.console import session_cookie

TARGET = {
    "kind": "love_station",
    "metric": "main_street_coverage",
    "value": "95%",
    "deadline": "2026-12-31",
    "reason": "2026 年工作要点",
}


def test_targets_api_refuses_field_staff_and_reviewers(client, staff, reviewer) -> None:
    for headers in (staff, reviewer):
        assert client.get("/api/v1/targets", headers=headers).status_code == 403
        assert client.put("/api/v1/targets", json=TARGET, headers=headers).status_code == 403
    assert client.get("/api/v1/targets").status_code == 401


def test_planner_sets_changes_lists_and_removes_a_target_audited(client, planner, db) -> None:
    r = client.put("/api/v1/targets", json=TARGET, headers=planner)
    assert r.status_code == 200, r.text
    assert (r.json()["value"], r.json()["unit"]) == (0.95, "share")
    changed = client.put(
        "/api/v1/targets", json={**TARGET, "value": "0.98", "reason": "提高"}, headers=planner
    )
    assert changed.json()["value"] == 0.98
    listed = client.get("/api/v1/targets", headers=planner).json()
    assert [(t["kind"], t["metric"], t["value"], t["deadline"]) for t in listed] == [
        ("love_station", "main_street_coverage", 0.98, "2026-12-31")
    ]
    key = {k: TARGET[k] for k in ("kind", "metric", "deadline")}
    no_reason = client.post("/api/v1/targets/remove", json={**key, "reason": " "}, headers=planner)
    assert no_reason.status_code == 422 and "原因" in no_reason.json()["message"]
    gone = client.post("/api/v1/targets/remove", json={**key, "reason": "合并"}, headers=planner)
    assert gone.status_code == 200
    assert client.get("/api/v1/targets", headers=planner).json() == []
    audit = [(a["actor"], a["reason"]) for a in history(db)]
    assert audit == [("zhao.plan", "2026 年工作要点"), ("zhao.plan", "提高"), ("zhao.plan", "合并")]
    again = client.post("/api/v1/targets/remove", json={**key, "reason": "合并"}, headers=planner)
    assert again.status_code == 404


def test_targets_api_refuses_bad_values_in_chinese_and_english(client, admin) -> None:
    for bad in (
        {**TARGET, "value": "150%"},
        {**TARGET, "metric": "new_stations", "value": "2.5"},
        {**TARGET, "deadline": "2026-13-01"},
        {**TARGET, "kind": "teahouse"},
        {**TARGET, "starts_on": "2026-01-01"},  # only new_stations has a start
    ):
        r = client.put("/api/v1/targets", json=bad, headers=admin)
        assert r.status_code == 422, bad
        body = r.json()
        assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    assert client.get("/api/v1/targets", headers=admin).json() == []


def test_targets_cookie_change_needs_the_anti_forgery_header(
    client, make_user, database_url
) -> None:
    make_user("zhao.plan", "planner")
    client.cookies.update(session_cookie(database_url, "zhao.plan"))
    assert client.put("/api/v1/targets", json=TARGET).status_code == 403
    assert client.get("/api/v1/targets").json() == []
    ok = client.put("/api/v1/targets", json=TARGET, headers={"X-Requested-With": "yizhan"})
    assert ok.status_code == 200
