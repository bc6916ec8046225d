"""The public lookup's opening hours: asked of the library once per text and local minute,
in caches of a bounded size (see :mod:`geo.hours`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from geo import hours
from geo.stations import lookup

TZ = "Asia/Shanghai"


def test_hours_are_evaluated_once_a_minute_when_every_request_has_its_own_time() -> None:
    start = datetime(2026, 1, 5, 8, 0, tzinfo=ZoneInfo(TZ))
    hours.cache_clear()
    for i in range(1000):  # 1000 requests, each at its own second: 08:00:00 to 08:16:39
        when = start + timedelta(seconds=i, microseconds=i)
        assert lookup._hours("Mo-Fr 08:00-18:00", when, TZ)[0] is True
    minutes = 17
    assert hours.evaluations() == 2 * minutes  # open or not, and the next change
    assert hours._open_at_minute.cache_info().currsize == minutes


def test_hours_caches_stay_bounded_over_a_long_day() -> None:
    start = datetime(2026, 1, 5, 0, 0, tzinfo=ZoneInfo(TZ))
    hours.cache_clear()
    for i in range(hours.STATE_CACHE_SIZE + 500):
        lookup._hours("Mo-Fr 08:00-18:00", start + timedelta(minutes=i), TZ)
    assert hours._open_at_minute.cache_info().currsize == hours.STATE_CACHE_SIZE
    assert hours._change_after_minute.cache_info().currsize == hours.STATE_CACHE_SIZE
    assert hours._compiled.cache_info().currsize == 1  # parsed once


def test_stations_sharing_hours_in_one_answer_are_evaluated_once() -> None:
    when = datetime(2026, 1, 5, 20, 0, tzinfo=ZoneInfo(TZ))
    hours.cache_clear()
    for _ in range(50):
        assert lookup._hours("Mo-Fr 08:00-18:00", when, TZ) == (
            False,
            datetime(2026, 1, 6, 8, 0, tzinfo=ZoneInfo(TZ)),
            None,
        )
    assert hours.evaluations() == 2
