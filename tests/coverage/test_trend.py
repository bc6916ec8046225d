"""Trend, projection and count targets."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.coverage.trend import count_targets, month_ends, project
from geo.db import targets as targets_db
from tests.helpers.cities import add_station

TODAY = dt.date(2026, 11, 24)
DEADLINE = dt.date(2026, 12, 31)


def test_month_ends_run_from_the_first_month_to_today() -> None:
    assert month_ends(dt.date(2026, 8, 10), TODAY) == [
        dt.date(2026, 8, 31),
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 31),
        TODAY,
    ]
    assert month_ends(dt.date(2025, 12, 5), dt.date(2026, 1, 3))[0] == dt.date(2025, 12, 31)


def _monthly(values: list[float]) -> list[tuple[dt.date, float]]:
    ends = month_ends(dt.date(2026, 11 - len(values) + 1, 1), TODAY)
    return list(zip(ends[-len(values) :], values, strict=True))


def test_a_fast_recent_pace_is_on_track() -> None:
    p = project(_monthly([0.70, 0.78, 0.86, 0.94]), TODAY, 1.0, DEADLINE)
    assert p["status"] == "on_track"
    assert dt.date.fromisoformat(p["projected_date"]) <= DEADLINE
    assert p["pace_per_month"] == pytest.approx(0.08, rel=0.1)


def test_a_pace_of_at_least_half_the_needed_pace_is_at_risk() -> None:
    # 20 points left in ~1.2 months: needed ~16.6/month; recent pace 10/month
    p = project(_monthly([0.50, 0.60, 0.70, 0.80]), TODAY, 1.0, DEADLINE)
    assert p["status"] == "at_risk"
    assert p["needed_per_month"] == pytest.approx(0.2 / (37 / 30.4375), rel=1e-3)


def test_no_progress_is_off_track_and_a_reached_target_is_met() -> None:
    assert project(_monthly([0.5, 0.5, 0.5]), TODAY, 1.0, DEADLINE)["status"] == "off_track"
    assert project(_monthly([0.9, 1.0]), TODAY, 1.0, DEADLINE)["status"] == "met"


def test_count_target_counts_stations_opened_in_its_year(db) -> None:
    with db.transaction():
        targets_db.upsert(
            db,
            [
                {
                    "kind": "worker_bookshop",
                    "metric": "new_stations",
                    "value": 20,
                    "starts_on": dt.date(2026, 1, 1),
                    "deadline": DEADLINE,
                }
            ],
        )
    for i, opened in enumerate(
        [dt.date(2025, 6, 1)] + [dt.date(2026, m, 15) for m in range(1, 12)]
    ):
        add_station(db, 100 * i, 0, name=f"书屋{i}", kind="worker_bookshop", opened_on=opened)
    add_station(
        db, 0, 50, name="规划书屋", kind="worker_bookshop", status="planned", opened_on=None
    )
    [t] = count_targets(db, TODAY)
    assert t["current"] == 11  # the 2025 one and the planned one do not count
    assert t["series"][0] == {"as_of": "2026-01-31", "count": 1.0}
    assert t["series"][-1]["count"] == 11
    # 11 in 10.8 months (about one a month) with 9 to go in 1.2 months: off track
    assert t["status"] == "off_track"
