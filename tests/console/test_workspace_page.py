"""The planner workspace on the server (issue 16): planners and admins get the page (a map
page under the console's CSP, the city's today as the default date, no station dots of
the basemap), other roles the 403 page, no session the sign-in redirect; the two reads
the page adds: the covered and uncovered main-street stretches of a snapshot, and the
stations that coverage counts on a date (planners only)."""

from __future__ import annotations

import datetime as dt
import json

from geo import clock
from geo.coverage import service
from maps.assets import asset_url
from maps.console import pages_for
from tests.console.test_coverage_page import AS_OF, city  # noqa: F401 - the fixture


def _config(page: str) -> dict:
    raw = page.split('id="console-config" type="application/json">')[1].split("</script>")[0]
    return json.loads(raw)


def test_planners_and_admins_get_the_workspace_page(signed_in) -> None:
    for name, role in (("zhao.plan", "planner"), ("chen.admin", "admin")):
        client = signed_in(name, role)
        r = client.get("/console/workspace")
        assert r.status_code == 200, role
        assert r.headers["Cache-Control"] == "no-store"
        assert 'href="/console/workspace" aria-current="page"' in r.text
        assert asset_url("/static/yizhan/console-workspace.js") in r.text
        assert asset_url("/static/leaflet/leaflet.js") in r.text
        assert "<script>" not in r.text and "style=" not in r.text
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "http" not in csp
        for text in ("规划工作台", "planner workspace", "在地图中心添加站点", 'id="ws-map"'):
            assert text in r.text
    assert "workspace" in [p.key for p in pages_for("planner")]
    assert "workspace" not in [p.key for p in pages_for("reviewer")]


def test_the_workspace_refuses_other_roles_and_sends_strangers_to_sign_in(signed_in) -> None:
    for name, role in (("wang.field", "field_staff"), ("li.review", "reviewer")):
        r = signed_in(name, role).get("/console/workspace", follow_redirects=False)
        assert r.status_code == 403, role
        assert "无权访问" in r.text and "The Workspace page is for these roles" in r.text
    client = signed_in("zhao.plan", "planner")
    client.cookies.clear()
    r = client.get("/console/workspace", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/console/login")


def test_the_workspace_defaults_to_the_city_s_today_and_draws_its_own_stations(signed_in) -> None:
    client = signed_in("zhao.plan", "planner")
    # 23:30 UTC on the 23rd is already the 24th in Beijing.
    with clock.frozen("2026-11-23T23:30:00+00:00"):
        config = _config(client.get("/console/workspace").text)
    assert config["today"] == "2026-11-24"
    assert config["basemap"]["stations"] is False
    assert config["plan"] == "/console/plan"
    assert config["report"] == "/console/coverage/report"
    assert {k["code"] for k in config["kinds"]} >= {"love_station"}


def test_stretches_split_the_main_streets_into_covered_and_uncovered(
    city,  # noqa: F811 - the fixture
    client,
) -> None:
    query = f"as_of={AS_OF}&kind=love_station"
    r = client.get(f"/api/v1/coverage/stretches?{query}")
    assert r.status_code == 404  # not computed yet: the same answer as GET /coverage
    assert r.json()["message"] and r.json()["message_en"]
    snap = service.run(city, service.question(dt.date.fromisoformat(AS_OF), "love_station"))
    r = client.get(f"/api/v1/coverage/stretches?{query}")
    assert r.status_code == 200
    features = r.json()["features"]
    roles = {f["properties"]["role"] for f in features}
    assert roles == {"street_covered", "street_gap"}
    summary = snap["figures"]["summary"]
    covered = sum(
        f["properties"]["length_m"] for f in features if f["properties"]["role"] == "street_covered"
    )
    assert abs(covered - summary["main_street_covered_m"]) < 1.0
    gaps = sum(
        f["properties"]["length_m"] for f in features if f["properties"]["role"] == "street_gap"
    )
    assert abs(covered + gaps - summary["main_street_m"]) < 1.0


def test_operating_stations_of_a_date_are_for_planners(
    city,  # noqa: F811 - the fixture
    client,
    planner,
    staff,
) -> None:
    assert client.get("/api/v1/coverage/stations").status_code == 401
    assert client.get("/api/v1/coverage/stations", headers=staff).status_code == 403
    september = client.get(
        "/api/v1/coverage/stations?as_of=2026-09-30&kind=love_station", headers=planner
    )
    assert september.status_code == 200
    assert [s["name"] for s in september.json()["stations"]] == ["甲"]  # 乙 opens in October
    november = client.get(f"/api/v1/coverage/stations?as_of={AS_OF}", headers=planner).json()
    assert sorted(s["name"] for s in november["stations"]) == ["乙", "甲"]
    one = november["stations"][0]
    assert set(one) == {"id", "name", "lon", "lat"} and 114 < one["lon"] < 115
    for bad in ("kind=tea_house", "as_of=0226-11-24"):
        r = client.get(f"/api/v1/coverage/stations?{bad}", headers=planner)
        assert r.status_code == 422, bad
        assert r.json()["message"] and r.json()["message_en"], bad
