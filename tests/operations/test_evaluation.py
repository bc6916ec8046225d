"""The yearly evaluation's rules on a worked example (tests/operations/evaluation_data.py,
hand-computed), its rules file's errors and its as-of determinism."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from geo import clock
from geo.errors import InvalidFile, InvalidInput
from geo.operations.evaluation import evaluate, flag_codes, load_rules, operations_section
from tests.operations.evaluation_data import checkins, inspection, load_year, problem, usage

# The city's today in these tests: 2026 has begun, 2025 is over.
TODAY = "2026-01-10 12:00"


@pytest.fixture
def year(db):
    with clock.frozen(TODAY):
        yield load_year(db)


def _rows(result):
    return {r["name"][0]: r for r in result["stations"]}


def test_worked_example_scores_stars_and_flags(db, year):
    result = evaluate(db, 2025)
    assert result["as_of"] == dt.date(2025, 12, 31)
    rows = _rows(result)
    assert sorted(rows) == ["丁", "丙", "乙", "甲"]  # E closed 2024, F planned, G pending
    a, b, c, d = rows["甲"], rows["乙"], rows["丙"], rows["丁"]
    assert [p["points"] for p in a["parts"]] == [25, 25, 20, 15, 15]
    assert (a["score"], a["stars"], flag_codes(a)) == (100, 5, [])
    assert [p["points"] for p in b["parts"]] == [25, 8.33, 6.67, 9, 15]
    assert (b["score"], b["stars_before_downgrade"], b["stars"]) == (64, 3, 2)
    assert [f["flag"] for f in b["flags"]] == ["downgrade", "downgrade"]
    assert b["flags"][1]["en"] == "1 confirmed problems open more than 14 days (longest 30 days)"
    assert b["operating_days"] == 184
    assert [p["points"] for p in c["parts"]] == [12.5, 12.5, 10, 10, 7.5]
    assert (c["score"], c["stars"], flag_codes(c)) == (52.5, 2, ["stale", "no_data"])
    assert [p["points"] for p in d["parts"]] == [25, 25, 0, 12, 6]
    assert (d["score"], d["stars"], flag_codes(d)) == (68, 3, ["stale"])
    assert d["operating_days"] == 90
    # Every part says why, in both languages.
    facilities = c["parts"][0]
    assert facilities["reason_zh"] == "核心服务 2/4 项，缺少：饮用水、休息座椅"
    assert facilities["reason_en"] == "2 of 4 core services; missing: drinking water, rest seats"
    assert b["parts"][4]["reason_en"] == "920 visits / 184 operating days = 5.00 a day (target 5)"
    assert all(p["reason_zh"] and p["reason_en"] for r in rows.values() for p in r["parts"])


def test_kind_filter_and_as_of_while_the_year_runs(db, year):
    with clock.frozen("2025-06-30 18:00"):
        result = evaluate(db, 2025, kind="love_station")
    assert result["as_of"] == dt.date(2025, 6, 30)
    # B opened on 2025-07-01: not yet evaluated on June 30.
    assert [r["name"] for r in result["stations"]] == ["甲驿站"]
    with pytest.raises(InvalidInput) as err:
        evaluate(db, 2025, kind="castle")
    assert "castle" in err.value.en


def test_events_after_the_as_of_date_are_ignored(db, year):
    as_of = dt.date(2025, 12, 10)
    before = evaluate(db, 2025, as_of)
    b = _rows(before)["乙"]
    assert b["flags"] == [b["flags"][0]]  # the problem is open 9 days: no second downgrade
    # Later: the problem is fixed, a new inspection, check-ins and a paper count after as_of.
    sid = b["id"]
    db.execute(
        "UPDATE station_problems SET state = 'fixed', resolved_at = '2025-12-20 09:00+08'"
        " WHERE receipt = 'R-B1'"
    )
    inspection(db, sid, "2025-12-15", True, True)
    checkins(db, sid, "2025-12-11", 5, 3, "courier")
    usage(db, sid, "2025-12-12", 40)
    problem(db, sid, "R-B2", "2025-12-11", "confirmed", decided="2025-12-11")
    with clock.frozen("2026-03-01 09:00"):
        again = evaluate(db, 2025, as_of)
    assert again == before
    assert evaluate(db, 2025) != evaluate(db, 2025, as_of)


def test_the_as_of_date_must_be_in_the_year_and_not_in_the_future(db):
    with clock.frozen(TODAY), pytest.raises(InvalidInput) as err:
        evaluate(db, 2025, dt.date(2026, 1, 2))
    assert "2026-01-02" in err.value.zh and err.value.details == {"field": "as_of"}
    with clock.frozen(TODAY), pytest.raises(InvalidInput) as err:
        evaluate(db, 2026, dt.date(2026, 2, 1))
    assert "after today" in err.value.en
    with clock.frozen(TODAY), pytest.raises(InvalidInput) as err:
        evaluate(db, 2027)
    assert "has not begun" in err.value.en


def test_rules_file_changes_the_scores(db, year, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "weights": {
                    "facilities": 40,
                    "hours": 20,
                    "inspections": 20,
                    "problems": 10,
                    "usage": 10,
                },
                "core_services": {"mother_baby_room": ["nursing_chair"]},
                "downgrade": {"max_stars": 1},
            }
        ),
        encoding="utf-8",
    )
    result = evaluate(db, 2025, rules=load_rules(rules))
    c = _rows(result)["丙"]
    # 40 + 10 + 10 + (10 - 3 - 2) + 5
    assert [p["points"] for p in c["parts"]] == [40, 10, 10, 5, 5]
    assert _rows(result)["乙"]["stars"] == 1


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ('{"weights": {"facilities": 30}}', "weights"),
        ('{"weights": {"comfort": 5}}', "weights.comfort"),
        ('{"core_services": {"love_station": ["sauna"]}}', "core_services"),
        ('{"stars": [50, 60, 70, 80]}', "stars"),
        ('{"no_data_share": 2}', "no_data_share"),
        ('{"downgrade": {"max_stars": 0}}', "downgrade.max_stars"),
        ('{"resolve_dayz": 3}', "resolve_dayz"),
    ],
)
def test_rules_file_errors_name_the_key(tmp_path, content, key):
    path = tmp_path / "rules.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidFile) as err:
        load_rules(path)
    assert err.value.details == {"key": key}
    assert f"「{key}」" in err.value.zh and f"'{key}'" in err.value.en


def test_rules_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text("{weights", encoding="utf-8")
    with pytest.raises(InvalidFile) as err:
        load_rules(path)
    assert "rules file" in err.value.en
    with pytest.raises(InvalidFile):
        load_rules(tmp_path / "missing.json")


def test_operations_section_of_the_love_stations(db, year):
    section = operations_section(db, dt.date(2025, 12, 31), "love_station")
    # B was inspected on 11-15; A last on 09-01, 121 days before: not in the last 90.
    assert (section["operating"], section["verified"], section["verified_share"]) == (2, 1, 0.5)
    assert {p["category"]: p["count"] for p in section["open_problems"]}["closed"] == 1
    assert section["open_problems_total"] == 1
    assert section["median_days_to_resolve"] is None  # no love-station problem fixed
    visits = {v["name"]: (v["checkins"], v["paper"]) for v in section["visits_per_station"]}
    assert visits == {"甲驿站": (0, 2000), "乙驿站": (920, 0)}
    occ = {o["occupation"]: (o["checkins"], o["paper"]) for o in section["visits_per_occupation"]}
    assert occ["delivery_rider"] == (920, 0)
    assert occ["courier"] == (0, 1200) and occ["driver"] == (0, 800)
    assert {s["stars"]: s["count"] for s in section["stars"]} == {5: 1, 4: 0, 3: 0, 2: 1, 1: 0}
    assert [d["name"] for d in section["downgrades"]] == ["乙驿站", "乙驿站"]


def test_operations_section_verified_window_and_median(db, year):
    # The bookshop closed on 2025-04-01: evaluated in the year, not operating at its end.
    shops = operations_section(db, dt.date(2025, 12, 31), "worker_bookshop")
    assert (shops["operating"], shops["verified_share"]) == (0, None)
    assert shops["median_days_to_resolve"] == 3
    rooms = operations_section(db, dt.date(2025, 12, 31), "mother_baby_room")
    assert (rooms["operating"], rooms["verified"]) == (1, 0)
    assert rooms["median_days_to_resolve"] == 37
    # A window of 130 days reaches A's last inspection (09-01, 121 days before).
    love = operations_section(db, dt.date(2025, 12, 31), "love_station", verified_days=130)
    assert love["verified"] == 2
