"""Incremental what-if coverage: switch stations off, add or move them, and update only
what the changed stations reach.

Coverage by a set of stations is the union of what each station covers alone (a point is
covered when its nearest station is within D, i.e. when *some* station is). So the
**base** state keeps, per operating station, what it reaches (:class:`Reached`: covered
stretches of the walkable main streets, the key-district grid cells and the off-network
street samples within D) and, per cell and sample, how many stations reach it. A
scenario then costs one bounded Dijkstra per added or moved station; a removal only
decrements counts and re-merges the stretches of the few streets the station touched.
The answer equals a full :func:`geo.coverage.evaluate.evaluate` of the same stations
(``min`` and ``max`` over stations commute with the engine's closed forms, see
:mod:`geo.coverage.engine`); ``tests/coverage/test_whatif*.py`` check it.

Walking mode only: the measure of record. No database here (see
:mod:`geo.coverage.whatif_service`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geo.coverage.city import City
from geo.coverage.engine import Intervals, covered_intervals, merge
from geo.coverage.evaluate import _point_walk
from geo.coverage.figures import cell_areas
from geo.network.graph import Reach, Snap, reach
from geo.network.straight import RULE_MAX_OFFSET_M

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Geoms = NDArray[np.object_]

_EMPTY_I = np.array([], dtype=np.int64)
_EMPTY_F = np.array([], dtype=np.float64)


@dataclass(frozen=True)
class Reached:
    """What one station covers alone: merged stretches ``[lo, hi]`` of walkable main
    streets (indices into ``City.main_*``), the grid cells and the off-network street
    samples within D, and whether it stands within D of the network."""

    street: Ints
    lo: Floats
    hi: Floats
    cells: Ints
    samples: Ints
    on_network: bool


class Reacher:
    """Computes :class:`Reached` for single stations of one city and distance."""

    def __init__(self, city: City, distance_m: float) -> None:
        self.city = city
        self.distance_m = float(distance_m)
        g = city.network.graph
        walkable = np.flatnonzero(city.main_edge >= 0)
        self.main_edges = city.main_edge[walkable]
        self.main_of_edge = np.full(g.n_edges, -1, dtype=np.int64)
        self.main_of_edge[self.main_edges] = walkable
        self._cells = _Points(city.cell_centre, city.cell_snap.edge)
        self._samples = _Points(city.sample_point, city.sample_snap.edge)

    def project(self, lon: Floats, lat: Floats) -> Geoms:
        """WGS-84 positions as metric points of the city."""
        return self.city.project(shapely.points(np.asarray(lon, float), np.asarray(lat, float)))

    def __call__(self, point: shapely.Point) -> Reached:
        """What a station at metric ``point`` reaches (one Dijkstra bounded by D)."""
        city, d = self.city, self.distance_m
        g = city.network.graph
        pts = np.array([point], dtype=object)
        snap = city.network.snap_points(pts)
        r = reach(g, snap, d)
        nd = r.node_distance
        finite_node = np.isfinite(nd)
        me = self.main_edges
        near = finite_node[g.source[me]] | finite_node[g.target[me]] | (me == snap.edge[0])
        iv = covered_intervals(r, me[near])
        on_edge = np.zeros(g.n_edges, dtype=bool)
        if g.n_edges:
            on_edge = finite_node[g.source] | finite_node[g.target]
            if snap.edge[0] >= 0:
                on_edge[snap.edge[0]] = True
        cells = self._cells.reached(r, pts, snap, on_edge, city.cell_snap, d)
        samples = self._samples.reached(r, pts, snap, on_edge, city.sample_snap, d)
        return Reached(
            self.main_of_edge[iv.edge],
            iv.lo,
            iv.hi,
            cells,
            samples,
            bool(snap.offset[0] < d),
        )


@dataclass
class _Points:
    """Cell centres or street samples, with a tree to find those a station may reach by
    the straight-line rule (:mod:`geo.network.straight`)."""

    geoms: Geoms
    edge: Ints
    tree: cKDTree | None = field(init=False)

    def __post_init__(self) -> None:
        xy = shapely.get_coordinates(self.geoms) if len(self.geoms) else np.empty((0, 2))
        self.tree = cKDTree(xy) if len(xy) else None

    def reached(  # noqa: PLR0913 - the reach, the station (point, snap) and the points
        self,
        r: Reach,
        pts: Geoms,
        snap: Snap,
        on_edge: NDArray[np.bool_],
        snaps: Snap,
        d: float,
    ) -> Ints:
        """Indices of the points within ``d`` of the station; only candidates are
        measured (on an edge the search touched, or near enough for a straight line)."""
        if self.tree is None:
            return _EMPTY_I
        cand = np.zeros(len(self.geoms), dtype=bool)
        ok = self.edge >= 0
        cand[ok] = on_edge[self.edge[ok]]
        off = float(snap.offset[0])
        if np.isfinite(off) and off <= RULE_MAX_OFFSET_M:
            xy = shapely.get_coordinates(pts)[0]
            radius = min(d, off + RULE_MAX_OFFSET_M) + 1.0
            near = self.tree.query_ball_point(xy, radius, return_sorted=False)
            cand[np.asarray(near, dtype=np.int64)] = True
        idx = np.flatnonzero(cand)
        if idx.size == 0:
            return _EMPTY_I
        dist = _point_walk(r, pts, snap, self.geoms[idx], snaps.take(idx))
        return idx[dist <= d]


@dataclass
class Figures:
    """The headline figures of one state (base or scenario)."""

    stations: int
    stations_reaching_network: int
    main_street_m: float
    main_street_covered_m: float
    key_district_area_m2: float
    key_district_covered_m2: float

    @property
    def main_street_share(self) -> float | None:
        """Covered share of the main streets (0..1), None without main streets."""
        m = self.main_street_m
        return self.main_street_covered_m / m if m > 0 else None

    @property
    def key_district_share(self) -> float | None:
        """Covered share of the key districts' area (0..1), None without any."""
        a = self.key_district_area_m2
        return self.key_district_covered_m2 / a if a > 0 else None


@dataclass
class Base:
    """The base state of one question: every operating station's reach and the counts."""

    reacher: Reacher
    ids: Ints  # station ids (database)
    names: list[str]
    lon: Floats
    lat: Floats
    reached: list[Reached]
    # every station's stretches in one table sorted by street: owner (position in ids)
    iv_owner: Ints
    iv_street: Ints
    iv_lo: Floats
    iv_hi: Floats
    covered: Intervals  # the union, per walkable main street
    cell_count: Ints
    sample_count: Ints
    walk_m: Floats  # covered metres of each main street on the walk network
    cell_area: Floats  # geodesic area of each cell
    figures: Figures

    @property
    def city(self) -> City:
        """The city of the base."""
        return self.reacher.city

    def position(self, station_id: int) -> int | None:
        """Position of a station id among the base's stations (None: not operating)."""
        pos = np.flatnonzero(self.ids == station_id)
        return int(pos[0]) if pos.size else None


def build_base(  # noqa: PLR0913 - the city, the distance and the stations' columns
    city: City,
    distance_m: float,
    ids: Ints,
    names: list[str],
    lon: Floats,
    lat: Floats,
) -> Base:
    """The base state of stations at WGS-84 ``lon``/``lat`` (one Dijkstra per station)."""
    reacher = Reacher(city, distance_m)
    points = reacher.project(lon, lat)
    reached = [reacher(p) for p in points]
    owner = np.concatenate(
        [np.full(r.street.size, i, dtype=np.int64) for i, r in enumerate(reached)] or [_EMPTY_I]
    )
    street = np.concatenate([r.street for r in reached] or [_EMPTY_I])
    lo = np.concatenate([r.lo for r in reached] or [_EMPTY_F])
    hi = np.concatenate([r.hi for r in reached] or [_EMPTY_F])
    order = np.argsort(street, kind="stable")
    owner, street, lo, hi = owner[order], street[order], lo[order], hi[order]
    covered = merge(street, lo, hi)
    n_cells, n_samples = len(city.cell_owner), len(city.sample_owner)
    cell_count = _count([r.cells for r in reached], n_cells)
    sample_count = _count([r.samples for r in reached], n_samples)
    cell_area = cell_areas(city)
    walk_m = covered.length_per_edge(len(city.main_id))
    street_m = walk_m + _pieces_m(city, sample_count > 0)
    figs = _figures(
        city, len(ids), sum(r.on_network for r in reached), street_m, cell_area, cell_count > 0
    )
    return Base(
        reacher,
        np.asarray(ids, dtype=np.int64),
        list(names),
        np.asarray(lon, float),
        np.asarray(lat, float),
        reached,
        owner,
        street,
        lo,
        hi,
        covered,
        cell_count,
        sample_count,
        walk_m,
        cell_area,
        figs,
    )


def _count(index_lists: list[Ints], n: int) -> Ints:
    if not index_lists:
        return np.zeros(n, dtype=np.int64)
    return np.bincount(np.concatenate(index_lists), minlength=n).astype(np.int64)


def _pieces_m(city: City, samples_on: NDArray[np.bool_]) -> Floats:
    """Covered metres of each main street's off-network sample pieces."""
    pieces = np.bincount(
        city.sample_owner[samples_on],
        weights=(city.sample_hi - city.sample_lo)[samples_on],
        minlength=len(city.main_id),
    )
    return np.asarray(pieces, dtype=np.float64)


def _figures(  # noqa: PLR0913
    city: City,
    n_stations: int,
    on_network: int,
    street_m: Floats,
    cell_area: Floats,
    cells_on: NDArray[np.bool_],
) -> Figures:
    return Figures(
        stations=int(n_stations),
        stations_reaching_network=int(on_network),
        main_street_m=float(city.main_length.sum()),
        main_street_covered_m=float(street_m.sum()),
        key_district_area_m2=float(cell_area.sum()),
        key_district_covered_m2=float(cell_area[cells_on].sum()),
    )


@dataclass(frozen=True)
class Added:
    """A hypothetical station of a scenario (WGS-84), ``key`` the client id or, for a
    moved operating station, ``station:<id>``."""

    key: str
    lon: float
    lat: float
    name: str | None = None
    station_id: int | None = None


@dataclass
class Outcome:
    """A scenario evaluated against its base."""

    base: Figures
    scenario: Figures
    newly_covered: Intervals  # stretches per main street (metres along it)
    newly_uncovered: Intervals
    newly_covered_cells: Ints
    newly_uncovered_cells: Ints


def evaluate(base: Base, removed: list[int], added: list[Added]) -> Outcome:
    """The scenario: the base's stations at positions ``removed`` switched off and the
    ``added`` stations built. Only the added stations are searched; only the streets,
    cells and samples the changed stations reach are recomputed."""
    city = base.city
    gone = np.unique(np.asarray(removed, dtype=np.int64))
    new = (
        [
            base.reacher(p)
            for p in base.reacher.project(
                np.array([a.lon for a in added], float), np.array([a.lat for a in added], float)
            )
        ]
        if added
        else []
    )
    # grid cells and off-network samples: exact counts
    cell_count = base.cell_count.copy()
    sample_count = base.sample_count.copy()
    for r in (base.reached[i] for i in gone):
        np.subtract.at(cell_count, r.cells, 1)
        np.subtract.at(sample_count, r.samples, 1)
    for r in new:
        np.add.at(cell_count, r.cells, 1)
        np.add.at(sample_count, r.samples, 1)
    # walkable main streets: re-merge the streets any changed station touches
    touched = np.unique(
        np.concatenate(
            [base.reached[i].street for i in gone] + [r.street for r in new] + [_EMPTY_I]
        )
    )
    keep = np.isin(base.iv_street, touched) & ~np.isin(base.iv_owner, gone)
    after = merge(
        np.concatenate([base.iv_street[keep], *[r.street for r in new]]),
        np.concatenate([base.iv_lo[keep], *[r.lo for r in new]]),
        np.concatenate([base.iv_hi[keep], *[r.hi for r in new]]),
    )
    before = _select(base.covered, touched)
    walk_m = base.walk_m.copy()
    walk_m[touched] = after.length_per_edge(len(city.main_id))[touched]
    street_m = walk_m + _pieces_m(city, sample_count > 0)
    on_network = (
        base.figures.stations_reaching_network
        - sum(base.reached[i].on_network for i in gone)
        + sum(r.on_network for r in new)
    )
    cells_on = cell_count > 0
    figs = _figures(
        city,
        len(base.ids) - gone.size + len(added),
        on_network,
        street_m,
        base.cell_area,
        cells_on,
    )
    gained_s = np.flatnonzero((sample_count > 0) & (base.sample_count == 0))
    lost_s = np.flatnonzero((sample_count == 0) & (base.sample_count > 0))
    base_on = base.cell_count > 0
    return Outcome(
        base=base.figures,
        scenario=figs,
        newly_covered=_with_samples(city, difference(after, before), gained_s),
        newly_uncovered=_with_samples(city, difference(before, after), lost_s),
        newly_covered_cells=np.flatnonzero(cells_on & ~base_on),
        newly_uncovered_cells=np.flatnonzero(~cells_on & base_on),
    )


def _select(iv: Intervals, streets: Ints) -> Intervals:
    keep = np.isin(iv.edge, streets)
    return Intervals(iv.edge[keep], iv.lo[keep], iv.hi[keep])


def _with_samples(city: City, iv: Intervals, samples: Ints) -> Intervals:
    return merge(
        np.r_[iv.edge, city.sample_owner[samples]],
        np.r_[iv.lo, city.sample_lo[samples]],
        np.r_[iv.hi, city.sample_hi[samples]],
    )


def contains(iv: Intervals, edge: Ints, pos: Floats) -> NDArray[np.bool_]:
    """Whether each ``pos`` on ``edge`` lies in the (sorted, disjoint) intervals ``iv``."""
    if iv.edge.size == 0 or edge.size == 0:
        return np.zeros(edge.size, dtype=bool)
    order = np.lexsort((iv.lo, iv.edge))
    e, lo, hi = iv.edge[order], iv.lo[order], iv.hi[order]
    # position of the last interval starting at or before pos on the same edge
    first = np.searchsorted(e, edge, side="left")
    last = np.searchsorted(e, edge, side="right")
    out = np.zeros(edge.size, dtype=bool)
    has = last > first
    if not has.any():
        return out
    # binary search inside each edge's run, vectorised via a per-edge offset key
    span = float(max(np.abs(hi).max(), np.abs(pos).max())) + 1.0
    key = lo + (e - e.min()).astype(np.float64) * 2 * span
    q = pos + (edge - e.min()).astype(np.float64) * 2 * span
    at = np.searchsorted(key, q, side="right") - 1
    atc = np.clip(at, 0, None)
    out = has & (at >= first) & (at < last) & (lo[atc] <= pos) & (hi[atc] >= pos)
    return np.asarray(out)


def difference(a: Intervals, b: Intervals) -> Intervals:
    """The parts of intervals ``a`` that are not in ``b`` (per edge), merged."""
    if a.edge.size == 0:
        return a
    e = np.r_[a.edge, a.edge, b.edge, b.edge]
    x = np.r_[a.lo, a.hi, b.lo, b.hi]
    order = np.lexsort((x, e))
    e, x = e[order], x[order]
    se, x0, x1 = e[:-1], x[:-1], x[1:]
    seg = (e[1:] == se) & (x1 > x0)
    mid = (x0 + x1) / 2
    keep = seg & contains(a, se, mid) & ~contains(b, se, mid)
    return merge(se[keep], x0[keep], x1[keep])
