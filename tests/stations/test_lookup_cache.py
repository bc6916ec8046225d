"""The public lookup's opening-hours cache holds one answer's worth, not the day's requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from geo.stations import lookup


def test_hours_cache_stays_small_when_every_request_has_its_own_time() -> None:
    tz = "Asia/Shanghai"
    start = datetime(2026, 1, 5, 8, 0, tzinfo=ZoneInfo(tz))
    lookup._hours.cache_clear()
    for i in range(1000):  # 1000 requests, each evaluated at its own moment
        when = start + timedelta(seconds=i)
        assert lookup._hours("Mo-Fr 08:00-18:00", when, tz)[0] is True
    assert lookup._hours.cache_info().currsize <= 256


def test_hours_cache_still_serves_stations_sharing_hours_in_one_answer() -> None:
    tz = "Asia/Shanghai"
    when = datetime(2026, 1, 5, 20, 0, tzinfo=ZoneInfo(tz))
    lookup._hours.cache_clear()
    for _ in range(50):
        lookup._hours("Mo-Fr 08:00-18:00", when, tz)
    assert lookup._hours.cache_info().hits == 49
