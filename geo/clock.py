"""The one clock: every "now" and "today" in Yizhan is read here, in the city's time zone.

The city's zone is ``YIZHAN_TIMEZONE`` (default ``Asia/Shanghai``), never the machine's:
between 00:00 and 08:00 Beijing time the machine's UTC date is still yesterday, and a
report "as of today" must not change with the server's zone.

Tests (and an operator reproducing a past day) set the clock here and nowhere else:
``YIZHAN_NOW`` (an ISO time with its offset) fixes it for a whole process, and
:func:`frozen` fixes it inside one block of code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from geo.errors import InvalidInput
from geo.settings import get_settings

_frozen: dt.datetime | None = None
# Dates outside this range are typing mistakes (0226-11-24, 2206-11-24), not questions.
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


@lru_cache(maxsize=16)
def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone ``name``.

    Raises
    ------
    InvalidInput
        When no such zone exists.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"未知的时区「{name}」", f"unknown time zone '{name}'") from exc


def zone() -> ZoneInfo:
    """The city's time zone (``YIZHAN_TIMEZONE``)."""
    return zone_named(get_settings().clock.timezone)


def now() -> dt.datetime:
    """The current moment as an aware datetime in the city's time zone."""
    fixed = _frozen or get_settings().clock.now
    city = zone()
    return fixed.astimezone(city) if fixed is not None else dt.datetime.now(city)


def today() -> dt.date:
    """Today's date in the city (not the machine's UTC date)."""
    return now().date()


def parse_instant(value: str | dt.datetime) -> dt.datetime:
    """An aware datetime from ISO text; a time without offset is read in the city's zone."""
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return when if when.tzinfo is not None else when.replace(tzinfo=zone())


def check_in_range(day: dt.date, field: str = "as_of") -> dt.date:
    """``day`` itself, or InvalidInput naming ``field`` when it lies outside 1990-2100."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise InvalidInput(
            f"{field} 日期 {day} 超出范围：请填写 {EARLIEST_DATE} 到 {LATEST_DATE} 之间的日期",
            f"{field}: the date {day} is out of range: use a date from {EARLIEST_DATE} to "
            f"{LATEST_DATE}",
            details={"field": field},
        )
    return day


@contextmanager
def frozen(when: str | dt.datetime) -> Iterator[dt.datetime]:
    """Inside the block, :func:`now` answers ``when`` (ISO text or a datetime; without an
    offset it is read in the city's zone)."""
    global _frozen
    before = _frozen
    _frozen = parse_instant(when)
    try:
        yield _frozen
    finally:
        _frozen = before
