"""Opening hours in OpenStreetMap ``opening_hours`` syntax.

Stations store their hours as an OSM ``opening_hours`` expression (``Mo-Fr 08:00-18:00;
Sa 09:00-12:00``, ``24/7`` …), parsed and evaluated by the maintained ``opening-hours-py``
package. People type hours in Chinese spreadsheets with full-width punctuation and words
such as 全天 or 周一至周五; :func:`normalise_opening_hours` turns the common spellings into
OSM syntax before validation.

Evaluation happens in the station's local wall-clock time: the library is given a naive
local datetime (its own handling of aware datetimes depends on the tzinfo class), and the
next change is returned as an aware datetime in the same zone.

The work is bounded, whatever the hours say (issue #11). The library looks for the next
change of state day by day up to the year 9999: for hours whose state never changes
(``Mo-Su``, ``Mo-Su 00:00-12:00,12:00-24:00``) that was 0.6-1.3 s of CPU per rule, and for a
rule of 40 ``Mo-Su`` 20 s. So:

* the next change is looked for :data:`HORIZON_DAYS` ahead only (every weekly pattern
  changes within a week);
* hours are at most :data:`MAX_CHARS` characters (OpenStreetMap's own limit on a value),
  which bounds the work per day; longer hours are refused on write and, if stored
  earlier, not evaluated (unknown);
* each distinct text is parsed once per process (:data:`COMPILED_CACHE_SIZE`), and its
  state is computed once per local minute (:data:`STATE_CACHE_SIZE`): the hours' times are
  whole minutes, so every moment of a minute has the same answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import opening_hours

from geo.clock import zone_named
from geo.errors import InvalidInput, YizhanError

DEFAULT_TZ = "Asia/Shanghai"
EXAMPLES = "Mo-Fr 08:00-18:00; Sa 09:00-12:00", "24/7"

#: The longest hours accepted, as typed and in the stored standard form: OpenStreetMap's
#: limit on a tag value. The library's work per day evaluated grows with the length.
MAX_CHARS = 255
#: How many days ahead the next change of state is looked for (the library's
#: ``max_interval_days``: changes up to midnight at the end of the 8th day after the
#: moment's date). Every weekly pattern changes within a week; a change further away (a
#: station closed for a season) is reported as none (``next_change`` None).
HORIZON_DAYS = 8
#: Parsed hours kept per process: a page of 1000 stations whose texts all differ fits.
#: A parsed 255-character text of 35 rules takes about 11 KB (measured), so this costs a
#: worker at most ~11 MB; a city's usual few short texts, almost nothing.
COMPILED_CACHE_SIZE = 1024
#: (text, local minute) answers kept per process, for open-or-not and for the next change
#: each: a page of 1000 stations whose texts all differ fits several minutes over.
STATE_CACHE_SIZE = 4096

# Whole-value spellings that mean "always open".
_ALWAYS = frozenset(
    {
        "全天",
        "全天开放",
        "全天候",
        "全天候开放",
        "24小时",
        "24小时开放",
        "24小时营业",
        "24h",
        "24/24",
    }
)
_WEEKDAYS = {
    "一": "Mo",
    "二": "Tu",
    "三": "We",
    "四": "Th",
    "五": "Fr",
    "六": "Sa",
    "日": "Su",
    "天": "Su",
}
_WEEKDAY_RE = re.compile(r"(?:星期|礼拜|周)([一二三四五六日天])")
# Dashes and range words people use between times or days (after NFKC).
_RANGE_RE = re.compile(r"\s*(?:[~\u2010-\u2015\u2212]|至|到)\s*")
_GLUE_RE = re.compile(r"([A-Za-z])(\d)")  # "Mo-Fr08:00" → "Mo-Fr 08:00"


@dataclass(frozen=True)
class HoursState:
    """Whether a station is open at a moment, and when that next changes.

    Attributes
    ----------
    is_open
        True when the hours say open (an "unknown" state counts as not open).
    next_change
        Aware datetime, in the station's time zone, of the next change of state; None
        when the state never changes (``24/7``) or not within :data:`HORIZON_DAYS`.
    """

    is_open: bool
    next_change: datetime | None


def normalise_opening_hours(text: str) -> str:
    """Rewrite common Chinese spellings of opening hours into OSM syntax.

    Full-width punctuation becomes ASCII (``08：00－18：00`` → ``08:00-18:00``), 全天 and
    24小时 become ``24/7``, 周一至周五 becomes ``Mo-Fr``. The result is not yet validated.
    """
    out = unicodedata.normalize("NFKC", text).strip()
    out = out.replace("\u3000", " ").replace("、", ",").replace("，", ",").replace("；", ";")
    if out.replace(" ", "").lower() in _ALWAYS:
        return "24/7"
    out = _WEEKDAY_RE.sub(lambda m: _WEEKDAYS[m.group(1)], out)
    out = _RANGE_RE.sub("-", out)
    out = _GLUE_RE.sub(r"\1 \2", out)
    return re.sub(r"\s+", " ", out).strip()


def _invalid(text: str) -> InvalidInput:
    return InvalidInput(
        f"开放时间「{text}」格式无法识别，请使用 OpenStreetMap 格式，"
        f"例如「{EXAMPLES[0]}」或「{EXAMPLES[1]}」",
        f"opening hours '{text}' are not valid OpenStreetMap opening_hours syntax; "
        f"write e.g. '{EXAMPLES[0]}' or '{EXAMPLES[1]}'",
        details={"value": text, "examples": list(EXAMPLES)},
    )


def _too_long(text: str, length: int, *, standard: bool = False) -> InvalidInput:
    """The error for hours of ``length`` characters (``standard``: in the standard form the
    library writes, e.g. ``8:00`` as ``08:00``, which is what would be stored)."""
    start = text.strip()[:40]
    zh_form, en_form = ("写成标准格式后", " in standard form") if standard else ("", "")
    return InvalidInput(
        f"开放时间「{start}…」太长：{zh_form}{length} 个字符，最多 {MAX_CHARS} 个"
        f"（OpenStreetMap 的上限），请精简，例如「{EXAMPLES[0]}」",
        f"opening hours '{start}…' are too long: {length} characters{en_form}, at most "
        f"{MAX_CHARS} (OpenStreetMap's limit); simplify them, e.g. '{EXAMPLES[0]}'",
        details={"value": text, "length": length, "max_length": MAX_CHARS},
    )


def _parse(text: str, country: str | None = None) -> opening_hours.OpeningHours:
    if len(text.strip()) > MAX_CHARS:  # before any work on it: it may be 900 KB
        raise _too_long(text, len(text.strip()))
    cleaned = normalise_opening_hours(text)
    if not cleaned or not opening_hours.validate(cleaned):
        raise _invalid(text)
    return opening_hours.OpeningHours(cleaned, country=country, max_interval_days=HORIZON_DAYS)


def validate_opening_hours(text: str) -> str:
    """Return the canonical OSM form of an opening-hours text.

    Parameters
    ----------
    text
        What a person typed, in OSM syntax or a common Chinese spelling.

    Returns
    -------
    str
        The expression as the library renders it (``mo-fr 8:00-18:00`` →
        ``Mo-Fr 08:00-18:00``).

    Raises
    ------
    InvalidInput
        When the text, after normalisation, is not valid ``opening_hours`` syntax, or when
        it or its standard form is longer than :data:`MAX_CHARS` characters.
    """
    canonical = str(_parse(str(text)))
    if len(canonical) > MAX_CHARS:
        raise _too_long(str(text), len(canonical), standard=True)
    return canonical


def optional_opening_hours(text: str | None) -> str | None:
    """Like :func:`validate_opening_hours`, but blank or missing means unknown (None)."""
    if text is None or not str(text).strip():
        return None
    return validate_opening_hours(str(text))


@lru_cache(maxsize=COMPILED_CACHE_SIZE)
def _compiled(text: str, country: str | None) -> opening_hours.OpeningHours | YizhanError:
    """The parsed hours, or the reason they cannot be evaluated (cached as well, so that a
    stored text that is too long or invalid costs nothing the next time)."""
    try:
        return _parse(text, country)
    except YizhanError as exc:
        return exc


def _hours(text: str, country: str | None) -> opening_hours.OpeningHours:
    found = _compiled(text, country)
    if isinstance(found, YizhanError):
        raise InvalidInput(found.zh, found.en, details=found.details)
    return found


@lru_cache(maxsize=STATE_CACHE_SIZE)
def _open_at_minute(text: str, country: str | None, minute: datetime) -> bool:
    return bool(_hours(text, country).is_open(minute))


@lru_cache(maxsize=STATE_CACHE_SIZE)
def _change_after_minute(text: str, country: str | None, minute: datetime) -> datetime | None:
    change: datetime | None = _hours(text, country).next_change(minute)
    return change


def _local_minute(when: datetime, tz: str) -> datetime:
    """``when`` as naive local wall-clock time in ``tz``, cut to the whole minute."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput(
            "时间必须带时区（例如 2025-03-03T09:00+08:00）",
            "the time must carry a time zone (e.g. 2025-03-03T09:00+08:00)",
        )
    zone = zone_named(tz)
    try:
        local = when.astimezone(zone)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the year 1 in UTC
        raise InvalidInput(
            f"时间 {when.isoformat()} 超出可计算的范围",
            f"the time {when.isoformat()} is out of range",
        ) from None
    return local.replace(tzinfo=None, second=0, microsecond=0)


def is_open_at(
    text: str, when: datetime, tz: str = DEFAULT_TZ, *, country: str | None = "CN"
) -> bool:
    """Whether the hours say open at ``when`` (cheaper than :func:`status_at`: no search for
    the next change). Raises like :func:`status_at`."""
    return _open_at_minute(str(text), country, _local_minute(when, tz))


def status_at(
    text: str, when: datetime, tz: str = DEFAULT_TZ, *, country: str | None = "CN"
) -> HoursState:
    """Evaluate opening hours at a moment, in the station's local time.

    Parameters
    ----------
    text
        Opening hours (validated like :func:`validate_opening_hours`).
    when
        An aware datetime; it is converted to ``tz`` before evaluation.
    tz
        IANA time zone of the station's city.
    country
        ISO country code whose public holidays ``PH`` refers to; None for none.

    Returns
    -------
    HoursState
        Open or not, and the next change as an aware datetime in ``tz`` (None when there is
        none within :data:`HORIZON_DAYS`).

    Raises
    ------
    InvalidInput
        When ``when`` is naive or out of range, the time zone is unknown, or the hours are
        invalid or longer than :data:`MAX_CHARS`.
    """
    minute = _local_minute(when, tz)
    text = str(text)
    change = _change_after_minute(text, country, minute)
    return HoursState(
        is_open=_open_at_minute(text, country, minute),
        next_change=None if change is None else change.replace(tzinfo=zone_named(tz)),
    )


def evaluations() -> int:
    """How many times the library has been asked for a state or a next change in this
    process (the answers not found in the caches): for tests and benchmarks."""
    return _open_at_minute.cache_info().misses + _change_after_minute.cache_info().misses


def cache_clear() -> None:
    """Forget every parsed text and every answer (tests, benchmarks)."""
    _compiled.cache_clear()
    _open_at_minute.cache_clear()
    _change_after_minute.cache_clear()
