"""The public nearest lookup from a table: a snap, two lists and a KD-tree, no search.

:func:`geo.stations.lookup.nearest` asks :func:`pick` first. A :class:`StationTable`
holds, for the walk network and the public stations of one day, each node's nearest
stations by walk (:mod:`geo.network.nearest_table`, one table for all kinds and one per
kind) and a KD-tree of the station positions. A request then:

1. snaps the person onto an edge ``e = (u, v)`` as the search does;
2. takes candidates from the KD-tree in order of straight distance (metres in the
   network's projection, the geodesic measured exactly with pyproj as PostGIS does);
3. gives each candidate its distance by the rules of :func:`geo.stations.lookup.nearest`:
   the straight line where the straight line is the walk or where the station stands on
   another piece of the network, else the walk
   ``offset + min(a + D(u, s), b + D(v, s))`` (and along ``e`` itself for a station on
   it) from the lists of ``u`` and ``v``, exact when the station is listed where it
   matters and bounded below by the lists' last entries where it is not;
4. accepts the ranking only when it is proven: every station not among the candidates
   is straight-farther, and every candidate without an exact walk is bounded farther,
   than the ``limit``-th distance (or than ``max_distance`` when fewer are found);
5. reads the chosen stations' rows with the version tokens of the walk network and the
   stations in one statement (:func:`geo.stations.sql.chosen`), and uses them only when
   both tokens are those the table was built for.

Anything else returns None and the caller searches as before: filters on services,
district, box or open now, a person off the network, lists too short for the proof, a
table not built yet, built for another network, other stations or another day (then a
new one is built in a background thread, one at a time per database and process, and
requests are answered by the search until it is ready). The answers are those of the
search: same stations, same order, same distances (summed in another order: they may
differ in the last bits, never by a rounding step of the answer but at a tie).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg
from numpy.typing import NDArray
from pyproj import Geod
from scipy.spatial import cKDTree

from geo import clock
from geo.network import nearest_table as node_table
from geo.network import walk
from geo.network.graph import Snap
from geo.network.straight import straight_is_walk
from geo.settings import LookupSettings
from geo.stations import sql as stations_sql

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

log = logging.getLogger(__name__)

GEOD = Geod(ellps="WGS84")
#: Planar metres in the network's UTM projection times this are at most the geodesic
#: metres (the scale of a UTM zone stays within 0.9996..1.001 across a city).
PLANAR_FLOOR = 0.995
#: Most candidates taken from the KD-tree before falling back to the search.
MAX_CANDIDATES = 2000
#: Margin of the proof (metres): distances summed in another order differ by far less.
EPS_M = 1e-6


@dataclass(frozen=True)
class KindTable:
    """The stations of one kind (or all): their indices, KD-tree and node table."""

    index: Ints  # indices into the StationTable's arrays
    tree: cKDTree
    nodes: node_table.NearestTable  # station entries are StationTable indices


@dataclass
class StationTable:
    """Nearest tables of one walk network and one day's public stations."""

    net: walk.WalkNetwork
    station_token: str
    today: dt.date
    ids: Ints
    lon: Floats
    lat: Floats
    snap: Snap
    piece: Ints  # network piece of each station's edge (-1: none)
    kinds: dict[str | None, KindTable]
    build_s: float
    stale: bool = field(default=False)

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays (node tables, station arrays; KD-trees estimated)."""
        lists = {id(t.nodes): t.nodes.nbytes for t in self.kinds.values()}
        tables = sum(lists.values()) + sum(48 * t.index.size for t in self.kinds.values())
        return int(tables + 8 * 6 * self.ids.size)


def build(  # noqa: PLR0913 - what a table is built for
    net: walk.WalkNetwork,
    rows: list[dict[str, Any]],
    station_token: str,
    today: dt.date,
    k: int,
    per_kind: bool = True,
) -> StationTable:
    """The tables for ``rows`` (:func:`geo.stations.sql.public_positions`) on ``net``:
    one node table for all kinds, and one per kind unless ``per_kind`` is False (then a
    request for one kind reads the all-kinds lists, whose last entries bound every
    station of the kind as well, and is proven less often)."""
    t0 = time.perf_counter()
    ids = np.array([r["id"] for r in rows], dtype=np.int64)
    lon = np.array([r["lon"] for r in rows], dtype=np.float64)
    lat = np.array([r["lat"] for r in rows], dtype=np.float64)
    kinds_of = np.array([r["kind"] for r in rows], dtype=object)
    none = np.zeros(0)
    snap = net.snap(lon, lat) if len(rows) else Snap(ids, none, none)
    piece = net.graph.edge_piece(snap.edge)
    x, y = net.to_metric.transform(lon, lat)
    xy = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    kinds: dict[str | None, KindTable] = {}
    for kind in [None, *sorted(set(kinds_of.tolist()))]:
        index = np.arange(len(rows)) if kind is None else np.flatnonzero(kinds_of == kind)
        if kind is not None and not per_kind:
            kinds[kind] = KindTable(index.astype(np.int64), cKDTree(xy[index]), kinds[None].nodes)
            continue
        nodes = node_table.build(net.graph, snap.take(index), k)
        nodes = node_table.NearestTable(
            nodes.k,
            nodes.dist,
            np.where(nodes.station >= 0, index[np.maximum(nodes.station, 0)], -1).astype(np.int32),
            nodes.count,
        )
        kinds[kind] = KindTable(index.astype(np.int64), cKDTree(xy[index]), nodes)
    return StationTable(
        net, station_token, today, ids, lon, lat, snap, piece, kinds, time.perf_counter() - t0
    )


# ------------------------------------------------------------------ tables per database

_tables: dict[str, StationTable] = {}
_builds: dict[str, threading.Thread] = {}
# The (network, stations, day) whose build failed, per database: not tried again for them.
_failed: dict[str, tuple[str, str, dt.date]] = {}
_lock = threading.Lock()


def _key(conn: psycopg.Connection[Any]) -> str:
    info = conn.info
    return f"{info.host}:{info.port}/{info.dbname}"


def table(conn: psycopg.Connection[Any]) -> StationTable | None:
    """The table in memory for the connected database (current or not), if any."""
    return _tables.get(_key(conn))


def refresh(conn: psycopg.Connection[Any], k: int, today: dt.date, per_kind: bool = True) -> None:
    """Start building the table of the connected database for ``today`` in a background
    thread, unless one is being built. The station token is read before the stations and
    the network's before its edges, so a table is never labelled newer than its data."""
    key = _key(conn)
    with _lock:
        running = _builds.get(key)
        if running is not None and running.is_alive():
            return
        token = stations_sql.station_set_version(conn)
        net = walk.load(conn)
        if net is None:
            _tables.pop(key, None)
            return
        label = (net.version, token, today)
        if _failed.get(key) == label:
            return
        rows = stations_sql.public_positions(conn, today)

        def run() -> None:
            try:
                _tables[key] = build(net, rows, token, today, k, per_kind)
            except Exception:  # a failed build leaves the search answering
                log.exception("building the nearest table failed")
                _failed[key] = label

        thread = threading.Thread(target=run, name="nearest-table", daemon=True)
        _builds[key] = thread
        thread.start()


def settle(timeout: float = 60.0) -> None:
    """Wait (at most ``timeout`` seconds each) for the builds in progress."""
    for thread in list(_builds.values()):
        thread.join(timeout)


def clear() -> None:
    """Forget every table (tests)."""
    settle()
    _tables.clear()


@dataclass(frozen=True)
class Picked:
    """A ranking proven from the table: rows with their distances, best first."""

    rows: list[dict[str, Any]]
    walking: list[float]
    dist: list[float]
    cut_off: list[bool]


def _at(lists: tuple[Floats, NDArray[np.int32], float], cand: Ints) -> tuple[Floats, Floats]:
    """(known, least) metres from a node to each candidate: its listed distance (``inf``
    when not listed) and the least it can be (the list's bound when not listed)."""
    dist, station, bound = lists
    match = station[:, None] == cand[None, :]
    listed = match.any(axis=0)
    value = dist[match.argmax(axis=0)] if dist.size else np.full(cand.size, np.inf)
    return np.where(listed, value, np.inf), np.where(listed, value, bound)


def pick(  # noqa: PLR0913 - the request's parts, as nearest has them
    conn: psycopg.Connection[Any],
    lon: float,
    lat: float,
    kind: str | None,
    limit: int,
    max_distance_m: float,
    settings: LookupSettings,
) -> Picked | None:
    """The ``limit`` nearest public stations of ``kind`` by the rules of
    :func:`geo.stations.lookup.nearest`, or None where the table cannot prove them."""
    today = clock.today()
    tab = table(conn)
    if tab is None or tab.stale or tab.today != today:
        refresh(conn, settings.nearest_table_k, today, settings.nearest_table_per_kind)
        return None
    kt = tab.kinds.get(kind)
    net = tab.net
    origin = net.snap(lon, lat)
    if kt is None or origin.edge[0] < 0 or origin.offset[0] > settings.walk_max_snap_m:
        return None
    found = _rank(tab, kt, origin, lon, lat, limit, max_distance_m)
    if found is None:
        return None
    chosen, walking, dist, cut_off = found
    ids = [int(tab.ids[i]) for i in chosen]
    network_token, station_token, rows = stations_sql.chosen(conn, lon, lat, ids, today)
    if (network_token, station_token) != (net.version, tab.station_token):
        tab.stale = True
        refresh(conn, settings.nearest_table_k, today, settings.nearest_table_per_kind)
        return None
    by_id = {r["id"]: r for r in rows}
    if len(by_id) != len(ids):  # cannot happen while the tokens agree
        return None
    return Picked([by_id[i] for i in ids], walking, dist, cut_off)


def _rank(  # noqa: PLR0913
    tab: StationTable,
    kt: KindTable,
    origin: Snap,
    lon: float,
    lat: float,
    limit: int,
    max_d: float,
) -> tuple[list[int], list[float], list[float], list[bool]] | None:
    graph = tab.net.graph
    e, a, o0 = int(origin.edge[0]), float(origin.along[0]), float(origin.offset[0])
    b = float(graph.length[e] - a)
    u, v = int(graph.source[e]), int(graph.target[e])
    at_u, at_v = kt.nodes.of(u), kt.nodes.of(v)
    piece0 = int(graph.node_piece[u])
    x, y = tab.net.to_metric.transform(lon, lat)
    n = kt.index.size
    k = max(4 * limit, 20)
    while True:
        kk = min(k, n)
        if kk == 0:
            return [], [], [], []
        planar, near = kt.tree.query([float(x), float(y)], k=kk)
        cand = kt.index[np.atleast_1d(near)]
        unseen = float(np.atleast_1d(planar)[-1]) * PLANAR_FLOOR if kk < n else np.inf
        _, _, g = GEOD.inv(np.full(kk, lon), np.full(kk, lat), tab.lon[cand], tab.lat[cand])
        g = np.asarray(g, dtype=np.float64)
        keep = g <= max_d
        t_off = tab.snap.offset[cand]
        at_hand = straight_is_walk(g, o0, t_off)
        other_piece = tab.piece[cand] != piece0
        known_u, least_u = _at(at_u, cand)
        known_v, least_v = _at(at_v, cand)
        on_e = tab.snap.edge[cand] == e
        direct = np.where(on_e, o0 + (np.abs(tab.snap.along[cand] - a) + t_off), np.inf)
        high = np.minimum(o0 + np.minimum(a + known_u, b + known_v), direct)
        low = np.minimum(o0 + np.minimum(a + least_u, b + least_v), direct)
        walk_m = np.where(high <= max_d, high, np.inf)
        by_line = at_hand | other_piece
        dist = np.where(by_line, g, walk_m)
        exact = by_line | (high <= low)
        ok = np.flatnonzero(keep & exact & np.isfinite(dist))
        order = ok[np.lexsort((g[ok], dist[ok]))][:limit]
        bar = float(dist[order[-1]]) if order.size == limit else max_d
        unsure = keep & ~exact
        if np.any(low[unsure] <= bar + EPS_M):
            return None  # the lists do not reach far enough: search
        if unseen > bar + EPS_M:
            walking = np.where(at_hand, g, walk_m)
            return (
                cand[order].tolist(),
                walking[order].tolist(),
                dist[order].tolist(),
                (other_piece & ~at_hand)[order].tolist(),
            )
        if k >= MAX_CANDIDATES:
            return None
        k = min(4 * k, MAX_CANDIDATES)
