"""Opening hours in OpenStreetMap ``opening_hours`` syntax.

Stations store their hours as an OSM ``opening_hours`` expression (``Mo-Fr 08:00-18:00;
Sa 09:00-12:00``, ``24/7`` …), parsed and evaluated by the maintained ``opening-hours-py``
package. People type hours in Chinese spreadsheets with full-width punctuation and words
such as 全天 or 周一至周五; :func:`normalise_opening_hours` turns the common spellings into
OSM syntax before validation.

Evaluation happens in the station's local wall-clock time: the library is given a naive
local datetime (its own handling of aware datetimes depends on the tzinfo class), and the
next change is returned as an aware datetime in the same zone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import opening_hours

from geo.clock import zone_named
from geo.errors import InvalidInput

DEFAULT_TZ = "Asia/Shanghai"
EXAMPLES = "Mo-Fr 08:00-18:00; Sa 09:00-12:00", "24/7"

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
        when the state never changes (``24/7``) or not within the library's horizon.
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


def _parse(text: str, country: str | None = None) -> opening_hours.OpeningHours:
    cleaned = normalise_opening_hours(text)
    if not cleaned or not opening_hours.validate(cleaned):
        raise _invalid(text)
    return opening_hours.OpeningHours(cleaned, country=country)


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
        When the text, after normalisation, is not valid ``opening_hours`` syntax.
    """
    return str(_parse(str(text)))


def optional_opening_hours(text: str | None) -> str | None:
    """Like :func:`validate_opening_hours`, but blank or missing means unknown (None)."""
    if text is None or not str(text).strip():
        return None
    return validate_opening_hours(str(text))


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
        Open or not, and the next change as an aware datetime in ``tz``.

    Raises
    ------
    InvalidInput
        When ``when`` is naive, the time zone is unknown or the hours are invalid.
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput(
            "时间必须带时区（例如 2025-03-03T09:00+08:00）",
            "the time must carry a time zone (e.g. 2025-03-03T09:00+08:00)",
        )
    zone = zone_named(tz)
    hours = _parse(str(text), country)
    local = when.astimezone(zone).replace(tzinfo=None)
    change = hours.next_change(local)
    if change is not None:
        change = change.replace(tzinfo=zone)
    return HoursState(is_open=hours.is_open(local), next_change=change)
