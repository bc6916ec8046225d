"""Doubled street segments: one segment written twice, merged into one.

Some exports write a street twice (two features with the same line, either way round) or
as a way that doubles back on itself (A-B-A). Stored as read, the doubled metres count
twice in every length (a main street's kilometres, coverage shares) and a doubling-back
way becomes a loop that never reaches its far end. Here every segment (two consecutive
vertices of a line) is compared with every earlier one regardless of direction; a
repeated segment is dropped, and what is left of its line is cut where a run of dropped
segments begins and ends (and every other line is cut at those points too), so that the
walk network stays joined there. Segments are the same when their ends agree to 1e-7
degree (about 1 cm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.measure import geodesic_lengths

_ROUND = 1e7  # the walk network's node identity (geo.io.streets._NODE_ROUND)
# One int64 per rounded point: x in [-1.8e9, 1.8e9], y in [-0.9e9, 0.9e9].
_X_SPAN = 2_000_000_000
_X_OFF = 1_800_000_000
_Y_OFF = 900_000_000


@dataclass(frozen=True)
class Merged:
    """What :func:`merge_doubled` merged: repeated segments dropped and their metres."""

    segments: int
    metres: float


def merge_doubled(raw: pd.DataFrame) -> tuple[pd.DataFrame, Merged]:
    """Drop every segment that repeats an earlier one (in the same line or another).

    Parameters
    ----------
    raw : DataFrame
        One row per LineString (``geometry``, EPSG:4326) with its attributes; ``u`` and
        ``v`` (end node ids, may be None) are kept only at the piece ends that are still
        the line's own ends.

    Returns
    -------
    (DataFrame, Merged)
        The rows unchanged when nothing repeats; else one row per remaining piece, each
        with the attributes of its line, and how many segments (metres) were dropped.
    """
    geoms = np.asarray(raw["geometry"].to_numpy(), dtype=object)
    xy, line = shapely.get_coordinates(geoms, return_index=True)
    start = np.flatnonzero(line[:-1] == line[1:])  # segment i runs xy[i] -> xy[i + 1]
    seg_line = line[start]
    p0, p1 = xy[start], xy[start + 1]
    k0, k1 = _point_keys(p0), _point_keys(p1)
    dup = _repeated(np.minimum(k0, k1), np.maximum(k0, k1))
    if not dup.any():
        return raw, Merged(0, 0.0)
    metres = float(geodesic_lengths(shapely.linestrings(np.stack([p0[dup], p1[dup]], 1))).sum())
    first_of_line = np.r_[True, seg_line[1:] != seg_line[:-1]]
    last_of_line = np.r_[seg_line[1:] != seg_line[:-1], True]
    # Cut where a run of dropped segments begins or ends (not inside it: a whole street
    # written twice cuts nothing).
    run_start = dup & (first_of_line | ~np.r_[False, dup[:-1]])
    run_end = dup & (last_of_line | ~np.r_[dup[1:], False])
    breaks = np.unique(np.r_[k0[run_start], k1[run_end]])
    after_drop = np.r_[False, dup[:-1]]
    opens = first_of_line | after_drop | np.isin(k0, breaks)
    kept = ~dup
    piece = (np.cumsum(opens[kept]) - 1).astype(np.int64)
    n_kept = int(kept.sum())
    ends_piece = np.r_[piece[1:] != piece[:-1], True]
    points = np.r_[p0[kept], p1[kept][ends_piece]]
    owner = np.r_[piece, piece[ends_piece]]
    position = np.r_[np.arange(n_kept), np.flatnonzero(ends_piece) + 0.5]
    order = np.lexsort((position, owner))
    pieces = shapely.linestrings(points[order], indices=owner[order])
    first_seg = opens[kept]
    out = raw.iloc[seg_line[kept][first_seg]].reset_index(drop=True)
    out["geometry"] = pieces
    if "u" in out:
        out["u"] = out["u"].where(first_of_line[kept][first_seg], None)
    if "v" in out:
        out["v"] = out["v"].where(last_of_line[kept][ends_piece], None)
    return out, Merged(int(dup.sum()), metres)


def _point_keys(xy: NDArray[np.float64]) -> NDArray[np.int64]:
    """One int64 per point, equal for points that agree to 1e-7 degree."""
    k = np.round(xy * _ROUND).astype(np.int64)
    return (k[:, 0] + _X_OFF) * _X_SPAN + (k[:, 1] + _Y_OFF)


def _repeated(low: NDArray[np.int64], high: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Segments (given by their sorted end keys) equal to an earlier one; zero-length
    segments are never counted as repeats."""
    dup = np.zeros(len(low), dtype=bool)
    real = np.flatnonzero(low != high)
    if len(real) == 0:
        return dup
    pairs = np.column_stack([low[real], high[real]])
    _, first, inverse = np.unique(pairs, axis=0, return_index=True, return_inverse=True)
    dup[real] = first[inverse.reshape(-1)] != np.arange(len(real))
    return dup
