"""The station's own page (``/s/{id}``, what its QR poster opens): server-rendered, works
without the map and without script (only the check-in needs it), Chinese first with
English, phone first. Every value from the database is escaped here."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from geo.vocab import OCCUPATIONS
from maps.assets import hash_urls
from maps.pages import _template


def _status(station: dict[str, Any]) -> tuple[str, str]:
    """The status line (Chinese, English) and its class: closed, closing or open now."""
    if not station["checkin"]:
        zh, en = escape(station["status_zh"]), escape(station["status_en"])
        return (
            f'{zh}：本驿站现在不开放 <small lang="en">{en}: this station is not open now</small>',
            "closed",
        )
    if station["closed_on"] is not None:
        day = escape(str(station["closed_on"]))
        temporary = station["status"] == "temporarily_closed"
        zh, en = ("暂停开放", "temporarily closed") if temporary else ("关闭", "closed")
        return (
            f'开放中，将于 {day} 起{zh} <small lang="en">open; {en} from {day}</small>',
            "closing",
        )
    if station["open_now"] is True:
        return '现在开放 <small lang="en">open now</small>', "open"
    if station["open_now"] is False:
        return '现在不在开放时间 <small lang="en">closed at this hour</small>', "closed"
    return '开放中，时间以现场为准 <small lang="en">open; hours as posted on site</small>', "open"


def _hours(station: dict[str, Any]) -> str:
    words = station["hours_words"]
    if words is not None and words.week_zh:
        return (
            f'{escape(words.week_zh)}<br><small lang="en">{escape(words.week_en or "")}</small>'
            f'<br>{escape(words.today_zh)} <small lang="en">{escape(words.today_en)}</small>'
        )
    if station["opening_hours"]:
        return escape(station["opening_hours"])
    return '未公布 <small lang="en">not published</small>'


def _services(station: dict[str, Any]) -> str:
    from geo.vocab import SERVICES

    items = [
        f'<li>{escape(SERVICES[s].zh)} <small lang="en">{escape(SERVICES[s].en)}</small></li>'
        for s in station["services"]
        if s in SERVICES
    ]
    return "\n".join(items) or "<li>—</li>"


def _phone(phone: str | None) -> str:
    if not phone:
        return "—"
    return f'<a href="tel:{escape(quote(phone, safe="+-"))}">{escape(phone)}</a>'


def _occupations() -> str:
    choices = [
        '<label class="choice"><input type="radio" name="occupation" value="" checked> '
        '不填 <small lang="en">rather not say</small></label>'
    ]
    for code, term in OCCUPATIONS.items():
        choices.append(
            f'<label class="choice"><input type="radio" name="occupation" value="{escape(code)}"> '
            f'{escape(term.zh)} <small lang="en">{escape(term.en)}</small></label>'
        )
    return "\n".join(choices)


def render_station_page(station: dict[str, Any]) -> str:
    """The page of one station (as :func:`geo.operations.posters.page_station` gives it)."""
    status, status_class = _status(station)
    nav = station["navigation"]
    sid = int(station["id"])
    checkin = ""
    if station["checkin"]:
        checkin = _template("station_checkin.html").substitute(
            station_id=sid, occupations=_occupations()
        )
    page = _template("station.html").substitute(
        name=escape(station["name"]),
        kind_zh=escape(station["kind_zh"]),
        kind_en=escape(station["kind_en"]),
        status=status,
        status_class=status_class,
        address=escape(station["address"] or "—"),
        district=escape(station["district"] or ""),
        phone=_phone(station["phone"]),
        services=_services(station),
        hours=_hours(station),
        amap=escape(nav.amap),
        baidu=escape(nav.baidu),
        apple=escape(nav.apple),
        geo=escape(nav.geo),
        map_url=f"/?station={sid}",
        report_url=f"/?station={sid}&amp;report=1",
        checkin=checkin,
    )
    return hash_urls(page)


def render_missing(station_id: int) -> str:
    """The 404 page of a station the public may not see (a draft, closed for good …)."""
    return hash_urls(_template("station_missing.html").substitute(station_id=int(station_id)))
