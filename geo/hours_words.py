"""Opening hours in words, for people: 周一至周五 09:00–17:00；周六 09:00–12:00.

Stations keep their hours as OSM ``opening_hours`` (:mod:`geo.hours`). The map shows them
in words, Chinese and English, with today's hours first:

* the week: the days with the same hours grouped (``Mo-Fr 09:00-17:00; Sa 09:00-12:00``
  → 周一至周五 09:00–17:00；周六 09:00–12:00 / Mon–Fri 09:00–17:00; Sat 09:00–12:00),
  days without hours left out, public holidays (``PH``) last; a later rule for a day
  replaces an earlier one, as the OSM syntax says;
* today: what the hours say for the city's date (public holidays counted by the same
  library that decides open or closed).

Only the common weekly forms are put in words (weekdays, ``PH``, times, ``off``, ``24/7``);
hours with months, dates, weeks, sunrise or comments get no week in words (None) and the
page shows them as written. Invalid hours get no words at all.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import opening_hours
from pydantic import BaseModel

from geo import hours
from geo.errors import YizhanError

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
DAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PH = "PH"
DASH = "\u2013"  # en dash between times and days

_TIME = r"\d{2}:\d{2}"
_SPAN = re.compile(rf"^({_TIME})-({_TIME})$")
_DAY_RANGE = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")

Spans = tuple[tuple[str, str], ...]


class HoursWords(BaseModel):
    """Hours in words: today's and the week's, Chinese and English (``week_*`` None when
    the hours are in a form not put in words)."""

    today_zh: str
    today_en: str
    week_zh: str | None
    week_en: str | None


def _selector(text: str) -> list[str] | None:
    """The days (``Mo``..``Su``, ``PH``) of a selector such as ``Mo-Fr,Su,PH``."""
    days: list[str] = []
    for part in text.split(","):
        if part == PH:
            days.append(PH)
            continue
        m = _DAY_RANGE.match(part)
        if m is None:
            return None
        first = DAYS.index(m.group(1))
        last = DAYS.index(m.group(2) or m.group(1))
        n = (last - first) % 7
        days.extend(DAYS[(first + k) % 7] for k in range(n + 1))
    return days


def _spans(text: str) -> Spans | None:
    """``09:00-12:00,13:00-17:00`` as ((start, end), ...); ``off`` as ()."""
    if text in ("off", "closed"):
        return ()
    out = []
    for part in text.split(","):
        m = _SPAN.match(part)
        if m is None:
            return None
        out.append((m.group(1), m.group(2)))
    return tuple(out)


def weekly(canonical: str) -> dict[str, Spans] | None:
    """The hours of each day (``Mo``..``Su``, ``PH``) of a canonical weekly expression,
    None when it is not one (months, dates, comments …)."""
    if canonical == "24/7":
        return {d: (("00:00", "24:00"),) for d in (*DAYS, PH)}
    week: dict[str, Spans] = {}
    for rule in (r.strip() for r in canonical.split(";")):
        if not rule:
            continue
        head, _, rest = rule.partition(" ")
        days = _selector(head)
        if days is None:  # no selector: every day
            days, rest = list(DAYS), rule
        spans = _spans(rest.strip()) if rest.strip() else (("00:00", "24:00"),)
        if spans is None:
            return None
        for d in days:
            week[d] = spans
    return week


def _day_runs(days: list[int], zh: bool) -> str:
    """Weekday indexes as words: runs of three or more as a range."""
    names = DAYS_ZH if zh else DAYS_EN
    if len(days) == len(DAYS):
        return "每天" if zh else "Daily"
    runs: list[list[int]] = []
    for d in days:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    words = []
    for run in runs:
        if len(run) >= 3:
            between = "至" if zh else DASH
            words.append(f"{names[run[0]]}{between}{names[run[-1]]}")
        else:
            words.extend(names[d] for d in run)
    return ("、" if zh else ", ").join(words)


def _times(spans: Spans, zh: bool) -> str:
    if not spans:
        return "休息" if zh else "closed"
    if spans == (("00:00", "24:00"),):
        return "全天" if zh else "all day"
    return ("、" if zh else ", ").join(f"{a}{DASH}{b}" for a, b in spans)


def _week_words(week: dict[str, Spans], zh: bool) -> str:
    if all(week.get(d) == (("00:00", "24:00"),) for d in DAYS) and week.get(PH) != ():
        return "每天 24 小时开放" if zh else "Open 24/7"
    groups: dict[Spans, list[int]] = {}
    for i, d in enumerate(DAYS):
        if week.get(d):
            groups.setdefault(week[d], []).append(i)
    parts = [
        f"{_day_runs(days, zh)} {_times(spans, zh)}"
        for spans, days in sorted(groups.items(), key=lambda item: item[1][0])
    ]
    if PH in week:
        parts.append(f"{'节假日' if zh else 'public holidays'} {_times(week[PH], zh)}")
    if not parts:
        return "不开放" if zh else "closed"
    return ("；" if zh else "; ").join(parts)


def _clock(moment: datetime, day: date) -> str:
    """A local time on ``day`` as HH:MM; the next midnight as 24:00."""
    return "24:00" if moment.date() > day else moment.strftime("%H:%M")


@lru_cache(maxsize=hours.COMPILED_CACHE_SIZE)
def _today(text: str, day: date, country: str | None) -> tuple[str, str] | None:
    """Today's open times per the library (public holidays included)."""
    try:
        compiled = hours._hours(text, country)  # noqa: SLF001 -- the one parsed copy
    except YizhanError:
        return None
    start = datetime.combine(day, time())
    spans = [
        (a, b)
        for a, b, state, _ in compiled.intervals(start, start + timedelta(days=1))
        if state == opening_hours.State.OPEN and b > a
    ]
    if not spans:
        return "今天休息", "Closed today"
    if len(spans) == 1 and spans[0][0] == start and spans[0][1] >= start + timedelta(days=1):
        return "今天全天开放", "Open all day today"
    zh = "、".join(f"{_clock(a, day)}{DASH}{_clock(b, day)}" for a, b in spans)
    en = ", ".join(f"{_clock(a, day)}{DASH}{_clock(b, day)}" for a, b in spans)
    return f"今天 {zh}", f"Today {en}"


@lru_cache(maxsize=hours.COMPILED_CACHE_SIZE)
def _week(text: str) -> tuple[str, str] | None:
    try:
        canonical = hours.validate_opening_hours(text)
    except YizhanError:
        return None
    week = weekly(canonical)
    if week is None:
        return None
    return _week_words(week, True), _week_words(week, False)


def in_words(text: str | None, day: date, *, country: str | None = "CN") -> HoursWords | None:
    """Hours in words for a city's ``day``: None for no hours or invalid hours.

    Parameters
    ----------
    text
        The stored OSM ``opening_hours``.
    day
        The city's date, for today's hours (``geo.clock``'s today, or the day of ``at``).
    country
        Whose public holidays ``PH`` means (as :func:`geo.hours.status_at`).
    """
    if not text or not str(text).strip():
        return None
    today = _today(str(text), day, country)
    if today is None:
        return None
    week = _week(str(text))
    return HoursWords(
        today_zh=today[0],
        today_en=today[1],
        week_zh=week[0] if week else None,
        week_en=week[1] if week else None,
    )
