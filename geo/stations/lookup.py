"""Public lookup: the nearest open stations to a person, and public station records.

:func:`nearest` ranks stations by walking distance along the walk network where one is
loaded (straight-line otherwise, and the answer says which). Candidates come from a
straight-line KNN query; because walking is never shorter than the straight line, the
ranking is exact once the ``limit``-th walking distance is no longer than the straight
distance of the farthest candidate fetched. Until then the candidate set grows (bounded).

Two rules of #12 (items 5 and 1):

* A person closer to a station than both are to the street walks the straight line
  (:mod:`geo.network.straight`): standing at a station set back 93 m from the street is
  0 m from it, not 186 m. That distance is a walk (``distance_kind`` ``walk``).
* A station within ``max_distance`` in a straight line that stands on another piece of
  the walk network than the person (a footway cut off by a missing node) cannot be
  reached by the network at all: it is listed and ranked by its straight-line distance,
  marked ``distance_kind`` ``straight`` with a note, so a person 35 m from a station is
  never told there is none. A station on the person's own piece whose walk is longer
  than ``max_distance`` is *not* listed by its straight line: the network does reach it,
  just not within ``max_distance`` (a river or a rail line lies between), and ranking it
  by the crow-fly would put it ahead of a station round the corner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import psycopg
from pydantic import BaseModel

from geo import clock, hours, vocab
from geo.clock import zone_named
from geo.crs import CRSName, from_wgs84
from geo.errors import NotFound, YizhanError
from geo.hours_words import HoursWords, in_words
from geo.navigation import Navigation, links
from geo.network import walk
from geo.network.graph import Snap
from geo.network.straight import straight_is_walk
from geo.settings import LookupSettings
from geo.stations import nearest_table
from geo.stations import sql as stations_sql

MAX_CANDIDATES = 2000
MAX_LIMIT = 50
CUT_OFF_NOTE = "步行网络中此站点与您所在的路段不相连，按直线距离排序"
CUT_OFF_NOTE_EN = (
    "the walk network does not connect your street to this station: straight-line distance"
)


class PublicStation(BaseModel):
    """A station as the public sees it; coordinates in ``crs``."""

    id: int
    kind: str
    kind_zh: str
    kind_en: str
    name: str
    address: str | None
    district: str | None
    phone: str | None
    services: list[str]
    services_zh: list[str]
    opening_hours: str | None
    #: The hours in words, today's first (None: no hours, or hours that cannot be read).
    hours_words: HoursWords | None = None
    open_now: bool | None
    opens_at: datetime | None
    closes_at: datetime | None
    lon: float
    lat: float
    crs: CRSName
    navigation: Navigation


class NearbyStation(PublicStation):
    """A station with its distance from the person, and whether that distance is a walk
    (``walk``) or a straight line (``straight``: no walk network, or the walk network
    cannot reach the station from the person; ``distance_note`` says why)."""

    straight_m: float
    walking_m: float | None
    distance_m: float
    walking_min: float
    distance_kind: Literal["walk", "straight"]
    distance_note: str | None = None
    distance_note_en: str | None = None


class NearestAnswer(BaseModel):
    """The nearest stations, best first, and how distances were measured."""

    lon: float
    lat: float
    crs: CRSName
    at: datetime
    timezone: str
    distance_basis: Literal["walking", "straight_line"]
    basis_note: str | None = None
    basis_note_en: str | None = None
    count: int
    stations: list[NearbyStation]


@dataclass(frozen=True)
class NearestQuery:
    """A validated nearest-station request (see :mod:`geo.stations.public`)."""

    lon: float  # WGS-84
    lat: float
    crs: CRSName
    at: datetime
    where: stations_sql.StationFilter = field(default_factory=stations_sql.StationFilter)
    open_now: bool = False
    limit: int = 5
    max_distance_m: float = 3000.0


def metres_per_degree_floor(lat: float) -> float:
    """A lower bound of the metres in one degree of planar lon/lat distance near ``lat``
    (a degree of longitude is the shorter one; margins for the search radius and the
    ellipsoid), to turn a planar KNN distance into a guaranteed minimum in metres."""
    phi = math.radians(min(abs(lat) + 0.5, 89.0))
    return min(111_000.0 * math.cos(phi), 110_500.0) * 0.995


def _hours(text: str | None, when: datetime, tz: str) -> tuple[bool | None, Any, Any]:
    """(open now, opens at, closes at); None for unknown hours (none given, or hours that
    cannot be evaluated). Bounded work, cached per text and minute: see :mod:`geo.hours`."""
    if not text:
        return None, None, None
    try:
        state = hours.status_at(text, when, tz)
    except YizhanError:
        return None, None, None
    if state.is_open:
        return True, None, state.next_change
    return False, state.next_change, None


def _open_now(text: str | None, when: datetime, tz: str) -> bool:
    """Whether a candidate is open at ``when``: only its state, not its next change."""
    if not text:
        return False
    try:
        return hours.is_open_at(text, when, tz)
    except YizhanError:
        return False


def _walk_budget(q: NearestQuery, unseen_m: float, last: bool) -> float:
    """How far the walking search must reach for one round of candidates.

    Until the last round the answer is only accepted when its ``limit``-th walk is no
    longer than ``unseen_m``, so walks beyond that need not be measured exactly; four
    times as far still yields the estimate that sizes the next round.
    """
    return q.max_distance_m if last else min(q.max_distance_m, 4 * unseen_m)


def _more_candidates(k: int, limit: int, unseen_m: float, limit_th_m: float) -> int:
    """The next candidate count: enough to cover, in a straight line, the ``limit``-th
    walk found so far (an upper bound of the true one), at the density seen so far."""
    # Nothing measured within 4 x unseen_m: reach at least that far (16 x the area).
    grow = 16.0 if not np.isfinite(limit_th_m) else 1.25 * (limit_th_m / max(unseen_m, 1.0)) ** 2
    return int(min(max(k * grow, 2 * k), MAX_CANDIDATES))


def public_station(
    row: dict[str, Any],
    *,
    crs: CRSName,
    when: datetime,
    tz: str,
    origin: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """The public fields of a station row, with hours evaluated at ``when`` in ``tz``."""
    open_now, opens_at, closes_at = _hours(row["opening_hours"], when, tz)
    x, y = from_wgs84(row["lon"], row["lat"], crs)
    kind = vocab.KINDS[row["kind"]]
    services = list(row["services"] or [])
    return {
        "id": row["id"],
        "kind": row["kind"],
        "kind_zh": kind.zh,
        "kind_en": kind.en,
        "name": row["name"],
        "address": row["address"],
        "district": row["district"],
        "phone": row["phone"],
        "services": services,
        "services_zh": [vocab.SERVICES[s].zh for s in services if s in vocab.SERVICES],
        "opening_hours": row["opening_hours"],
        "hours_words": in_words(row["opening_hours"], when.astimezone(zone_named(tz)).date()),
        "open_now": open_now,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "lon": round(float(x), 7),
        "lat": round(float(y), 7),
        "crs": crs,
        "navigation": links(row["lon"], row["lat"], row["name"], origin),
    }


def station(
    conn: psycopg.Connection[Any], station_id: int, *, crs: CRSName, when: datetime, tz: str
) -> PublicStation:
    """One public station, or :class:`NotFound`."""
    row = stations_sql.station(conn, station_id)
    if row is None:
        raise NotFound(
            f"没有编号为 {station_id} 的开放站点", f"no open station with id {station_id}"
        )
    return PublicStation(**public_station(row, crs=crs, when=when, tz=tz))


Basis = Literal["walking", "straight_line"]


def distance_basis(
    origin: Snap | None, settings: LookupSettings
) -> tuple[Basis, str | None, str | None]:
    """Whether distances from a person are walks (``walking``) or straight lines, and
    why not walks: no walk network (``origin`` None), or the person is farther than
    ``walk_max_snap_m`` from every walkable street. Shared by nearest and the route."""
    if origin is None:
        return (
            "straight_line",
            "尚未导入步行网络，按直线距离排序",
            "no walk network loaded: straight-line",
        )
    if origin.offset[0] > settings.walk_max_snap_m:
        far = f"{origin.offset[0]:.0f}"
        return (
            "straight_line",
            f"所在位置距最近的步行道路 {far} 米，超出步行网络范围，按直线距离排序",
            f"the position is {far} m from the nearest walkable street: straight-line",
        )
    return "walking", None, None


@dataclass(frozen=True)
class _Ranked:
    """One station of an answer with its figures, before it is dressed for the public."""

    row: dict[str, Any]
    straight: float
    walking: float
    dist: float
    cut_off: bool


def nearest(
    conn: psycopg.Connection[Any], q: NearestQuery, settings: LookupSettings
) -> NearestAnswer:
    """The ``q.limit`` nearest public stations, by walking distance where possible; hours
    are evaluated in the city's time zone.

    Answered from the nearest table (:mod:`geo.stations.nearest_table`) where it can prove
    the answer, else by the search (:func:`_search`): the same answers either way.
    """
    tz = clock.zone().key
    picked = _from_table(conn, q, settings)
    if picked is not None:
        ranked = picked
        basis: Basis = "walking"
        note = note_en = None
    else:
        basis, note, note_en, ranked = _search(conn, q, settings, tz)

    speed = settings.walk_speed_kmh * 1000 / 60
    origin_ll = (q.lon, q.lat)
    found = []
    for r in ranked:
        base = public_station(r.row, crs=q.crs, when=q.at, tz=tz, origin=origin_ll)
        by_walk = basis == "walking" and not r.cut_off
        found.append(
            NearbyStation(
                **base,
                straight_m=round(float(r.straight), 1),
                walking_m=round(float(r.walking), 1) if by_walk else None,
                distance_m=round(r.dist, 1),
                walking_min=round(r.dist / speed, 1),
                distance_kind="walk" if by_walk else "straight",
                distance_note=CUT_OFF_NOTE if r.cut_off else None,
                distance_note_en=CUT_OFF_NOTE_EN if r.cut_off else None,
            )
        )
    x, y = from_wgs84(q.lon, q.lat, q.crs)
    return NearestAnswer(
        lon=round(float(x), 7),
        lat=round(float(y), 7),
        crs=q.crs,
        at=q.at,
        timezone=tz,
        distance_basis=basis,
        basis_note=note,
        basis_note_en=note_en,
        count=len(found),
        stations=found,
    )


def _from_table(
    conn: psycopg.Connection[Any], q: NearestQuery, settings: LookupSettings
) -> list[_Ranked] | None:
    """The ranking from the nearest table, or None: the table is off, not ready, cannot
    prove the answer, or the request filters on more than the kind."""
    w = q.where
    if not settings.nearest_table or q.open_now or w.services or w.district or w.bbox:
        return None
    picked = nearest_table.pick(conn, q.lon, q.lat, w.kind, q.limit, q.max_distance_m, settings)
    if picked is None:
        return None
    return [
        _Ranked(row, float(row["straight_m"]), walking, dist, cut)
        for row, walking, dist, cut in zip(
            picked.rows, picked.walking, picked.dist, picked.cut_off, strict=True
        )
    ]


def _search(
    conn: psycopg.Connection[Any], q: NearestQuery, settings: LookupSettings, tz: str
) -> tuple[Basis, str | None, str | None, list[_Ranked]]:
    """The ranking by search: straight-line KNN candidates from PostGIS, walked from the
    person with a bounded Dijkstra, more candidates until the answer is proven."""
    net = walk.load(conn)
    origin = net.snap(q.lon, q.lat) if net is not None else None
    basis, note, note_en = distance_basis(origin, settings)

    k = max(4 * q.limit, 20)
    floor = metres_per_degree_floor(q.lat)
    while True:
        rows = stations_sql.nearest(conn, q.lon, q.lat, q.where, k=k)
        # Every station not fetched is at least this far (metres), walking or not.
        unseen_m = rows[-1]["deg"] * floor if len(rows) == k else np.inf
        last = unseen_m > q.max_distance_m or k >= MAX_CANDIDATES
        keep = [
            i
            for i, r in enumerate(rows)
            if r["straight_m"] <= q.max_distance_m
            and (not q.open_now or _open_now(r["opening_hours"], q.at, tz))
        ]
        straight = np.array([rows[i]["straight_m"] for i in keep], dtype=float)
        cut_off = np.zeros(len(keep), dtype=bool)
        if basis == "walking" and keep:
            assert net is not None and origin is not None
            lon = [rows[i]["lon"] for i in keep]
            lat = [rows[i]["lat"] for i in keep]
            targets = net.snap_remembered(lon, lat)
            walking = net.walking_m(origin, targets, _walk_budget(q, unseen_m, last))
            at_hand = straight_is_walk(straight, origin.offset[0], targets.offset)
            walking = np.where(at_hand, straight, walking)
            pieces = net.graph.edge_piece(targets.edge)
            cut_off = ~at_hand & (pieces != net.graph.edge_piece(origin.edge)[0])
            dist = np.where(cut_off, straight, walking)
        else:
            walking = np.full(len(keep), np.nan)
            dist = straight
        order = [j for j in np.lexsort((straight, dist)) if np.isfinite(dist[j])][: q.limit]
        enough = len(order) == q.limit and dist[order[-1]] <= unseen_m
        if enough or last:
            break
        k = _more_candidates(k, q.limit, unseen_m, dist[order[-1]] if order else np.inf)
    ranked = [
        _Ranked(
            rows[keep[j]],
            float(straight[j]),
            float(walking[j]),
            float(dist[j]),
            bool(cut_off[j]),
        )
        for j in order
    ]
    return basis, note, note_en, ranked
