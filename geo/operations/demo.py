"""The demo city's synthetic year of operations (issue 15), added by ``yizhan demo load``.

For each demo station that has opened: check-ins from the QR page spread over the days it
was open (a mix of occupations, distinct synthetic devices, never twice from one device
within ``YIZHAN_CHECKIN_INTERVAL_HOURS``); paper visitor counts for a few stations;
inspections about once a quarter, most passed, some with failed items that open problems
(source ``inspection``, receipt ``I<inspection id>-<n>``, fixed when a later inspection
finds the item in order); public problems in every state, with their resolution times, a
phone on a few recent ones, and the temporarily closed station's confirmed "closed"
report, still open. A few photos, drawn here and passed through ``geo.photos``.

Everything is made from the configuration's seed and as-of date (``[activity]`` in
``data/demo/city.toml``) and the stations' own data, in the city's time zone: never from
the wall clock, so two loads give the same rows, and a reload writes them over themselves
(``geo.db.operations_demo``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from math import cos, radians, sin
from typing import Any

from PIL import Image, ImageDraw

from geo import clock
from geo.db import operations_demo as sql
from geo.db.connection import connect, transaction
from geo.errors import InvalidFile
from geo.hours import is_open_at
from geo.operations.problems import RECEIPT_ALPHABET, RECEIPT_LENGTH
from geo.photos import CleanPhoto, clean_photo
from geo.settings import OperationsSettings, get_settings
from geo.vocab import INSPECTION_ITEMS, SERVICES

ACTOR = "demo"
# the name inspections against the default standard (geo.vocab.INSPECTION_ITEMS) carry
STANDARD = "yizhan-default"
INSPECTORS = ("demo:inspector1", "demo:inspector2")
REVIEWERS = ("demo:reviewer1", "demo:reviewer2")
# Who checks in: delivery riders most, then couriers (weights of OCCUPATIONS; None: not said)
OCCUPATION_MIX: tuple[tuple[str | None, int], ...] = (
    ("delivery_rider", 40),
    ("courier", 24),
    ("sanitation", 14),
    ("driver", 10),
    ("other", 5),
    (None, 7),
)
# How busy a kind is (check-ins on an average day)
KIND_WEIGHT = {"love_station": 1.6, "mother_baby_room": 0.6, "worker_bookshop": 0.9}
CLOSED_DAYS = 40  # the temporarily closed station was reported closed this long before as_of
# An item that fails opens a problem of this category
ITEM_CATEGORY = {
    "open_at_hours": "not_open_at_hours",
    "clean": "dirty_or_broken",
}
ITEM_DETAILS = {
    "sign_and_name": "标识标牌缺失或名称不规范 / sign or name missing",
    "listed_on_map": "地图上查不到 / not listed on the map",
    "supplies_in_date": "物资或药品过期 / supplies or medicines out of date",
    "rules_posted": "管理制度未上墙 / rules not posted",
    "clean": "环境不整洁 / not clean",
    "open_at_hours": "巡查时未按公布时间开放 / not open at the published hours",
}
PUBLIC_DETAILS = {
    "closed": "门锁着，没有人 / locked, nobody there",
    "not_open_at_hours": "公布时间内没开门 / closed during the published hours",
    "service_missing": "服务不能用 / the service was not available",
    "dirty_or_broken": "座椅损坏，地面脏 / broken seat, dirty floor",
    "other": "指示牌被遮挡 / the sign is hidden",
}


@dataclass(frozen=True)
class DemoStation:
    """What the generator reads of a demo station (its database id only to write rows)."""

    key: str  # external id, e.g. love-01
    id: int
    kind: str
    status: str
    opened_on: dt.date | None
    opening_hours: str | None
    services: tuple[str, ...]
    lon: float
    lat: float

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DemoStation:
        """The station from a row of ``geo.db.operations_demo.demo_stations``."""
        return cls(
            key=row["external_id"],
            id=int(row["id"]),
            kind=row["kind"],
            status=row["status"],
            opened_on=row["opened_on"],
            opening_hours=row["opening_hours"],
            services=tuple(row["services"] or ()),
            lon=float(row["lon"]),
            lat=float(row["lat"]),
        )


@dataclass(frozen=True)
class DemoPhoto:
    """A synthetic photo: its key (what it shows) and the day it was taken."""

    key: str
    at: dt.datetime
    photo: CleanPhoto


@dataclass
class DemoInspection:
    """A made-up visit: the checklist as the form records it, and its photos."""

    station: DemoStation
    at: dt.datetime
    inspector: str
    checklist: list[dict[str, Any]]
    open_at_hours: bool | None
    lon: float
    lat: float
    accuracy_m: float
    comment: str | None
    photos: list[tuple[str, str]] = field(default_factory=list)  # (photo key, item)
    # days until the host has a failed item fixed (not "open at hours": only a visit sees it)
    fix_days: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Every checked item in order."""
        return all(i["ok"] is not False for i in self.checklist)

    @property
    def failed(self) -> list[str]:
        """The items found failing, in checklist order."""
        return [i["item"] for i in self.checklist if i["ok"] is False]


@dataclass
class Activity:
    """The whole synthetic year, before it is written."""

    checkins: list[dict[str, Any]] = field(default_factory=list)
    usage: list[dict[str, Any]] = field(default_factory=list)
    inspections: list[DemoInspection] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)  # public ones
    photos: dict[str, DemoPhoto] = field(default_factory=dict)
    until: dt.datetime | None = None  # the end of the as-of day: nothing happens after it


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _at(day: dt.date, minute: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)


def _open(station: DemoStation, when: dt.datetime, tz: str) -> bool:
    return station.opening_hours is None or is_open_at(station.opening_hours, when, tz)


def _device(station: DemoStation, n: int) -> str:
    """A synthetic device hash, shaped like geo.privacy.keyed_hash's (32 hex)."""
    return hashlib.sha256(f"yizhan-demo-device:{station.key}:{n}".encode()).hexdigest()[:32]


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def active_window(station: DemoStation, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days of the demo year the station served: from its opening (at most a year
    before ``as_of``) to ``as_of``, or to its closing report when temporarily closed."""
    if station.opened_on is None or station.status not in ("open", "temporarily_closed"):
        return None
    first = max(station.opened_on, as_of - dt.timedelta(days=364))
    last = as_of if station.status == "open" else as_of - dt.timedelta(days=CLOSED_DAYS + 1)
    return (first, last) if first <= last else None


def _checkins(
    station: DemoStation,
    window: tuple[dt.date, dt.date],
    seed: int,
    tz: str,
    settings: OperationsSettings,
) -> list[dict[str, Any]]:
    rng = _rng(seed, "checkins", station.key)
    zone = clock.zone_named(tz)
    busy = KIND_WEIGHT[station.kind] * rng.uniform(0.6, 1.4)
    regulars = max(6, int(busy * 12))
    kinds, weights = zip(*OCCUPATION_MIX, strict=True)
    # a device keeps its occupation: the regulars of the station
    jobs = {n: rng.choices(kinds, weights)[0] for n in range(regulars)}
    out: list[dict[str, Any]] = []
    last_seen: dict[str, dt.datetime] = {}
    interval = dt.timedelta(hours=settings.checkin_interval_hours)
    visitor = regulars
    for day in _days(*window):
        count = min(rng.choices(range(7), (30, 26, 18, 11, 7, 5, 3))[0], int(busy * 4))
        times = sorted(rng.randrange(6 * 60, 22 * 60) for _ in range(count))
        for minute in times:
            at = _at(day, minute, zone)
            if not _open(station, at, tz):
                continue
            if rng.random() < 0.75:  # a regular
                n = rng.randrange(regulars)
                occupation = jobs[n]
            else:  # someone passing by, a device never seen again
                n, visitor = visitor, visitor + 1
                occupation = rng.choices(kinds, weights)[0]
            device = _device(station, n)
            seen = last_seen.get(device)
            if seen is not None and at - seen < interval:
                continue  # the per-device rule refuses it, as the real endpoint does
            last_seen[device] = at
            out.append(
                {
                    "station_id": station.id,
                    "at": at,
                    "day": day,
                    "occupation": occupation,
                    "device_hash": device,
                }
            )
    return out


def _usage(
    station: DemoStation, window: tuple[dt.date, dt.date], seed: int, tz: str
) -> list[dict[str, Any]]:
    rng = _rng(seed, "usage", station.key)
    zone = clock.zone_named(tz)
    out: list[dict[str, Any]] = []
    for day in _days(*window):
        noon = _at(day, 12 * 60, zone)
        if not _open(station, noon, tz) and not _open(station, _at(day, 15 * 60, zone), tz):
            continue
        visitors = rng.randint(4, 36)
        by = None
        if rng.random() < 0.5:  # the sheet has an occupation column on some days
            riders = rng.randint(0, visitors)
            couriers = rng.randint(0, visitors - riders)
            by = {
                "delivery_rider": riders,
                "courier": couriers,
                "other": visitors - riders - couriers,
            }
        out.append(
            {
                "station_id": station.id,
                "day": day,
                "visitors": visitors,
                "by_occupation": by,
                "note": "纸质登记表 / paper sheet (demo)",
                "entered_by": rng.choice(REVIEWERS),
                # copied from the sheet in the evening
                "entered_at": _at(day, 20 * 60 + rng.randrange(90), zone),
            }
        )
    return out


def checklist_items(station: DemoStation) -> list[str]:
    """The default standard's items for this station, "services" expanded per service."""
    out: list[str] = []
    for code in INSPECTION_ITEMS:
        if code == "services":
            out.extend(f"service:{s}" for s in station.services)
        else:
            out.append(code)
    return out


INSIDE_ITEMS = ("clean", "supplies_in_date", "rules_posted")


def _visit_minute(station: DemoStation, day: dt.date, tz: str) -> int | None:
    """When an inspector calls on ``day``: a time the published hours say open, or None."""
    zone = clock.zone_named(tz)
    return next(
        (m for m in (610, 870, 1005) if _open(station, _at(day, m, zone), tz)),
        None,
    )


def _inspection(
    station: DemoStation,
    day: dt.date,
    minute: int,
    rng: random.Random,
    tz: str,
    *,
    closed: bool,
) -> DemoInspection:
    """One visit at ``minute`` of ``day``; ``closed``: found closed at a published hour."""
    at = _at(day, minute + rng.randrange(20), clock.zone_named(tz))
    items = checklist_items(station)
    fails: set[str] = set()
    if closed:
        fails.add("open_at_hours")
    elif rng.random() < 0.25:
        others = [i for i in items if i != "open_at_hours"]
        fails.update(rng.sample(others, k=rng.choice((1, 1, 2))))
    checklist = []
    for item in items:
        unchecked = closed and (item.startswith("service:") or item in INSIDE_ITEMS)
        ok: bool | None = None if unchecked else item not in fails
        note = None if ok is not False else ITEM_DETAILS.get(item, "服务不可用 / not working")
        checklist.append({"item": item, "ok": ok, "note": note})
    # the phone's position: a few metres off, now and then far (the form warns > 100 m)
    distance = rng.uniform(120, 180) if rng.random() < 0.06 else rng.uniform(3, 45)
    bearing = radians(rng.uniform(0, 360))
    dlat = distance * cos(bearing) / 111_320
    dlon = distance * sin(bearing) / (111_320 * cos(radians(station.lat)))
    return DemoInspection(
        station=station,
        at=at,
        inspector=rng.choice(INSPECTORS),
        checklist=checklist,
        open_at_hours=not closed,
        lon=round(station.lon + dlon, 7),
        lat=round(station.lat + dlat, 7),
        accuracy_m=float(rng.randint(4, 25)),
        comment="到访时未开门 / closed when visited (demo)" if closed else None,
        fix_days={i: rng.randint(3, 25) for i in sorted(fails) if i != "open_at_hours"},
    )


def _inspections(
    station: DemoStation,
    window: tuple[dt.date, dt.date],
    seed: int,
    tz: str,
    not_open_twice: str | None,
) -> list[DemoInspection]:
    """About one visit a quarter; the ``not_open_twice`` station is found closed on its
    last two."""
    rng = _rng(seed, "inspections", station.key)
    visits: list[tuple[dt.date, int]] = []
    day = window[0] + dt.timedelta(days=rng.randint(10, 40))
    while day <= window[1]:
        minute = _visit_minute(station, day, tz)
        if minute is None:
            day += dt.timedelta(days=1)
            continue
        visits.append((day, minute))
        day += dt.timedelta(days=rng.randint(70, 110))
    closed_from = len(visits) - 2 if station.key == not_open_twice else len(visits)
    return [
        _inspection(station, d, m, rng, tz, closed=n >= closed_from)
        for n, (d, m) in enumerate(visits)
    ]


def _photo(key: str, seed: int, at: dt.datetime, settings: OperationsSettings) -> DemoPhoto:
    """A synthetic picture (shapes in a seeded colour), through the real photo pipeline."""
    rng = _rng(seed, "photo", key)
    img = Image.new("RGB", (480, 360), tuple(rng.randrange(60, 200) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = rng.randrange(0, 400), rng.randrange(0, 300)
        colour = tuple(rng.randrange(0, 256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(20, 80), y + rng.randrange(20, 60)), fill=colour)
    raw = io.BytesIO()
    img.save(raw, format="PNG")
    return DemoPhoto(key=key, at=at, photo=clean_photo(raw.getvalue(), settings))


CATEGORIES = ("not_open_at_hours", "service_missing", "dirty_or_broken", "other")


@dataclass
class _PublicReports:
    """The public's reports, in the order they are made up (receipts and phones count)."""

    as_of: dt.date
    zone: dt.tzinfo
    settings: OperationsSettings
    seed: int
    out: list[dict[str, Any]] = field(default_factory=list)
    phones: int = 0
    handled: int = 0

    def report(
        self, station: DemoStation, category: str, created: dt.datetime, rng: random.Random
    ) -> dict[str, Any]:
        """A new report (a phone on about half of those still within retention)."""
        service = None
        if category == "service_missing":
            service = rng.choice(station.services) if station.services else None
            category = category if service else "other"
        phone = None
        recent = (self.as_of - created.date()).days < self.settings.phone_retention_days
        if recent and rng.random() < 0.5:
            self.phones += 1
            phone = f"1380000{self.phones:04d}"
        row = {
            "receipt": self.receipt(),
            "station_id": station.id,
            "category": category,
            "service": service,
            "details": PUBLIC_DETAILS[category],
            "photo_id": None,
            "phone": phone,
            "source": "public",
            "inspection_id": None,
            "reports": 1,
            "state": "new",
            "created_at": created,
            "last_reported_at": created,
            "decided_by": None,
            "decided_at": None,
            "resolved_by": None,
            "resolved_at": None,
            "comment": None,
            "closed_station": False,
        }
        self.out.append(row)
        return row

    def receipt(self) -> str:
        """A public receipt as the report form gives one (P and ten characters), from the
        seed: the same on every load."""
        rng = _rng(self.seed, "receipt", len(self.out))
        taken = {p["receipt"] for p in self.out}
        while True:
            receipt = "P" + "".join(rng.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
            if receipt not in taken:
                return receipt

    def older(self, station: DemoStation, day: dt.date, rng: random.Random) -> None:
        """A report handled long ago: two fixed for every one dismissed."""
        created = _at(day, rng.randrange(7 * 60, 21 * 60), self.zone)
        p = self.report(station, rng.choice(CATEGORIES), created, rng)
        decided = created + dt.timedelta(hours=rng.randint(2, 40))
        self.handled += 1
        p.update(decided_by=rng.choice(REVIEWERS), decided_at=decided)
        if self.handled % 3 == 0:
            p.update(
                state="dismissed",
                resolved_by=p["decided_by"],
                resolved_at=decided,
                comment="现场核实正常 / checked on site: in order (demo)",
            )
        else:
            fixed = decided + dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8))
            p.update(
                state="fixed",
                resolved_by=rng.choice(REVIEWERS),
                resolved_at=fixed,
                comment="已整改 / fixed by the host (demo)",
            )
        if rng.random() < 0.3:  # others reported it too: collapsed into this one
            p.update(
                reports=rng.randint(2, 4),
                last_reported_at=created + dt.timedelta(hours=rng.randint(1, 30)),
            )

    def recent(
        self, station: DemoStation, day: dt.date, rng: random.Random, *, confirmed: bool
    ) -> None:
        """A report of the last days: new (not yet looked at) or confirmed (being fixed)."""
        created = _at(day, rng.randrange(7 * 60, 20 * 60), self.zone)
        p = self.report(station, rng.choice(CATEGORIES[1:]), created, rng)
        if confirmed:
            p.update(
                state="confirmed",
                decided_by=rng.choice(REVIEWERS),
                decided_at=created + dt.timedelta(hours=rng.randint(3, 30)),
                comment="已通知承建单位 / the host is told (demo)",
            )

    def closed(self, station: DemoStation, rng: random.Random) -> None:
        """The confirmed "closed" that set the station temporarily closed, still open."""
        created = _at(self.as_of - dt.timedelta(days=CLOSED_DAYS), 9 * 60 + 12, self.zone)
        self.report(station, "closed", created, rng).update(
            state="confirmed",
            reports=3,
            last_reported_at=created + dt.timedelta(days=2, hours=3),
            decided_by=REVIEWERS[0],
            decided_at=created + dt.timedelta(days=1),
            comment="确认暂停开放，待承建单位整改 / confirmed closed, the host fixes it (demo)",
            closed_station=True,
        )


def _public_problems(
    stations: Sequence[DemoStation],
    windows: dict[str, tuple[dt.date, dt.date]],
    as_of: dt.date,
    seed: int,
    tz: str,
    settings: OperationsSettings,
    photos: dict[str, DemoPhoto],
) -> list[dict[str, Any]]:
    """Public reports: one or two older ones per station, fixed or dismissed; a recent one,
    new or confirmed, at two stations of three; the temporarily closed stations' confirmed
    "closed" report, open for CLOSED_DAYS; two with a photo."""
    reports = _PublicReports(as_of, clock.zone_named(tz), settings, seed)
    for i, station in enumerate(stations):
        window = windows.get(station.key)
        if window is None:
            continue
        rng = _rng(seed, "problems", station.key)
        span = (window[1] - window[0]).days
        for _ in range(1 + i % 2 if span >= 30 else 0):
            reports.older(station, window[0] + dt.timedelta(days=rng.randrange(span - 20)), rng)
        if station.status == "open" and i % 3 != 2:
            back = rng.randint(0, 4) if i % 3 == 0 else rng.randint(5, 11)
            reports.recent(station, window[1] - dt.timedelta(days=back), rng, confirmed=i % 3 == 1)
        if station.status == "temporarily_closed":
            reports.closed(station, rng)
    for p in [p for p in reports.out if p["category"] == "dirty_or_broken"][:2]:
        key = f"report:{p['receipt']}"
        photos[key] = _photo(key, seed, p["created_at"], settings)
        p["photo_key"] = key
    return reports.out


def generate(
    stations: Sequence[DemoStation],
    *,
    as_of: dt.date,
    seed: int,
    tz: str,
    paper_usage: Sequence[str] = (),
    not_open_twice: str | None = None,
    settings: OperationsSettings | None = None,
) -> Activity:
    """The synthetic year for ``stations``: a function of its arguments only."""
    s = settings or OperationsSettings()
    act = Activity(until=_at(as_of + dt.timedelta(days=1), 0, clock.zone_named(tz)))
    windows = {}
    for station in sorted(stations, key=lambda x: x.key):
        window = active_window(station, as_of)
        if window is None:
            continue
        windows[station.key] = window
        act.checkins.extend(_checkins(station, window, seed, tz, s))
        if station.key in paper_usage:
            act.usage.extend(_usage(station, window, seed, tz))
        visits = _inspections(station, window, seed, tz, not_open_twice)
        for n, visit in enumerate(visits):
            if visit.failed:
                key = f"inspection:{station.key}:{n}"
                act.photos[key] = _photo(key, seed, visit.at, s)
                visit.photos.append((key, visit.failed[0]))
            elif n == len(visits) - 1:  # the latest visit photographs the sign
                key = f"sign:{station.key}"
                act.photos[key] = _photo(key, seed, visit.at, s)
                visit.photos.append((key, "sign_and_name"))
        act.inspections.extend(visits)
    ordered = sorted(stations, key=lambda x: x.key)
    act.problems = _public_problems(ordered, windows, as_of, seed, tz, s, act.photos)
    return act


def _open_at(problem: dict[str, Any], at: dt.datetime) -> bool:
    """Whether ``problem`` was new or confirmed at ``at``."""
    return problem["created_at"] <= at and (
        problem["resolved_at"] is None or problem["resolved_at"] > at
    )


def _item_label(item: str) -> tuple[str, str]:
    """A checklist item's Chinese and English labels (a service's own for service:<code>)."""
    if item.startswith("service:"):
        term = SERVICES[item.split(":", 1)[1]]
        return term.zh, term.en
    return INSPECTION_ITEMS[item].zh, INSPECTION_ITEMS[item].en


def _item_problem(item: str) -> tuple[str, str | None]:
    """The category (and service) a failed item opens, as the inspection form does."""
    if item.startswith("service:"):
        return "service_missing", item.split(":", 1)[1]
    return ITEM_CATEGORY.get(item, "other"), None


def _fixed(
    visit: DemoInspection, item: str, later: Sequence[DemoInspection], until: dt.datetime
) -> tuple[dt.datetime, str, str] | None:
    """When, by whom and how a failed item was fixed: the host's fix some days later
    (checked by a reviewer) or a later visit finding it in order, whichever came first;
    None when neither happened by ``until``."""
    ways = [
        (v.at, v.inspector, "复查已整改 / in order on re-inspection (demo)")
        for v in later
        if any(i["item"] == item and i["ok"] is True for i in v.checklist)
    ][:1]
    if item in visit.fix_days:
        at = visit.at + dt.timedelta(days=visit.fix_days[item], hours=2)
        ways.append((at, REVIEWERS[0], "承建单位已整改，照片复核 / fixed by the host (demo)"))
    ways = [w for w in ways if w[0] < until]
    return min(ways) if ways else None


def inspection_problems(
    visit: DemoInspection,
    inspection_id: int,
    later: Sequence[DemoInspection],
    known: Sequence[dict[str, Any]],
    photo_of: dict[str, int],
    until: dt.datetime,
) -> list[dict[str, Any]]:
    """The problems the visit's failed items open, as the inspection form opens them:
    confirmed by its inspector, receipt ``I<id>-<n>``, none for an item whose category
    (and service) the station already has open (``known``: the station's problems so
    far). Fixed (:func:`_fixed`) or still confirmed at ``until``."""
    out: list[dict[str, Any]] = []
    for item in visit.failed:
        category, service = _item_problem(item)
        if any(
            p["category"] == category and p["service"] == service and _open_at(p, visit.at)
            for p in (*known, *out)
        ):
            continue
        fixed = _fixed(visit, item, later, until)
        note = next(i["note"] for i in visit.checklist if i["item"] == item)
        zh, en = _item_label(item)
        out.append(
            {
                "receipt": f"I{inspection_id}-{len(out) + 1}",
                "station_id": visit.station.id,
                "category": category,
                "service": service,
                "details": f"巡查不合格：{zh} / inspection failed: {en} — {note}"[:500],
                "photo_id": photo_of.get(item),
                "phone": None,
                "source": "inspection",
                "inspection_id": inspection_id,
                "reports": 1,
                "state": "confirmed" if fixed is None else "fixed",
                "created_at": visit.at,
                "last_reported_at": visit.at,
                "decided_by": visit.inspector,
                "decided_at": visit.at,
                "resolved_by": None if fixed is None else fixed[1],
                "resolved_at": None if fixed is None else fixed[0],
                "comment": None if fixed is None else fixed[2],
                "closed_station": False,
            }
        )
    return out


def write(conn: Any, act: Activity) -> None:
    """Write the activity in the caller's transaction (actor ``demo``), over itself on a
    reload."""
    sql.lock(conn)
    assert act.until is not None
    until = act.until
    photo_ids = {k: sql.upsert_photo(conn, p.photo, p.at) for k, p in sorted(act.photos.items())}
    problems: list[dict[str, Any]] = []
    for p in act.problems:
        row = {k: v for k, v in p.items() if k != "photo_key"}
        photo = p.get("photo_key")
        problems.append({**row, "photo_id": photo_ids[photo] if photo else None})
    by_station: dict[str, list[DemoInspection]] = {}
    for visit in act.inspections:
        by_station.setdefault(visit.station.key, []).append(visit)
    for visits in by_station.values():
        known = [p for p in problems if p["station_id"] == visits[0].station.id]
        for n, visit in enumerate(visits):
            inspection_id = sql.upsert_inspection(
                conn,
                {
                    "station_id": visit.station.id,
                    "inspected_at": visit.at,
                    "inspector": visit.inspector,
                    "standard": STANDARD,
                    "checklist": visit.checklist,
                    "open_at_hours": visit.open_at_hours,
                    "passed": visit.passed,
                    "lon": visit.lon,
                    "lat": visit.lat,
                    "accuracy_m": visit.accuracy_m,
                    "comment": visit.comment,
                },
            )
            photo_of = {}
            for key, item in visit.photos:
                sql.link_photo(conn, inspection_id, photo_ids[key], item)
                photo_of[item] = photo_ids[key]
            opened = inspection_problems(
                visit, inspection_id, visits[n + 1 :], known, photo_of, until
            )
            known.extend(opened)
            problems.extend(opened)
    sql.upsert_problems(conn, problems)
    sql.insert_checkins(conn, act.checkins)
    sql.upsert_usage(conn, act.usage)


def load_activity(
    section: dict[str, Any], sources: Sequence[str], *, url: str | None = None
) -> dict[str, int]:
    """Add (or reload) the demo's year of activity (``section``: the ``[activity]`` of the
    demo's configuration) for the demo stations imported from ``sources``; returns the
    demo rows per table."""
    if not isinstance(section.get("as_of"), dt.date):
        raise InvalidFile(
            "示例城市配置缺少 [activity] as_of 日期（例如 as_of = 2026-11-30）",
            "the demo configuration lacks the [activity] as_of date (e.g. as_of = 2026-11-30)",
        )
    settings = get_settings()
    with transaction(url, actor=ACTOR) as conn:
        stations = [DemoStation.from_row(r) for r in sql.demo_stations(conn, sources)]
        act = generate(
            stations,
            as_of=section["as_of"],
            seed=int(section.get("seed", 0)),
            tz=settings.clock.timezone,
            paper_usage=section.get("paper_usage", ()),
            not_open_twice=section.get("not_open_twice"),
            settings=settings.operations,
        )
        write(conn, act)
        return sql.counts(conn)


def activity_counts(url: str | None = None) -> dict[str, int]:
    """The demo's rows per operations table (for the CLI's summary)."""
    with connect(url) as conn:
        return sql.counts(conn)
