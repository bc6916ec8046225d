"""What-if and saved scenarios over HTTP, on the hand-built main street: planners only,
exact deltas, clear 4xx in Chinese and English, audited writes, never official."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.crs import from_wgs84_point
from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets, lonlat

AS_OF = "2026-11-24"
D = 500.0


def _login(database_url: str, name: str, role: str) -> dict[str, str]:
    from geo.accounts import User, issue_token
    from geo.db.accounts import insert_user, user_by_name
    from geo.db.connection import transaction

    with transaction(database_url, actor="test") as conn:
        insert_user(conn, name, role, "not-a-real-hash")
        row = user_by_name(conn, name)
        token, _ = issue_token(conn, User(row["id"], row["name"], row["role"]))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def street(db):
    """主街 (3 km): 甲 at x=200 and 乙 at x=2800 operate; 示范区 (key) and 东区 around."""
    load_streets(db, MAIN_STREET)
    load_district(db, "示范区", (0, -500, 1000, 500))
    load_district(db, "东区", (1000, -500, 3200, 500), key=False)
    add_station(db, 200, 30, name="甲", opened_on=dt.date(2026, 8, 10))
    add_station(db, 2800, 0, name="乙", opened_on=dt.date(2026, 10, 5))
    return db


@pytest.fixture
def planner(street, database_url):
    with TestClient(create_app(database_url)) as c:
        c.headers.update(_login(database_url, "li.planner", "planner"))
        yield c


def _ids(db) -> dict[str, int]:
    return {r["name"]: r["id"] for r in db.execute("SELECT id, name FROM stations").fetchall()}


def _add(x: float, y: float, cid: str = "n1", crs: str = "wgs84") -> dict:
    lon, lat = from_wgs84_point(*lonlat(x, y), crs)
    return {"op": "add", "lon": lon, "lat": lat, "crs": crs, "id": cid, "name": "设想驿站"}


def _whatif(c: TestClient, changes: list[dict]) -> dict:
    r = c.post("/api/v1/whatif", json={"as_of": AS_OF, "distance": D, "changes": changes})
    assert r.status_code == 200, r.text
    return r.json()


def test_whatif_needs_a_planner(street, database_url) -> None:
    with TestClient(create_app(database_url)) as c:
        body = {"as_of": AS_OF, "changes": []}
        r = c.post("/api/v1/whatif", json=body)
        assert r.status_code == 401
        assert "登录" in r.json()["message"]
        r = c.post(
            "/api/v1/whatif", json=body, headers=_login(database_url, "wang.field", "field_staff")
        )
        assert r.status_code == 403
        assert c.get("/api/v1/scenarios").status_code == 401


def test_adding_a_station_between_two_covers_the_middle(planner) -> None:
    """甲 covers [0, 670] (500 m less its 30 m set-back, both ways), 乙 [2300, 3000];
    a station at x=1500 adds [1000, 2000]: 1000 m of 3000 m, 33.33 points."""
    out = _whatif(planner, [_add(1500, 0)])
    assert out["official"] is False and "不计入" in out["note"]
    assert out["base"]["main_street_covered_m"] == pytest.approx(670 + 700, abs=0.01)
    assert out["delta"]["main_street_m"] == pytest.approx(1000.0, abs=0.01)
    assert out["delta"]["main_street_share"] == pytest.approx(100 / 3, abs=1e-3)
    assert out["scenario"]["stations"] == 3
    feats = out["newly_covered"]["features"]
    assert [f["properties"]["street"] for f in feats] == ["主街"]
    assert sum(f["properties"]["length_m"] for f in feats) == pytest.approx(1000.0, abs=0.01)
    assert out["newly_uncovered"]["features"] == []
    (st,) = out["stations"]
    assert st["op"] == "add" and st["id"] == "n1"
    assert (st["lon"], st["lat"]) == pytest.approx(lonlat(1500, 0), abs=1e-7)


def test_switching_off_and_moving_stations(planner, street) -> None:
    ids = _ids(street)
    out = _whatif(planner, [{"op": "remove", "station_id": ids["甲"]}])
    assert out["delta"]["main_street_m"] == pytest.approx(-670.0, abs=0.01)
    assert out["delta"]["key_district_share"] < 0
    assert out["stations"][0]["op"] == "remove" and out["stations"][0]["name"] == "甲"
    lost = out["newly_uncovered"]["features"]
    assert sum(f["properties"]["length_m"] for f in lost) == pytest.approx(670.0, abs=0.01)
    x, y = lonlat(1500, 0)
    out = _whatif(planner, [{"op": "move", "station_id": ids["乙"], "lon": x, "lat": y}])
    # 乙 from [2300, 3000] to [1000, 2000]: +1000 - 700
    assert out["delta"]["main_street_m"] == pytest.approx(300.0, abs=0.01)
    assert out["scenario"]["stations"] == 2
    assert out["stations"][0]["op"] == "move" and out["stations"][0]["station_id"] == ids["乙"]
    assert (out["stations"][0]["from_lon"], out["stations"][0]["from_lat"]) == pytest.approx(
        lonlat(2800, 0), abs=1e-7
    )


def test_an_added_station_can_be_dragged_and_given_in_gcj02(planner) -> None:
    out = _whatif(
        planner,
        [_add(900, 0, "p", crs="gcj02"), {"op": "move", "id": "p", **_pos(1500, 0, "bd09")}],
    )
    assert out["delta"]["main_street_m"] == pytest.approx(1000.0, abs=0.05)
    assert (out["stations"][0]["lon"], out["stations"][0]["lat"]) == pytest.approx(
        lonlat(1500, 0), abs=2e-6
    )


def _pos(x: float, y: float, crs: str) -> dict:
    lon, lat = from_wgs84_point(*lonlat(x, y), crs)
    return {"lon": lon, "lat": lat, "crs": crs}


@pytest.mark.parametrize(
    ("changes", "index", "field"),
    [
        ([{"op": "add", "lon": 114.3, "lat": 22.5, "id": "a"}, {"op": "build"}], 1, "op"),
        ([{"op": "add", "lon": "x", "lat": 22.5, "id": "a"}], 0, "lon"),
        ([{"op": "add", "lon": 114.3, "lat": 22.5}], 0, "id"),
        ([{"op": "add", "lon": 114.3, "lat": 22.5, "id": "a", "crs": "utm"}], 0, "crs"),
        ([{"op": "remove", "station_id": 999999}], 0, "station_id"),
        ([{"op": "move", "id": "ghost", "lon": 114.3, "lat": 22.5}], 0, "id"),
        ([{"op": "add", "lon": 114.3, "lat": 22.5, "id": "a\x00"}], 0, "id"),
        ([{"op": "add", "lon": 114.3, "lat": 22.5, "id": "a", "name": None}], 0, "name"),
    ],
)
def test_bad_changes_are_refused_naming_index_and_field(planner, changes, index, field) -> None:
    r = planner.post("/api/v1/whatif", json={"as_of": AS_OF, "changes": changes})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["details"] == {"index": index, "field": field} or (
        body["details"]["index"] == index and body["details"]["field"] == field
    )
    assert f"第 {index + 1} 项" in body["message"] and f"change {index}" in body["message_en"]


def test_a_position_outside_the_service_area_is_refused(planner) -> None:
    r = planner.post(
        "/api/v1/whatif", json={"as_of": AS_OF, "changes": [_add(1500, 0), _add(9000, 9000, "f")]}
    )
    assert r.status_code == 422
    assert r.json()["details"]["index"] == 1
    assert "服务区域之外" in r.json()["message"]


def test_without_a_walk_network_the_answer_is_409(db, database_url) -> None:
    with TestClient(create_app(database_url)) as c:
        c.headers.update(_login(database_url, "li.planner", "planner"))
        r = c.post("/api/v1/whatif", json={"as_of": AS_OF, "changes": []})
    assert r.status_code == 409
    assert "步行路网" in r.json()["message"] and "walk network" in r.json()["message_en"]


def test_whatif_never_touches_the_official_figures(planner) -> None:
    before = planner.post("/api/v1/coverage/runs", json={"as_of": AS_OF, "distance": D}).json()
    _whatif(planner, [_add(1500, 0)])
    after = planner.get("/api/v1/coverage", params={"as_of": AS_OF, "distance": D}).json()
    assert after["summary"] == before["summary"]
    assert after["snapshot_id"] == before["snapshot_id"]


def _scenario(name: str, changes: list[dict], **over) -> dict:
    return {"name": name, "as_of": AS_OF, "distance": D, "changes": changes, **over}


def test_scenarios_are_saved_listed_updated_archived_and_audited(planner, street) -> None:
    r = planner.post("/api/v1/scenarios", json=_scenario("东段补点", [_add(1500, 0)], note="试"))
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["version"] == 1 and s["created_by"] == "li.planner" and r.headers["ETag"] == 'W/"1"'
    dup = planner.post("/api/v1/scenarios", json=_scenario("东段补点", []))
    assert dup.status_code == 409 and "已有名为" in dup.json()["message"]
    assert [x["name"] for x in planner.get("/api/v1/scenarios").json()] == ["东段补点"]

    stale = planner.put(
        f"/api/v1/scenarios/{s['id']}",
        json=_scenario("东段补点", []),
        headers={"If-Match": 'W/"7"'},
    )
    assert stale.status_code == 412
    ok = planner.put(
        f"/api/v1/scenarios/{s['id']}",
        json=_scenario("东段补点二", [_add(1400, 0)]),
        headers={"If-Match": 'W/"1"'},
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.headers["ETag"] == 'W/"2"'
    got = planner.get(f"/api/v1/scenarios/{s['id']}")
    assert got.headers["ETag"] == 'W/"2"' and got.json()["changes"][0]["id"] == "n1"

    res = planner.get(f"/api/v1/scenarios/{s['id']}/result").json()
    assert res["saved"]["name"] == "东段补点二"
    assert res["delta"]["main_street_m"] == pytest.approx(1000.0, abs=0.01)

    assert planner.post(f"/api/v1/scenarios/{s['id']}/archive").status_code == 428
    arch = planner.post(f"/api/v1/scenarios/{s['id']}/archive", headers={"If-Match": 'W/"2"'})
    assert arch.status_code == 200 and arch.json()["archived"] is True
    assert planner.get("/api/v1/scenarios").json() == []
    assert len(planner.get("/api/v1/scenarios", params={"archived": True}).json()) == 1
    again = planner.post("/api/v1/scenarios", json=_scenario("东段补点二", []))
    assert again.status_code == 201  # the archived one's name is free again

    audit = street.execute(
        "SELECT action, actor FROM operations_audit WHERE table_name = 'scenarios'"
        " AND row_id = %s ORDER BY id",
        (s["id"],),
    ).fetchall()
    assert [(a["action"], a["actor"]) for a in audit] == [
        ("create", "li.planner"),
        ("update", "li.planner"),
        ("update", "li.planner"),
    ]
    with pytest.raises(Exception, match="never deleted"):
        street.execute("DELETE FROM scenarios WHERE id = %s", (s["id"],))


def test_bad_scenarios_store_nothing(planner, street) -> None:
    r = planner.post("/api/v1/scenarios", json=_scenario("坏方案", [{"op": "add"}]))
    assert r.status_code == 422 and r.json()["details"]["index"] == 0
    r = planner.post("/api/v1/scenarios", json=_scenario(" ", []))
    assert r.status_code == 422
    r = planner.post("/api/v1/scenarios", json=_scenario("坏\x00", [], note="x\x00"))
    assert r.status_code == 422
    assert street.execute("SELECT count(*) AS n FROM scenarios").fetchone()["n"] == 0
    assert planner.get("/api/v1/scenarios/12345").status_code == 404
    r = planner.post("/api/v1/scenarios", json=_scenario("无备注", [], note=None))
    assert r.status_code == 201 and r.json()["note"] is None


def test_scenarios_compare_side_by_side(planner, street) -> None:
    ids = _ids(street)
    a = planner.post("/api/v1/scenarios", json=_scenario("补一座", [_add(1500, 0)])).json()
    b = planner.post(
        "/api/v1/scenarios", json=_scenario("停甲", [{"op": "remove", "station_id": ids["甲"]}])
    ).json()
    rows = planner.get("/api/v1/scenarios/compare", params={"ids": f"{b['id']},{a['id']}"}).json()
    assert [r["name"] for r in rows] == ["停甲", "补一座"]
    assert rows[0]["delta"]["main_street_m"] == pytest.approx(-670.0, abs=0.01)
    assert rows[1]["delta"]["main_street_m"] == pytest.approx(1000.0, abs=0.01)
    assert rows[0]["base"] == rows[1]["base"]
    r = planner.get("/api/v1/scenarios/compare", params={"ids": f"{a['id']},999"})
    assert r.status_code == 404
    r = planner.get("/api/v1/scenarios/compare", params={"ids": "1,x"})
    assert r.status_code == 422 and r.json()["details"]["field"] == "ids"


def test_a_station_dragged_twice_counts_at_its_last_position(planner, street) -> None:
    ids = _ids(street)
    first, last = lonlat(2000, 0), lonlat(1500, 0)
    out = _whatif(
        planner,
        [
            {"op": "move", "station_id": ids["乙"], "lon": first[0], "lat": first[1]},
            {"op": "move", "station_id": ids["乙"], "lon": last[0], "lat": last[1]},
        ],
    )
    assert out["delta"]["main_street_m"] == pytest.approx(300.0, abs=0.01)
    (st,) = out["stations"]
    assert st["change_index"] == 1 and (st["lon"], st["lat"]) == pytest.approx(last, abs=1e-7)
    # moved, then switched off after all: as if only switched off
    out = _whatif(
        planner,
        [
            {"op": "move", "station_id": ids["乙"], "lon": last[0], "lat": last[1]},
            {"op": "remove", "station_id": ids["乙"]},
        ],
    )
    assert out["delta"]["main_street_m"] == pytest.approx(-700.0, abs=0.01)
    assert [s["op"] for s in out["stations"]] == ["remove"]
    r = planner.post(
        "/api/v1/whatif",
        json={
            "as_of": AS_OF,
            "changes": [
                {"op": "remove", "station_id": ids["甲"]},
                {"op": "remove", "station_id": ids["甲"]},
            ],
        },
    )
    assert r.status_code == 422 and r.json()["details"] == {"index": 1, "field": "station_id"}


def test_nothing_to_measure_is_a_404(db, database_url) -> None:
    load_streets(db, [{"name": "小巷", "coords": [(0, 0), (500, 0)], "is_main": False}])
    with TestClient(create_app(database_url)) as c:
        c.headers.update(_login(database_url, "li.planner", "planner"))
        r = c.post("/api/v1/whatif", json={"as_of": AS_OF, "changes": []})
    assert r.status_code == 404
    assert "没有主街" in r.json()["message"] and "no main streets" in r.json()["message_en"]


def test_a_refused_update_keeps_the_stored_scenario(planner, street) -> None:
    s = planner.post("/api/v1/scenarios", json=_scenario("保留方案", [_add(1500, 0)])).json()
    bad = planner.put(
        f"/api/v1/scenarios/{s['id']}",
        json=_scenario("保留方案", [{"op": "move"}]),
        headers={"If-Match": 'W/"1"'},
    )
    assert bad.status_code == 422 and bad.json()["details"]["index"] == 0
    got = planner.get(f"/api/v1/scenarios/{s['id']}")
    assert got.headers["ETag"] == 'W/"1"'
    assert got.json()["changes"] == s["changes"] and got.json()["name"] == "保留方案"
