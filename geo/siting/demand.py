"""The demand of a siting plan: what the coverage engine finds uncovered.

* **Main streets on the walk network:** every uncovered stretch (the complement of the
  covered intervals) is cut into pieces of at most ``piece_m`` metres; weight = length.
  A piece counts as covered by a site only when all of it is within D (see
  :mod:`geo.siting.network`), so the plan never promises coverage it cannot deliver.
* **Main streets off the walk network:** the engine measures them by sample pieces of
  :data:`geo.coverage.city.SAMPLE_M` metres whose midpoint is snapped onto the network;
  each uncovered sample is a unit, weight = its length, covered exactly as the engine says.
* **Key districts:** each uncovered grid cell; weight = its area (geodesic m²), covered
  when its centre is within D, snapping distance counted: the engine's own rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.coverage.city import City
from geo.coverage.engine import Intervals
from geo.coverage.evaluate import Coverage
from geo.coverage.figures import cell_areas
from geo.siting.network import EdgeDemand

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

STREET, OFF_NETWORK, CELL = 0, 1, 2
# Gaps shorter than this are float noise of station positions (a station stored in WGS-84
# lands micrometres from where it was drawn), not places to build for.
MIN_GAP_M = 0.01
KIND_LABELS = {
    STREET: "主要街道 main street",
    OFF_NETWORK: "主要街道（不在步行路网）main street off the walk network",
    CELL: "重点区域网格 key-district cell",
}


@dataclass(frozen=True)
class Demand:
    """Uncovered demand units: where they lie on the network, what they weigh, what they
    belong to (main-street index or -1, district index or -1) and a point for maps."""

    on_edges: EdgeDemand
    kind: Ints
    street: Ints
    district: Ints
    street_m: Floats
    area_m2: Floats
    where: NDArray[np.object_]  # projected points

    def __len__(self) -> int:
        return int(self.kind.size)


def uncovered_demand(city: City, cov: Coverage, piece_m: float) -> Demand:
    """The demand units left uncovered by ``cov`` (see the module docstring)."""
    streets = _street_pieces(city, cov.main_gaps, piece_m)
    samples = _off_network_samples(city, cov.main_gaps)
    cells = np.flatnonzero(~cov.cell_covered)
    sn = city.sample_snap
    cs = city.cell_snap
    s_street, s_lo, s_hi = streets
    n_s = s_street.size
    owner = city.sample_owner[samples]
    e = np.r_[city.main_edge[s_street], sn.edge[samples], cs.edge[cells]]
    lo = np.r_[s_lo, sn.along[samples], cs.along[cells]]
    hi = np.r_[s_hi, sn.along[samples], cs.along[cells]]
    offset = np.r_[np.zeros(n_s), sn.offset[samples], cs.offset[cells]]
    length = city.main_length[np.r_[s_street, owner]]
    mid = (np.r_[s_lo, city.sample_lo[samples]] + np.r_[s_hi, city.sample_hi[samples]]) / 2
    street_points = shapely.line_interpolate_point(
        city.main_geom[np.r_[s_street, owner]],
        mid / np.where(length > 0, length, 1.0),
        normalized=True,
    )
    xy = np.r_[
        np.full((n_s, 2), np.nan),
        _xy(city.sample_point[samples]),
        _xy(city.cell_centre[cells]),
    ]
    return Demand(
        on_edges=EdgeDemand(e.astype(np.int64), lo, hi, offset, xy),
        kind=np.r_[
            np.full(n_s, STREET), np.full(samples.size, OFF_NETWORK), np.full(cells.size, CELL)
        ].astype(np.int64),
        street=np.r_[s_street, owner, np.full(cells.size, -1)].astype(np.int64),
        district=np.r_[np.full(n_s + samples.size, -1), city.cell_owner[cells]].astype(np.int64),
        street_m=np.r_[
            s_hi - s_lo, city.sample_hi[samples] - city.sample_lo[samples], np.zeros(cells.size)
        ],
        area_m2=np.r_[np.zeros(n_s + samples.size), cell_areas(city)[cells]],
        where=np.r_[street_points, city.cell_centre[cells]],
    )


def _xy(points: NDArray[np.object_]) -> Floats:
    """Coordinates (n x 2) of points, also for none."""
    return shapely.get_coordinates(points) if len(points) else np.empty((0, 2))


def _street_pieces(city: City, gaps: Intervals, piece_m: float) -> tuple[Ints, Floats, Floats]:
    """Uncovered stretches of walkable main streets cut at every multiple of ``piece_m``
    metres along the street (so pieces line up across gaps and sites)."""
    walk = (city.main_edge[gaps.edge] >= 0) & (gaps.hi - gaps.lo >= MIN_GAP_M)
    edge, lo, hi = gaps.edge[walk], gaps.lo[walk], gaps.hi[walk]
    first = np.floor(lo / piece_m) + 1  # first multiple after lo
    cuts = np.maximum(np.ceil(hi / piece_m) - first, 0).astype(np.int64)  # multiples inside
    which = np.repeat(np.arange(edge.size), cuts + 1)
    k = np.arange(which.size) - np.repeat(np.cumsum(cuts + 1) - (cuts + 1), cuts + 1)
    start = np.where(k == 0, lo[which], (first[which] + k - 1) * piece_m)
    end = np.where(k == cuts[which], hi[which], (first[which] + k) * piece_m)
    return edge[which], start, end


def _off_network_samples(city: City, gaps: Intervals) -> Ints:
    """Sample pieces of off-network main streets whose middle lies in a gap."""
    if city.sample_owner.size == 0 or gaps.edge.size == 0:
        return np.array([], dtype=np.int64)
    span = float(city.main_length.max()) + 1.0
    gap_key = gaps.edge * span + gaps.lo  # gaps are sorted by street, then lo
    mid = (city.sample_lo + city.sample_hi) / 2
    at = np.searchsorted(gap_key, city.sample_owner * span + mid, side="right") - 1
    ok = at >= 0
    atc = np.clip(at, 0, None)
    inside = ok & (gaps.edge[atc] == city.sample_owner) & (gaps.hi[atc] >= mid)
    return np.flatnonzero(inside).astype(np.int64)
