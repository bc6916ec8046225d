"""#12 item 12: demand that no station could ever cover is its own line.

The city, drawn in metres (D = 500 m): 主街 runs along y = 0 from x = 0 to 3000 (the only
walkway); the key district 示范区 is the box 0…1000 × 0…2000, so only its cells within
500 m of 主街 (a quarter: 0.5 km² of 2 km²) can ever be reached; 远街, a main street
nobody walks on (off the walk network), runs along y = 1800 from x = 0 to 1000, 1800 m
from any walkway. One station stands at x = 200 on 主街. Whatever is built, at most 75 %
of the main streets (3 of 4 km) and 25 % of the key district can be covered.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from openpyxl import load_workbook

from geo.coverage.figures import OUTSIDE
from geo.db import targets as targets_db
from geo.report import report_data
from geo.settings import SitingSettings
from geo.siting.plan import plan, plan_question
from geo.siting.present import mark_slivers
from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets
from tests.helpers.cli import yizhan

AS_OF = dt.date(2026, 11, 24)
D = 500.0
DISTRICT_M2 = 1000 * 2000
UNREACHABLE_M2 = 1000 * 1500  # cells with centres more than 500 m from 主街
FAR_STREET_M = 1000.0


@pytest.fixture
def city(db):
    load_streets(
        db,
        [
            *MAIN_STREET,
            {"name": "远街", "coords": [(0, 1800), (1000, 1800)], "walkable": False},
        ],
    )
    load_district(db, "示范区", (0, 0, 1000, 2000))
    add_station(db, 200, 0, name="甲", opened_on=dt.date(2026, 6, 10))
    with db.transaction():
        targets_db.upsert(
            db,
            [
                {
                    "kind": "love_station",
                    "metric": "key_district_coverage",
                    "value": 0.9,
                    "deadline": dt.date(2026, 12, 31),
                },
                {
                    "kind": "love_station",
                    "metric": "main_street_coverage",
                    "value": 0.7,
                    "deadline": dt.date(2026, 12, 31),
                },
            ],
        )
    return db


@pytest.fixture
def report(city):
    return report_data(city, AS_OF, "love_station", D)


def test_the_summary_splits_covered_reachable_and_unreachable(report) -> None:
    s = report["summary"]
    assert s["key_district_area_m2"] == pytest.approx(DISTRICT_M2, rel=1e-3)
    assert s["key_district_unreachable_m2"] == pytest.approx(UNREACHABLE_M2, rel=1e-3)
    parts = (
        s["key_district_covered_m2"]
        + s["key_district_uncovered_reachable_m2"]
        + s["key_district_unreachable_m2"]
    )
    assert parts == pytest.approx(s["key_district_area_m2"], abs=1.0)
    assert s["key_district_attainable_share"] == pytest.approx(0.25, abs=1e-3)
    assert s["key_district_reachable_share"] == pytest.approx(
        s["key_district_covered_m2"] / (DISTRICT_M2 - UNREACHABLE_M2), rel=1e-3
    )
    assert s["main_street_unreachable_m"] == pytest.approx(FAR_STREET_M, abs=0.5)
    assert s["main_street_attainable_share"] == pytest.approx(0.75, abs=1e-3)
    parts_m = (
        s["main_street_covered_m"]
        + s["main_street_uncovered_reachable_m"]
        + s["main_street_unreachable_m"]
    )
    assert parts_m == pytest.approx(s["main_street_m"], abs=0.5)


def test_districts_and_streets_carry_the_unreachable_line(report) -> None:
    district = next(d for d in report["districts"] if d["district"] == "示范区")
    assert district["area_unreachable_m2"] == pytest.approx(UNREACHABLE_M2, rel=1e-3)
    assert district["area_attainable_share"] == pytest.approx(0.25, abs=1e-3)
    assert district["main_street_unreachable_m"] == pytest.approx(FAR_STREET_M, abs=0.5)
    streets = {r["street"]: r for r in report["streets"]}
    assert streets["远街"]["unreachable_m"] == pytest.approx(FAR_STREET_M, abs=0.5)
    assert streets["远街"]["uncovered_reachable_m"] == pytest.approx(0.0, abs=0.5)
    assert streets["主街"]["unreachable_m"] == 0.0
    assert streets["主街"]["uncovered_reachable_m"] == pytest.approx(
        3000.0 - streets["主街"]["covered_m"], abs=0.5
    )


def test_a_target_above_what_is_reachable_says_no_number_of_stations_meets_it(report) -> None:
    targets = {t["metric"]: t for t in report["targets"]}
    key = targets["key_district_coverage"]
    assert key["attainable"] == pytest.approx(0.25, abs=1e-3)
    assert key["attainable_met"] is False
    assert key["status"] == "off_track"
    assert "任何数量的新站点都无法达到该目标" in key["reach_note"]
    assert "no number of new stations can meet this target" in key["reach_note_en"]
    main = targets["main_street_coverage"]
    assert main["attainable"] == pytest.approx(0.75, abs=1e-3)
    assert main["attainable_met"] is True  # 70 % ≤ 75 %: building can still meet it
    assert main["current_of_reachable"] is not None


def test_the_plans_full_coverage_is_all_reachable_demand_with_the_rest_beside_it(
    report,
) -> None:
    p = report["plan"]
    assert p["model"] == "lscp" and p["sites"]
    # every reachable unit is closed: after the plan, coverage is what can be attained
    assert p["verified"]["key_district_share"] == pytest.approx(0.25, abs=2e-3)
    assert p["verified"]["main_street_share"] == pytest.approx(0.75, abs=1e-3)
    never = p["unreachable"]["never"]
    assert never["key_district_m2"] == pytest.approx(UNREACHABLE_M2, rel=1e-3)
    assert never["main_street_m"] == pytest.approx(FAR_STREET_M, abs=0.5)
    assert p["unreachable"]["no_candidate"]["units"] == 0
    assert "覆盖全部可达需求需新建" in p["pace"]["text"]
    assert "1.500 平方公里" in p["pace"]["text"]  # the unreachable remainder beside it
    assert "reachable demand" in p["pace"]["text_en"]


def test_sliver_sites_are_marked_by_the_documented_threshold(city) -> None:
    rows = [
        {"adds_main_street_m": 9900.0, "adds_key_district_m2": 0.0},
        {"adds_main_street_m": 5.0, "adds_key_district_m2": 100.0},  # 5 + 2 m: both under
        {"adds_main_street_m": 40.0, "adds_key_district_m2": 0.0},  # < 1 % and < 50 m
        {"adds_main_street_m": 60.0, "adds_key_district_m2": 0.0},  # < 1 % but ≥ 50 m
        {"adds_main_street_m": 0.0, "adds_key_district_m2": 0.0},
    ]
    marked = mark_slivers(rows, 1.0, 0.02, 0.01, 50.0)
    assert [r["sliver"] for r in marked] == [False, True, True, False, True]
    # a plan of a hundred even sites (each 1 % of the whole, 100 m) has no sliver
    even = [{"adds_main_street_m": 100.0, "adds_key_district_m2": 0.0}] * 100
    assert not any(r["sliver"] for r in mark_slivers(even, 1.0, 0.02, 0.011, 50.0))
    # on the plan: with thresholds nothing stays under, every site is a sliver; with 0, none
    loose = SitingSettings(siting_sliver_share=1.0, siting_sliver_m=1e12)
    strict = SitingSettings(siting_sliver_share=0.0)
    assert all(
        s["sliver"] for s in plan(city, plan_question(AS_OF, distance_m=D, settings=loose))["sites"]
    )
    answer = plan(city, plan_question(AS_OF, distance_m=D, settings=strict))
    assert answer["sites"] and not any(s["sliver"] for s in answer["sites"])
    assert answer["slivers"] == {"sites": 0, "threshold_share": 0.0, "threshold_m": 50.0}


def test_gaps_are_grouped_by_street_in_json_html_and_xlsx(city, database_url, tmp_path) -> None:
    add_station(city, 1500, 0, name="乙", opened_on=dt.date(2026, 7, 1))  # splits 主街's gap
    html, xlsx, js = tmp_path / "r.html", tmp_path / "r.xlsx", tmp_path / "r.json"
    r = yizhan(
        "report",
        "coverage",
        "--as-of",
        AS_OF.isoformat(),
        "--distance",
        f"{D:g}",
        "--out",
        str(html),
        "--xlsx",
        str(xlsx),
        "--json",
        str(js),
        url=database_url,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(js.read_text("utf-8"))
    grouped = {g["street"]: g for g in data["street_gaps_by_street"]}
    main = grouped["主街"]
    # 甲 covers 0…700, 乙 1000…2000: the gaps 700…1000 and 2000…3000
    assert main["pieces"] == 2
    assert main["uncovered_m"] == pytest.approx(1300.0, abs=0.5)
    assert main["longest_m"] == pytest.approx(1000.0, abs=0.5)
    assert main["districts"] and set(main["districts"]) <= {"示范区", OUTSIDE}
    assert grouped["远街"]["unreachable_m"] == pytest.approx(FAR_STREET_M, abs=0.5)
    page = html.read_text("utf-8")
    for text in ("段数", "无法到达", "任何数量的新站点都无法达到该目标", "全部可达需求"):
        assert text in page, text
    ws = load_workbook(xlsx)["街道缺口"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    head = [c.value for c in ws[1]]
    assert rows["主街"][head.index("段数")] == 2
    assert rows["主街"][head.index("未覆盖（公里）")] == pytest.approx(1.3, abs=1e-3)
    summary = {r[0]: r[1] for r in load_workbook(xlsx)["概要"].iter_rows(values_only=True)}
    assert summary["重点区域：无步行道可达、任何站点都无法覆盖（平方公里）"] == pytest.approx(
        1.5, rel=1e-3
    )


@pytest.mark.realcity
def test_futian_report_shows_what_no_station_can_reach(shared_data, database_url, db) -> None:
    """On the real Futian network (main roads only) much of the key district has no
    walkway within D: the report says how much, that full coverage of it cannot be
    reached by any number of stations, and what the plan's sites leave over."""
    import numpy as np

    from maps.coverage_report import render_html
    from tests.helpers.db import load_futian

    load_futian(shared_data, database_url)
    rng = np.random.default_rng(5)
    for i, (x, y) in enumerate(
        zip(rng.uniform(114.000, 114.037, 6), rng.uniform(22.520, 22.548, 6), strict=True)
    ):
        db.execute(
            "INSERT INTO stations (kind, name, status, opened_on, services, review_state, geom)"
            " VALUES ('love_station', %s, 'open', %s, '{}', 'approved',"
            " ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
            (f"福田测试{i}", dt.date(2026, 1, 1), float(x), float(y)),
        )
    out = report_data(db, AS_OF, "love_station", 1000.0, plan_solver="greedy")
    s, p = out["summary"], out["plan"]
    print(
        "Futian:",
        json.dumps(
            {
                k: s[k]
                for k in (
                    "main_street_m",
                    "main_street_covered_m",
                    "main_street_unreachable_m",
                    "main_street_attainable_share",
                    "key_district_area_m2",
                    "key_district_covered_m2",
                    "key_district_uncovered_reachable_m2",
                    "key_district_unreachable_m2",
                    "key_district_share",
                    "key_district_reachable_share",
                    "key_district_attainable_share",
                )
            }
        ),
        "sites",
        len(p["sites"]),
        "slivers",
        p["slivers"]["sites"],
        "verified",
        p["verified"]["key_district_share"],
        "gap streets",
        len(out["street_gaps_by_street"]),
        p["pace"]["text"],
    )
    assert s["key_district_unreachable_m2"] > 1e6  # square kilometres without a walkway
    assert s["key_district_attainable_share"] < 1
    # the plan closes what it can; what it leaves is exactly what no station reaches
    assert p["unreachable"]["never"]["key_district_m2"] == pytest.approx(
        s["key_district_unreachable_m2"], rel=1e-6
    )
    assert p["verified"]["key_district_share"] == pytest.approx(
        s["key_district_attainable_share"], abs=1e-5
    )
    key = next(t for t in out["targets"] if t["metric"] == "key_district_coverage")
    assert key["attainable_met"] is False  # the default target: 100 % by end-2026
    page = render_html(out)
    assert "任何数量的新站点都无法达到该目标" in page and "覆盖全部可达需求需新建" in page
    assert out["street_gaps_by_street"][0]["pieces"] >= 1


def test_the_api_carries_the_unreachable_lines_and_slivers(city, database_url) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.coverage.test_api import _login

    with TestClient(create_app(database_url)) as c:
        c.headers.update(_login(database_url, "li.planner", "planner"))
        day, d = AS_OF.isoformat(), f"{D:g}"
        run = c.post("/api/v1/coverage/runs", json={"as_of": day, "distance": D})
        assert run.status_code == 200, run.text
        s = run.json()["summary"]
        assert s["key_district_unreachable_m2"] == pytest.approx(UNREACHABLE_M2, rel=1e-3)
        assert s["key_district_attainable_share"] == pytest.approx(0.25, abs=1e-3)
        assert c.post(
            "/api/v1/coverage/trend/runs", params={"as_of": day, "distance": d}
        ).status_code in (200, 202)
        trend = c.get("/api/v1/coverage/trend", params={"as_of": day, "distance": d}).json()
        key = next(t for t in trend["targets"] if t["metric"] == "key_district_coverage")
        assert key["attainable_met"] is False and "无法达到" in key["reach_note"]
        assert trend["points"][-1]["key_district_attainable_share"] == pytest.approx(0.25, abs=1e-3)
        plan_ = c.get("/api/v1/coverage/plan", params={"as_of": day, "distance": d}).json()
        assert plan_["sites"] and all("sliver" in site for site in plan_["sites"])
        assert plan_["slivers"]["threshold_m"] == 50.0
        assert plan_["unreachable"]["never"]["key_district_m2"] == pytest.approx(
            UNREACHABLE_M2, rel=1e-3
        )
