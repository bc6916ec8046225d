"""Which parts of a :class:`~geo.coverage.city.City` a set of stations covers.

Two modes:

* ``walking`` (the measure of record): walking distance along the walk network, the
  snapping distance of every point counted, one multi-source Dijkstra pass;
* ``straight_line`` (for comparison only): straight-line distance, i.e. circles
  (buffers) of radius D around the stations.

The answer is exact for walkable main streets (covered stretches in metres along each
street) and for grid cells (a cell is covered when its centre is within D). Main streets
off the walk network are measured per sample piece (see :data:`geo.coverage.city.SAMPLE_M`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geo.coverage.city import City
from geo.coverage.engine import Intervals, complement, covered_intervals, merge, point_distances
from geo.network.graph import Reach, Snap, reach
from geo.network.straight import nearest_straight

MODES = ("walking", "straight_line")


@dataclass
class Coverage:
    """Covered and uncovered stretches per main street (metres along it, indexed by the
    street's position in ``City.main_*``) and the covered flag of every grid cell."""

    mode: str
    distance_m: float
    n_stations: int
    n_stations_on_network: int
    main_covered: Intervals
    main_gaps: Intervals
    cell_covered: NDArray[np.bool_]


def evaluate(
    city: City, lon: NDArray[np.float64], lat: NDArray[np.float64], distance_m: float, mode: str
) -> Coverage:
    """Coverage of ``city`` by stations at WGS-84 ``lon``/``lat`` within ``distance_m``."""
    points = city.project(shapely.points(np.asarray(lon, float), np.asarray(lat, float)))
    if mode == "straight_line":
        covered, cells = _straight_line(city, points, distance_m)
        on_network = len(points)
    else:
        covered, cells, on_network = _walking(city, points, distance_m)
    n_main = len(city.main_id)
    gaps = complement(covered, np.arange(n_main), city.main_length)
    return Coverage(mode, distance_m, len(points), on_network, covered, gaps, cells)


def _walking(
    city: City, points: NDArray[np.object_], distance_m: float
) -> tuple[Intervals, NDArray[np.bool_], int]:
    stations = city.network.snap_points(points)
    r = reach(city.network.graph, stations, distance_m)
    walkable = np.flatnonzero(city.main_edge >= 0)
    main_of_edge = np.full(city.network.graph.n_edges, -1, dtype=np.int64)
    main_of_edge[city.main_edge[walkable]] = walkable
    on_edges = covered_intervals(r, city.main_edge[walkable])
    sample_ok = _point_walk(r, points, stations, city.sample_point, city.sample_snap) <= distance_m
    covered = merge(
        np.r_[main_of_edge[on_edges.edge], city.sample_owner[sample_ok]],
        np.r_[on_edges.lo, city.sample_lo[sample_ok]],
        np.r_[on_edges.hi, city.sample_hi[sample_ok]],
    )
    cells = _point_walk(r, points, stations, city.cell_centre, city.cell_snap) <= distance_m
    reachable = int(np.sum(stations.offset < distance_m))
    return covered, cells, reachable


def _point_walk(  # noqa: PLR0913
    r: Reach,
    stations: NDArray[np.object_],
    station_snap: Snap,
    points: NDArray[np.object_],
    snaps: Snap,
) -> NDArray[np.float64]:
    """Walk from the nearest station to each point: through the network, or the straight
    line where the two are closer to each other than to the street
    (:mod:`geo.network.straight`). Walk edges themselves gain nothing from the rule, so
    the covered intervals along them stay as the engine finds them."""
    s_xy = shapely.get_coordinates(stations) if len(stations) else np.empty((0, 2))
    p_xy = shapely.get_coordinates(points) if len(points) else np.empty((0, 2))
    straight = nearest_straight(s_xy, station_snap.offset, p_xy, snaps.offset, r.limit)
    return np.minimum(point_distances(r, snaps), straight)


def _straight_line(
    city: City, points: NDArray[np.object_], distance_m: float
) -> tuple[Intervals, NDArray[np.bool_]]:
    empty = merge(np.array([], np.int64), np.array([]), np.array([]))
    if len(points) == 0:
        return empty, np.zeros(len(city.cell_centre), dtype=bool)
    xy = shapely.get_coordinates(points)
    dist, _ = cKDTree(xy).query(shapely.get_coordinates(city.cell_centre))
    cells = np.asarray(dist <= distance_m)
    if not city.has_main_streets:
        return empty, cells
    disc = shapely.union_all(shapely.buffer(points, distance_m, quad_segs=32))
    shapely.prepare(disc)
    hit = np.flatnonzero(shapely.intersects(city.main_geom, disc))
    parts, owner = shapely.get_parts(
        shapely.intersection(city.main_geom[hit], disc), return_index=True
    )
    lines = shapely.get_type_id(parts) == 1
    parts, owner = parts[lines], hit[owner[lines]]
    street = city.main_geom[owner]
    a = shapely.line_locate_point(street, shapely.get_point(parts, 0), normalized=True)
    b = shapely.line_locate_point(street, shapely.get_point(parts, -1), normalized=True)
    length = city.main_length[owner]
    lo, hi = np.minimum(a, b) * length, np.maximum(a, b) * length
    keep = hi > lo
    return merge(owner[keep], lo[keep], hi[keep]), cells
