"""When the straight line is the walk: the one rule shared by nearest, coverage and siting.

Every point (a person, a station, a candidate site, a grid-cell centre, a sample on a
street off the network) reaches the walk network by a straight ``offset`` to its snap
(:class:`geo.network.graph.Snap`). The walk between two points a and b is normally

    offset_a + network(snap_a, snap_b) + offset_b.

**The rule** (#12 item 5): when the straight line ``|ab|`` is no longer than
``offset_a + offset_b``, the walk is ``|ab|``. The two points are then closer to each
other than either is to the street (a person standing at a station that is 93 m off the
street, a courtyard cell beside a station set back in the same courtyard), so nobody
walks out to the street and back: without the rule, standing at such a station is a
185 m walk from it.

Why not the straight line whenever it is shorter than the way through the snaps? Because
it nearly always is: the straight line is never longer than any walk, so that rule would
make every distance a crow-fly and the walk network pointless (a river, a rail line or a
walled compound between two points would no longer count). The rule above only applies
where the network has nothing to say: within the points' own distance from it.

**Only near the walkways:** the rule applies only to points within
:data:`RULE_MAX_OFFSET_M` of a walk edge. A point farther from every walkway stands where
the data has none (water, a park, a hillside, land beyond the street file): a crow-fly
there would cover a bay from a candidate site on its shore, and a plan would put
stations where nobody can walk. Such a point keeps the network's walk (and demand with no
walkway within the service distance stays unreachable, #12 item 12).

Two consequences, used by coverage and siting:

* A point *on* a walk edge (offset 0) is never closer to a station than the station's
  own offset (that is the distance to its nearest edge), so ``|ab| <= offset_a + 0``
  holds only at the station's foot point: covered stretches of walk edges do not change.
  Only points with an offset of their own (cell centres, samples of main streets off the
  network, a person) gain.
* Since ``|ab|`` never exceeds the network walk, the walk under the rule is
  ``min(network walk, |ab| where |ab| <= offset_a + offset_b)``: the nearest station by
  the rule is the smaller of the nearest by network and the nearest by straight line
  among the pairs the rule applies to.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

#: Farthest a point may stand from the walk network for the rule to apply to it (metres).
RULE_MAX_OFFSET_M = 500.0  # as far as a station may stand and still join (YIZHAN_WALK_MAX_SNAP_M)


def straight_is_walk(
    straight: ArrayLike, offset_a: ArrayLike, offset_b: ArrayLike
) -> NDArray[np.bool_]:
    """Whether the straight line is the walk: ``straight <= offset_a + offset_b``, both
    offsets within :data:`RULE_MAX_OFFSET_M`."""
    a, b = np.asarray(offset_a), np.asarray(offset_b)
    near = (a <= RULE_MAX_OFFSET_M) & (b <= RULE_MAX_OFFSET_M)
    return np.asarray((np.asarray(straight) <= a + b) & near)


def walk_m(
    straight: ArrayLike, offset_a: ArrayLike, offset_b: ArrayLike, network: ArrayLike
) -> Floats:
    """The walk between points: ``straight`` where :func:`straight_is_walk`, else the walk
    through the snaps ``network`` (offsets included; ``inf``: not reachable)."""
    return np.asarray(
        np.where(straight_is_walk(straight, offset_a, offset_b), straight, network),
        dtype=np.float64,
    )


def straight_pairs(
    a_xy: Floats, a_offset: Floats, b_xy: Floats, b_offset: Floats, limit: float
) -> tuple[Ints, Ints, Floats]:
    """Every pair (i of a, j of b) whose walk is its straight line and at most ``limit``
    metres: ``(i, j, |a_i b_j|)``. Positions in one metric projection (n x 2 arrays);
    points with a non-finite position or offset take part in no pair."""
    a_ok = np.flatnonzero(np.isfinite(a_xy).all(axis=1) & np.isfinite(a_offset))
    b_ok = np.flatnonzero(np.isfinite(b_xy).all(axis=1) & np.isfinite(b_offset))
    empty = (np.array([], np.int64), np.array([], np.int64), np.array([], np.float64))
    if a_ok.size == 0 or b_ok.size == 0:
        return empty
    a_ok = a_ok[a_offset[a_ok] <= RULE_MAX_OFFSET_M]
    b_ok = b_ok[b_offset[b_ok] <= RULE_MAX_OFFSET_M]
    if a_ok.size == 0 or b_ok.size == 0:
        return empty
    reach = min(limit, float(a_offset[a_ok].max()) + float(b_offset[b_ok].max()))
    if reach < 0:
        return empty
    pairs = (
        cKDTree(a_xy[a_ok])
        .sparse_distance_matrix(cKDTree(b_xy[b_ok]), reach, output_type="ndarray")
        .view(np.recarray)
    )
    i, j, d = a_ok[pairs.i], b_ok[pairs.j], np.asarray(pairs.v, dtype=np.float64)
    keep = straight_is_walk(d, a_offset[i], b_offset[j]) & (d <= limit)
    return i[keep].astype(np.int64), j[keep].astype(np.int64), d[keep]


def nearest_straight(
    a_xy: Floats, a_offset: Floats, b_xy: Floats, b_offset: Floats, limit: float
) -> Floats:
    """For each point of b, the shortest walk from any point of a that is a straight line
    by the rule and at most ``limit`` (``inf``: none)."""
    _, j, d = straight_pairs(a_xy, a_offset, b_xy, b_offset, limit)
    best = np.full(len(b_xy), np.inf)
    np.minimum.at(best, j, d)
    return best
