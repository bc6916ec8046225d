"""The coverage API and CLI against the real database, on the hand-built main street."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.helpers.cities import add_station
from tests.helpers.cli import yizhan

AS_OF = "2026-11-24"


@pytest.fixture
def client(city, database_url):
    with TestClient(create_app(database_url)) as c:
        yield c


def _login(database_url: str, name: str, role: str) -> dict[str, str]:
    """A real account and token (no password round trip: Argon2 is slow on purpose)."""
    from geo.accounts import User, issue_token
    from geo.db.accounts import insert_user, user_by_name
    from geo.db.connection import transaction

    with transaction(database_url, actor="test") as conn:
        insert_user(conn, name, role, "not-a-real-hash")
        row = user_by_name(conn, name)
        token, _ = issue_token(conn, User(row["id"], row["name"], row["role"]))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def planner_client(city, database_url):
    with TestClient(create_app(database_url)) as c:
        c.headers.update(_login(database_url, "li.planner", "planner"))
        yield c


def test_computing_needs_a_login(client) -> None:
    r = client.post("/api/v1/coverage/runs", json={"as_of": AS_OF})
    assert r.status_code == 401
    assert "登录" in r.json()["message"]


def test_computing_is_refused_to_field_staff(client, database_url) -> None:
    headers = _login(database_url, "wang.field", "field_staff")
    r = client.post("/api/v1/coverage/runs", json={"as_of": AS_OF}, headers=headers)
    assert r.status_code == 403


def test_get_before_any_run_says_how_to_compute(client) -> None:
    r = client.get("/api/v1/coverage", params={"as_of": AS_OF})
    assert r.status_code == 404
    assert "yizhan coverage run" in r.json()["message_en"]


def test_a_planner_run_is_then_served_publicly_with_districts_and_streets(
    planner_client, client
) -> None:
    run = planner_client.post("/api/v1/coverage/runs", json={"as_of": AS_OF})
    assert run.status_code == 200, run.text
    body = client.get("/api/v1/coverage", params={"as_of": AS_OF, "kind": "love_station"}).json()
    assert body["snapshot_id"] == run.json()["snapshot_id"]
    assert body["summary"]["main_street_covered_m"] == pytest.approx(2370.0, abs=1e-3)
    assert body["streets"] == [
        {
            "street": "主街",
            "length_m": 3000.0,
            "covered_m": 2370.0,
            "share": 0.79,
            "uncovered_reachable_m": 630.0,
            "unreachable_m": 0.0,
        }
    ]
    assert {d["district"] for d in body["districts"]} >= {"示范区"}
    gaps = client.get("/api/v1/coverage/gaps", params={"as_of": AS_OF}).json()
    assert gaps["type"] == "FeatureCollection"
    roles = [f["properties"]["role"] for f in gaps["features"]]
    assert roles[0] == "street_gap" and "area_gap" in roles
    street_gap = gaps["features"][0]
    assert street_gap["geometry"]["type"] == "LineString"
    assert street_gap["properties"]["length_m"] == pytest.approx(630.0, abs=0.5)


def test_trend_lists_missing_month_ends_until_a_planner_computes_them(
    planner_client, client
) -> None:
    before = client.get("/api/v1/coverage/trend", params={"as_of": AS_OF}).json()
    assert before["points"] == [] and before["as_of"] == AS_OF
    assert before["missing"] == ["2026-08-31", "2026-09-30", "2026-10-31", AS_OF]
    planner_client.post("/api/v1/coverage/trend/runs", params={"as_of": AS_OF})
    after = client.get("/api/v1/coverage/trend", params={"as_of": AS_OF}).json()
    assert after["missing"] == []
    shares = [p["main_street_share"] for p in after["points"]]
    assert shares[:2] == [pytest.approx(0.39), pytest.approx(0.39)]  # Aug, Sep: 甲 only
    assert shares[-1] == pytest.approx(0.79)
    metrics = {t["metric"] for t in after["targets"]}
    assert metrics == {"main_street_coverage", "key_district_coverage"}


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "tea_house"},
        {"distance": 0},
        {"distance": 25000},
        {"as_of": "0226-11-24"},
        {"as_of": "not-a-date"},
        {"mode": "flying"},
    ],
)
def test_bad_questions_get_422_in_chinese_and_english(client, params) -> None:
    r = client.get("/api/v1/coverage", params={"as_of": AS_OF, **params})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["message"] and body["message_en"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


def test_cli_run_prints_the_figures_and_reuses_the_snapshot(city, database_url) -> None:
    first = yizhan("coverage", "run", "--as-of", AS_OF, "--kind", "love_station", url=database_url)
    assert first.returncode == 0, first.stderr
    assert "79.00%" in first.stdout
    second = yizhan("coverage", "run", "--as-of", AS_OF, url=database_url)
    assert "reused" in second.stdout
    straight = yizhan("coverage", "run", "--as-of", AS_OF, "--straight-line", url=database_url)
    assert straight.returncode == 0 and "直线距离" in straight.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--kind", "tea_house"],
        ["--distance", "0"],
        ["--distance", "30000"],
        ["--as-of", "0226-11-24"],
    ],
)
def test_cli_bad_input_exits_2_with_both_languages(city, database_url, args) -> None:
    r = yizhan("coverage", "run", "--as-of", AS_OF, *args, url=database_url)
    assert r.returncode == 2
    assert "错误" in r.stderr and "error:" in r.stderr


def test_cli_on_an_empty_network_exits_2(db, database_url) -> None:
    add_station(db, 0, 0)
    r = yizhan("coverage", "run", "--as-of", AS_OF, url=database_url)
    assert r.returncode == 2 and "walk network" in r.stderr


def test_a_plan_needs_a_planner(client, database_url) -> None:
    assert client.get("/api/v1/coverage/plan", params={"k": 1}).status_code == 401
    headers = _login(database_url, "zhao.field", "field_staff")
    r = client.get("/api/v1/coverage/plan", params={"k": 1}, headers=headers)
    assert r.status_code == 403


def test_a_planner_gets_the_best_site_with_gcj02_positions(planner_client) -> None:
    r = planner_client.get(
        "/api/v1/coverage/plan",
        params={"k": 1, "as_of": AS_OF, "distance": 1000, "spacing": 100, "crs": "gcj02"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    (site,) = body["sites"]
    assert body["model"] == "mclp" and site["crs"] == "gcj02"
    before = body["before"]
    assert site["adds_main_street_m"] > 0
    assert site["main_street_share"] == pytest.approx(
        (before["main_street_covered_m"] + site["adds_main_street_m"]) / 3000.0, abs=1e-6
    )
    assert site["x"] - site["lon"] > 0.001  # GCJ-02 is shifted in Shenzhen
    full = planner_client.get("/api/v1/coverage/plan", params={"as_of": AS_OF}).json()
    assert full["model"] == "lscp" and full["verified"]["main_street_share"] == 1.0
    assert "2026-12-31" in full["pace"]["text_en"]


@pytest.mark.parametrize(
    "params",
    [
        {"k": 0},
        {"k": 100000},
        {"solver": "cplex"},
        {"distance": 0},
        {"distance": -1},
        {"time_limit": 0},
    ],
)
def test_bad_plan_questions_get_422_in_chinese_and_english(planner_client, params) -> None:
    r = planner_client.get("/api/v1/coverage/plan", params={"as_of": AS_OF, **params})
    assert r.status_code == 422, r.text
    assert r.json()["message"] and r.json()["message_en"]
