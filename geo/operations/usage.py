"""Check-ins (我在这里歇脚) and visitor counts kept on paper: how many people a station serves.

A check-in comes from the station's own page (``/s/{id}``, opened by its QR poster), with
no login: a random token the page keeps (``device``) and the client's address are kept
only as keyed hashes (:mod:`geo.privacy`), to hold each device to one check-in per station
every ``checkin_interval_hours`` and each client to ``checkin_max_per_client_hour``. Each
check-in counts for the station and the city's day (:mod:`geo.clock`).

Stations that count visitors on paper have staff enter the day's count
(:func:`record_usage`): one row per station and day, corrected in place, audited.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import psycopg

from geo import clock
from geo.db import usage as usage_db
from geo.db.connection import set_actor
from geo.errors import InvalidInput, NotFound, RateLimited
from geo.privacy import hash_key, keyed_hash
from geo.settings import OperationsSettings
from geo.stations import sql as stations_sql
from geo.vocab import OCCUPATIONS

#: A device token as the page makes it: 16 to 128 letters, digits, ``-`` or ``_``.
DEVICE_RE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
#: The most days one usage question may span.
MAX_RANGE_DAYS = 366
#: The days shown when no range is asked for (ending today).
DEFAULT_RANGE_DAYS = 30
MAX_VISITORS = 100_000
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class Checkin:
    """A stored check-in: the station, the city's day and that day's count there."""

    station_id: int
    day: dt.date
    at: dt.datetime
    today: int


def _occupation(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value not in OCCUPATIONS:
        raise InvalidInput(
            f"职业 occupation「{value}」无效，可选：{'、'.join(OCCUPATIONS)}",
            f"occupation '{value}' is not one of {', '.join(OCCUPATIONS)}",
            details={"field": "occupation"},
        )
    return value


def _device(value: str) -> str:
    if not DEVICE_RE.match(value or ""):
        raise InvalidInput(
            "设备标识 device 无效：应为 16–128 个字母、数字、- 或 _",
            "device must be 16 to 128 letters, digits, '-' or '_'",
            details={"field": "device"},
        )
    return value


def _hhmm(moment: dt.datetime) -> str:
    local = moment.astimezone(clock.zone())
    return local.strftime("%m-%d %H:%M")


def _wait_s(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def check_in(  # noqa: PLR0913 - who, where, what and the limits
    conn: psycopg.Connection[Any],
    station_id: int,
    *,
    device: str,
    client: str,
    occupation: str | None,
    settings: OperationsSettings,
) -> Checkin:
    """Count one person resting at a public station now, in its own transaction.

    Raises
    ------
    InvalidInput
        A malformed device token or an unknown occupation.
    NotFound
        No station the public may see (a temporarily closed one takes no check-ins).
    RateLimited
        This device checked in here less than ``checkin_interval_hours`` ago, or this
        client made ``checkin_max_per_client_hour`` check-ins in the last hour; the
        message says when again.
    """
    job = _occupation(occupation)
    key = hash_key(conn, settings)
    device_hash = keyed_hash(key, "device:" + _device(device))
    client_hash = keyed_hash(key, "client:" + client)
    now = clock.now()
    day = now.date()
    with conn.transaction():
        set_actor(conn, "public")
        usage_db.lock_checkins(conn, device_hash, client_hash)
        if stations_sql.station(conn, station_id) is None:
            raise NotFound(
                f"编号为 {station_id} 的驿站不存在或未开放，不能签到",
                f"station {station_id} does not exist or is not open: no check-in",
            )
        last = usage_db.last_checkin(conn, device_hash, station_id)
        interval = dt.timedelta(hours=settings.checkin_interval_hours)
        if last is not None and last + interval > now:
            again = last + interval
            raise RateLimited(
                f"您已在本驿站签到，{_hhmm(again)} 后可再次签到",
                f"you have checked in here already; check in again after {_hhmm(again)}",
                retry_after_s=_wait_s(again, now),
                details={"reason": "device_interval", "next_at": again.isoformat()},
            )
        hour_ago = now - dt.timedelta(hours=1)
        n, first = usage_db.client_checkins_since(conn, client_hash, hour_ago)
        if n >= settings.checkin_max_per_client_hour:
            again = (first or now) + dt.timedelta(hours=1)
            raise RateLimited(
                f"此网络一小时内签到次数过多，请于 {_hhmm(again)} 后再试",
                f"too many check-ins from this network in an hour; try again after {_hhmm(again)}",
                retry_after_s=_wait_s(again, now),
                details={"reason": "client_hour", "next_at": again.isoformat()},
            )
        usage_db.insert_checkin(conn, station_id, now, day, job, device_hash, client_hash)
        today = usage_db.checkins_on(conn, station_id, day)
    return Checkin(station_id=station_id, day=day, at=now, today=today)


# ----------------------------------------------------------------- paper counts


def parse_day(value: str | dt.date, field: str = "day") -> dt.date:
    """A date from ``YYYY-MM-DD`` (1990-2100), or InvalidInput naming ``field``."""
    if isinstance(value, dt.date):
        return clock.check_in_range(value, field)
    try:
        day = dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            f"{field} 日期「{value}」无效，请使用 YYYY-MM-DD 格式",
            f"{field}: '{value}' is not a date: use YYYY-MM-DD",
            details={"field": field},
        ) from None
    return clock.check_in_range(day, field)


def _not_future(day: dt.date, field: str) -> dt.date:
    today = clock.today()
    if day > today:
        raise InvalidInput(
            f"{field} 日期 {day} 在未来：只能登记今天（{today}）及以前的人次",
            f"{field}: {day} is in the future: enter counts for today ({today}) or earlier",
            details={"field": field},
        )
    return day


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VISITORS:
        raise InvalidInput(
            f"{field} 应为 0 到 {MAX_VISITORS} 之间的整数，收到「{value}」",
            f"{field} must be a whole number from 0 to {MAX_VISITORS}; got '{value}'",
            details={"field": field},
        )
    return value


def _by_occupation(values: dict[str, Any] | None, visitors: int) -> dict[str, int] | None:
    if not values:
        return None
    out: dict[str, int] = {}
    for code, n in values.items():
        if code not in OCCUPATIONS:
            raise InvalidInput(
                f"by_occupation 中的职业「{code}」无效，可选：{'、'.join(OCCUPATIONS)}",
                f"by_occupation: '{code}' is not one of {', '.join(OCCUPATIONS)}",
                details={"field": f"by_occupation.{code}"},
            )
        count = _count(n, f"by_occupation.{code}")
        if count:
            out[code] = count
    if sum(out.values()) > visitors:
        raise InvalidInput(
            f"按职业的人数之和（{sum(out.values())}）超过总人次 visitors（{visitors}）",
            f"by_occupation adds up to {sum(out.values())}, more than visitors ({visitors})",
            details={"field": "by_occupation"},
        )
    return out or None


def record_usage(  # noqa: PLR0913 - the station's day and what the sheet says
    conn: psycopg.Connection[Any],
    actor: str,
    station_id: int,
    day: str | dt.date,
    visitors: Any,
    by_occupation: dict[str, Any] | None = None,
    note: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Enter (or correct) the paper count of a station for a city day, in its own
    transaction audited as ``actor``; returns the row and whether it is new.

    Raises
    ------
    InvalidInput
        A day in the future or out of range, a count that is not a whole number in
        0..100000, an unknown occupation, occupations adding up to more than ``visitors``,
        a note over 500 characters (each message names the field).
    NotFound
        No approved station with this id.
    """
    when = _not_future(parse_day(day), "day")
    total = _count(visitors, "visitors")
    jobs = _by_occupation(by_occupation, total)
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(
            f"备注 note 最多 {MAX_NOTE_CHARS} 字",
            f"note: at most {MAX_NOTE_CHARS} characters",
            details={"field": "note"},
        )
    with conn.transaction():
        set_actor(conn, actor, "paper visitor count")
        station = stations_sql.get(conn, station_id)
        if station is None or station["review_state"] != "approved":
            raise NotFound(
                f"没有编号为 {station_id} 的已审核站点", f"no approved station with id {station_id}"
            )
        return usage_db.upsert_usage(conn, station_id, when, total, jobs, text)


def _range(start: str | dt.date | None, end: str | dt.date | None) -> tuple[dt.date, dt.date]:
    last = parse_day(end, "to") if end else clock.today()
    first = parse_day(start, "from") if start else last - dt.timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first > last:
        raise InvalidInput(
            f"开始日期 from {first} 晚于结束日期 to {last}",
            f"from {first} is after to {last}",
            details={"field": "from"},
        )
    if (last - first).days >= MAX_RANGE_DAYS:
        raise InvalidInput(
            f"日期范围最多 {MAX_RANGE_DAYS} 天",
            f"the range is at most {MAX_RANGE_DAYS} days",
            details={"field": "from"},
        )
    return first, last


def usage_days(
    conn: psycopg.Connection[Any],
    station_id: int,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
) -> dict[str, Any]:
    """A station's days between ``start`` and ``end`` (default: the last 30 days to the
    city's today) that have check-ins or a paper count, newest first: per day the
    check-ins in all and by occupation (``none``: not given) beside the paper count."""
    first, last = _range(start, end)
    if stations_sql.get(conn, station_id) is None:
        raise NotFound(f"没有编号为 {station_id} 的站点", f"no station with id {station_id}")
    days: dict[dt.date, dict[str, Any]] = {}

    def row(day: dt.date) -> dict[str, Any]:
        return days.setdefault(
            day,
            {"day": day, "checkins": 0, "checkins_by_occupation": {}, "paper": None},
        )

    for r in usage_db.checkins_by_day(conn, station_id, first, last):
        d = row(r["day"])
        d["checkins"] += int(r["n"])
        d["checkins_by_occupation"][r["occupation"] or "none"] = int(r["n"])
    for r in usage_db.usage_between(conn, station_id, first, last):
        row(r["day"])["paper"] = {
            "visitors": r["visitors"],
            "by_occupation": r["by_occupation"] or {},
            "note": r["note"],
            "entered_by": r["entered_by"],
            "entered_at": r["entered_at"],
        }
    return {
        "station_id": station_id,
        "from": first,
        "to": last,
        "days": [days[d] for d in sorted(days, reverse=True)],
    }
