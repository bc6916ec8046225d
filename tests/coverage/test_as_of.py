"""An answer as of a date depends only on that date and the data.

One clock in the city's time zone; the default as-of date is the city's today; a report
as of D is the same whenever it is run; after a deadline the targets say met or missed;
projections that would never arrive say so; a date before the first station is 0 %.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo import clock
from geo.coverage import service, trend
from geo.db import targets as targets_db
from geo.report import report_data
from geo.settings import ClockSettings, get_settings
from tests.helpers.cities import add_station
from tests.helpers.cli import yizhan

# 00:30 on New Year's Day in Beijing is still 2026-12-31 in UTC.
NEW_YEAR_BEIJING = "2027-01-01T00:30:00+08:00"


def _target(db, metric: str, value: float, deadline: dt.date, **more) -> None:
    with db.transaction():
        targets_db.upsert(
            db,
            [
                {"kind": "love_station", "metric": metric, "value": value, "deadline": deadline}
                | more
            ],
        )


# -- the one clock --------------------------------------------------------------------


def test_today_is_the_city_date_not_the_machines_utc_date() -> None:
    with clock.frozen("2026-12-31T16:30:00+00:00"):
        assert clock.today() == dt.date(2027, 1, 1)
        assert clock.now().utcoffset() == dt.timedelta(hours=8)
    with clock.frozen("2027-01-01T07:59:00+08:00"):
        assert clock.today() == dt.date(2027, 1, 1)


def test_a_time_without_offset_is_read_in_the_city_zone() -> None:
    with clock.frozen("2027-01-01T00:30:00") as when:
        assert when.isoformat() == NEW_YEAR_BEIJING
        assert clock.today() == dt.date(2027, 1, 1)


def test_the_city_zone_is_yizhan_timezone(monkeypatch) -> None:
    monkeypatch.setenv("YIZHAN_TIMEZONE", "Europe/London")
    get_settings.cache_clear()
    try:
        with clock.frozen("2026-12-31T16:30:00+00:00"):
            assert clock.today() == dt.date(2026, 12, 31)
    finally:
        monkeypatch.delenv("YIZHAN_TIMEZONE")
        get_settings.cache_clear()


def test_bad_clock_settings_are_refused_with_the_variable_named() -> None:
    with pytest.raises(ValueError, match="YIZHAN_TIMEZONE"):
        ClockSettings(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="YIZHAN_NOW"):
        ClockSettings(now="2027-01-01T00:30:00")


def test_the_default_as_of_date_is_today_in_the_city(city, database_url) -> None:
    with TestClient(create_app(database_url)) as c, clock.frozen(NEW_YEAR_BEIJING):
        body = c.get("/api/v1/coverage/trend").json()
    assert body["as_of"] == "2027-01-01"
    assert body["missing"][-2:] == ["2026-12-31", "2027-01-01"]


def test_the_cli_default_as_of_date_follows_the_clock(city, database_url) -> None:
    r = yizhan("coverage", "run", url=database_url, env={"YIZHAN_NOW": "2026-12-31T16:30:00Z"})
    assert r.returncode == 0, r.stderr
    assert "2027-01-01" in r.stdout and "79.00%" in r.stdout


def test_a_closing_date_defaults_to_the_citys_today(city) -> None:
    from geo.accounts import User
    from geo.stations.edits import change_status

    row = city.execute("SELECT id, version FROM stations WHERE name = '乙'").fetchone()
    admin = User(1, "admin", "admin")
    with clock.frozen(NEW_YEAR_BEIJING), city.transaction():
        out = change_status(city, admin, row["id"], row["version"], "closed", reason="拆除")
    assert out.station["closed_on"] == dt.date(2027, 1, 1)


# -- reproducible as of a date --------------------------------------------------------


def _without_run_times(report: dict) -> dict:
    plan = {k: v for k, v in report["plan"].items() if k not in ("seconds", "solve_seconds")}
    return {**report, "plan": plan, "generated_at": None}


def test_last_months_report_gives_last_months_figures_whenever_it_is_run(city) -> None:
    _target(city, "main_street_coverage", 1.0, dt.date(2026, 12, 31))
    as_of = dt.date(2026, 10, 31)
    with clock.frozen("2026-11-01T09:00:00+08:00"):
        then = report_data(city, as_of, "love_station")
    with clock.frozen("2027-07-01T09:00:00+08:00"):
        later = report_data(city, as_of, "love_station")
    assert _without_run_times(then) == _without_run_times(later)
    assert then["generated_at"] == "2026-11-01T09:00:00+08:00"
    assert later["generated_at"] == "2027-07-01T09:00:00+08:00"
    assert then["trend"][-1]["as_of"] == "2026-10-31"
    assert then["plan"]["pace"]["today"] == "2026-10-31"
    [main] = [t for t in then["targets"] if t["metric"] == "main_street_coverage"]
    assert main["current"] == pytest.approx(0.79) and main["status"] != "missed"


def test_a_date_before_the_first_station_is_zero_with_a_note(city, database_url) -> None:
    q = service.question(dt.date(2026, 3, 1), "love_station")
    snap = service.run(city, q)
    s = snap["figures"]["summary"]
    assert s["stations"] == 0 and s["main_street_share"] == 0.0
    assert "2026-08-10" in s["note"] and "before the first love station" in s["note_en"]
    with TestClient(create_app(database_url)) as c:
        body = c.get("/api/v1/coverage", params={"as_of": "2026-03-01"}).json()
    assert body["summary"]["main_street_share"] == 0.0 and "2026-08-10" in body["summary"]["note"]
    early = trend.coverage_trend(city, "love_station", as_of=dt.date(2026, 3, 1), compute=True)
    assert [p["main_street_share"] for p in early["points"]] == [0.0]


def test_a_kind_without_any_dated_station_is_zero_with_a_note(city) -> None:
    snap = service.run(city, service.question(dt.date(2026, 11, 24), "mother_baby_room"))
    assert snap["figures"]["summary"]["main_street_share"] == 0.0
    assert "opening date" in snap["figures"]["summary"]["note_en"]


# -- after the deadline ---------------------------------------------------------------


def test_after_the_deadline_targets_say_met_or_missed_with_what_was_reached(city) -> None:
    _target(city, "main_street_coverage", 1.0, dt.date(2026, 12, 31))
    _target(city, "main_street_coverage", 0.75, dt.date(2026, 10, 15))  # not a month end
    out = trend.coverage_trend(city, "love_station", as_of=dt.date(2027, 1, 15), compute=True)
    dates = [p["as_of"] for p in out["points"]]
    assert "2026-10-15" in dates and "2026-12-31" in dates and dates[-1] == "2027-01-15"
    by_deadline = {t["deadline"]: t for t in out["targets"]}
    early, end = by_deadline["2026-10-15"], by_deadline["2026-12-31"]
    assert early["status"] == "met" and early["reached"] == pytest.approx(0.79)
    assert end["status"] == "missed" and end["reached"] == pytest.approx(0.79)
    assert end["status_label"].startswith("未按期完成")
    assert end["projected_date"] is None and end["pace_per_month"] is None
    assert "79.0%" in end["projection"] and "missed" in end["projection_en"]


def test_on_the_deadline_itself_the_target_is_still_open(city) -> None:
    _target(city, "main_street_coverage", 1.0, dt.date(2026, 12, 31))
    out = trend.coverage_trend(city, "love_station", as_of=dt.date(2026, 12, 31), compute=True)
    [t] = [t for t in out["targets"] if t["metric"] == "main_street_coverage"]
    assert t["status"] == "off_track" and t["reached"] is None
    assert "today is the deadline" in t["projection_en"]


def test_a_count_target_after_its_deadline_is_met_or_missed(db) -> None:
    with db.transaction():
        targets_db.upsert(
            db,
            [
                {
                    "kind": "worker_bookshop",
                    "metric": "new_stations",
                    "value": 2,
                    "starts_on": dt.date(2026, 1, 1),
                    "deadline": dt.date(2026, 12, 31),
                }
            ],
        )
    add_station(db, 0, 0, name="书屋一", kind="worker_bookshop", opened_on=dt.date(2026, 5, 1))
    add_station(db, 50, 0, name="书屋二", kind="worker_bookshop", opened_on=dt.date(2027, 1, 2))
    [late] = trend.count_targets(db, dt.date(2027, 3, 1))
    assert late["status"] == "missed" and late["reached"] == 1.0
    assert late["series"][-1] == {"as_of": "2026-12-31", "count": 1.0}
    assert "1 座" in late["projection"]


def test_a_plan_after_the_deadline_works_to_the_next_target(city) -> None:
    from geo.siting.plan import plan, plan_question

    _target(city, "main_street_coverage", 1.0, dt.date(2026, 12, 31))
    _target(city, "main_street_coverage", 1.0, dt.date(2027, 12, 31))
    pq = plan_question(dt.date(2027, 2, 1), kind="love_station", spacing_m=100)
    assert plan(city, pq)["pace"]["deadline"] == "2027-12-31"
    pq = plan_question(dt.date(2028, 2, 1), kind="love_station", spacing_m=100)
    assert "has passed" in plan(city, pq)["pace"]["text_en"]


# -- honest projections ---------------------------------------------------------------

AS_OF = dt.date(2026, 11, 24)
DEADLINE = dt.date(2026, 12, 31)


def _monthly(values: list[float]) -> list[tuple[dt.date, float]]:
    ends = trend.month_ends(dt.date(2026, 11 - len(values) + 1, 1), AS_OF)
    return list(zip(ends[-len(values) :], values, strict=True))


def test_no_progress_says_not_reached_at_the_recent_pace_and_the_pace_needed() -> None:
    p = trend.project(_monthly([0.5, 0.5, 0.5]), AS_OF, 1.0, DEADLINE)
    assert p["projected_date"] is None and p["status"] == "off_track"
    assert p["needed_per_month"] == pytest.approx(0.5 / (37 / trend.DAYS_PER_MONTH), rel=1e-3)
    assert "按近期速度无法达到" in p["projection"] and "41.1 个百分点" in p["projection"]
    assert p["projection_en"].startswith("not reached at the recent pace")


def test_a_crawling_pace_gives_no_date_in_the_next_century() -> None:
    # 0.01 points a month: 50 points would take four centuries
    p = trend.project(_monthly([0.4999, 0.49995, 0.5]), AS_OF, 1.0, DEADLINE)
    assert p["pace_per_month"] > 0 and p["projected_date"] is None
    assert "not reached at the recent pace" in p["projection_en"]


def test_a_reachable_projection_gives_its_date_and_pace_in_words() -> None:
    p = trend.project(_monthly([0.70, 0.78, 0.86, 0.94]), AS_OF, 1.0, DEADLINE)
    assert p["status"] == "on_track"
    assert p["projected_date"] in p["projection"] and "8.5 个百分点" in p["projection"]


# -- yizhan targets -------------------------------------------------------------------


def test_targets_are_set_listed_changed_and_removed_with_an_audit(db, database_url) -> None:
    args = ["--kind", "love_station", "--metric", "main_street_coverage", "--deadline"]
    r = yizhan("targets", "set", *args, "2027-12-31", "--value", "95%", url=database_url)
    assert r.returncode == 0, r.stderr
    r = yizhan(
        "targets",
        "set",
        *args,
        "2027-12-31",
        "--value",
        "0.98",
        "--reason",
        "市总工会决定",
        url=database_url,
    )
    assert r.returncode == 0, r.stderr
    listed = yizhan("targets", "list", url=database_url)
    assert "2027-12-31" in listed.stdout and "98%" in listed.stdout
    [row] = db.execute("SELECT * FROM targets").fetchall()
    assert row["value"] == pytest.approx(0.98)
    r = yizhan("targets", "remove", *args, "2027-12-31", url=database_url)
    assert r.returncode == 0, r.stderr
    assert db.execute("SELECT count(*) AS n FROM targets").fetchone()["n"] == 0
    audit = db.execute("SELECT * FROM target_audit ORDER BY id").fetchall()
    assert [a["action"] for a in audit] == ["create", "update", "remove"]
    assert all(a["actor"].startswith("cli") for a in audit)
    assert audit[1]["reason"] == "市总工会决定"
    assert audit[1]["before"]["value"] == pytest.approx(0.95)
    assert audit[2]["before"]["value"] == pytest.approx(0.98)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"--kind": "tea_house"}, "tea_house"),
        ({"--metric": "happiness"}, "happiness"),
        ({"--value": "1.5"}, "1.5"),
        ({"--value": "0"}, "0"),
        ({"--value": "很多"}, "很多"),
        ({"--deadline": "2027-02-30"}, "deadline"),
        ({"--deadline": "0227-12-31"}, "deadline"),
        ({"--metric": "new_stations", "--value": "2.5"}, "2.5"),
        ({"--starts-on": "2028-01-01"}, "starts_on"),
    ],
)
def test_bad_targets_are_refused_and_nothing_is_stored(db, database_url, change, field) -> None:
    _target(db, "main_street_coverage", 1.0, dt.date(2026, 12, 31))
    opts = {
        "--kind": "love_station",
        "--metric": "main_street_coverage",
        "--value": "0.9",
        "--deadline": "2027-12-31",
    } | change
    r = yizhan("targets", "set", *[x for kv in opts.items() for x in kv], url=database_url)
    assert r.returncode == 2, r.stdout
    assert field in r.stderr and "错误" in r.stderr and "error:" in r.stderr
    rows = db.execute("SELECT kind, metric, value, deadline FROM targets").fetchall()
    assert rows == [
        {
            "kind": "love_station",
            "metric": "main_street_coverage",
            "value": 1.0,
            "deadline": dt.date(2026, 12, 31),
        }
    ]


def test_removing_a_target_that_does_not_exist_is_a_clear_error(db, database_url) -> None:
    r = yizhan(
        "targets",
        "remove",
        "--kind",
        "love_station",
        "--metric",
        "new_stations",
        "--deadline",
        "2027-12-31",
        url=database_url,
    )
    assert r.returncode == 2 and "no such target" in r.stderr


def test_a_count_target_before_its_start_is_not_started(db) -> None:
    with db.transaction():
        targets_db.upsert(
            db,
            [
                {
                    "kind": "worker_bookshop",
                    "metric": "new_stations",
                    "value": 20,
                    "starts_on": dt.date(2027, 1, 1),
                    "deadline": dt.date(2027, 12, 31),
                }
            ],
        )
    [t] = trend.count_targets(db, dt.date(2026, 11, 24))
    assert t["status"] == "not_started" and t["current"] == 0.0 and t["series"] == []
    assert "2027-01-01" in t["projection"] and t["projection_en"] == "counted from 2027-01-01"
