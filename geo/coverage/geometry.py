"""Vectorised geometry for coverage: projection, cutting lines, the cell grid.

All metric work happens in the walk network's projected CRS
(:func:`geo.network.walk.metric_epsg`); snapping is :func:`geo.network.walk.snap`.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

Geoms = NDArray[np.object_]
Floats = NDArray[np.float64]


def transform(geoms: Geoms, src: int, dst: int) -> Geoms:
    """Geometries reprojected from EPSG ``src`` to EPSG ``dst`` (x/y axis order)."""
    tr = Transformer.from_crs(src, dst, always_xy=True)

    def _xy(coords: Floats) -> Floats:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return np.asarray(shapely.transform(np.asarray(geoms, dtype=object), _xy), dtype=object)


def substrings(lines: Geoms, start: Floats, end: Floats) -> Geoms:
    """The part of each line between the normalised positions ``start`` < ``end``.

    Vectorised: every vertex strictly inside the range is kept and the two cut points are
    interpolated, then all pieces are built in one ``shapely.linestrings`` call.
    """
    lines = np.asarray(lines, dtype=object)
    if len(lines) == 0:
        return np.array([], dtype=object)
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    seg = np.sqrt(np.sum(np.diff(coords, axis=0) ** 2, axis=1))
    same = owner[1:] == owner[:-1]
    seg = np.where(same, seg, 0.0)
    cum = np.r_[0.0, np.cumsum(seg)]
    first = np.searchsorted(owner, np.arange(len(lines)))
    cum -= cum[first][owner]
    total = shapely.length(lines)
    frac = cum / np.where(total > 0, total, 1.0)[owner]
    inside = (frac > start[owner]) & (frac < end[owner])
    a = shapely.get_coordinates(shapely.line_interpolate_point(lines, start, normalized=True))
    b = shapely.get_coordinates(shapely.line_interpolate_point(lines, end, normalized=True))
    n = len(lines)
    xy = np.vstack([a, coords[inside], b])
    piece = np.r_[np.arange(n), owner[inside], np.arange(n)]
    pos = np.r_[np.full(n, -1.0), frac[inside], np.full(n, 2.0)]
    order = np.lexsort((pos, piece))
    return np.asarray(shapely.linestrings(xy[order], indices=piece[order]), dtype=object)


def sample_along(length_m: Floats, step: float) -> tuple[NDArray[np.int64], Floats, Floats]:
    """Split lines of ``length_m`` into equal pieces of at most ``step`` metres.

    Returns per piece: the line it belongs to, its start and its end in metres.
    """
    count = np.maximum(np.ceil(length_m / step), 1).astype(np.int64)
    owner = np.repeat(np.arange(len(length_m)), count)
    k = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
    size = length_m[owner] / count[owner]
    return owner, k * size, (k + 1) * size


def grid_cells(areas: Geoms, cell: float) -> tuple[NDArray[np.int64], Geoms, Geoms]:
    """Square cells of ``cell`` metres, aligned on multiples of ``cell``, over each area.

    Returns per (area, cell) pair that overlaps: the area index, the cell clipped to the
    area, and the cell centre. Cells wholly inside an area are not clipped (fast path).
    """
    owners, boxes = [], []
    for i, area in enumerate(np.asarray(areas, dtype=object)):  # one grid per district
        xmin, ymin, xmax, ymax = shapely.bounds(area)
        xs = np.arange(np.floor(xmin / cell), np.ceil(xmax / cell)) * cell
        ys = np.arange(np.floor(ymin / cell), np.ceil(ymax / cell)) * cell
        gx, gy = (g.ravel() for g in np.meshgrid(xs, ys))
        box = shapely.box(gx, gy, gx + cell, gy + cell)
        shapely.prepare(area)
        hit = shapely.intersects(area, box)
        boxes.append(box[hit])
        owners.append(np.full(int(hit.sum()), i, dtype=np.int64))
    owner = np.concatenate(owners) if owners else np.array([], dtype=np.int64)
    box = np.concatenate(boxes) if boxes else np.array([], dtype=object)
    areas = np.asarray(areas, dtype=object)
    whole = shapely.contains_properly(areas[owner], box) if len(box) else np.array([], bool)
    clipped = box.copy()
    if (~whole).any():
        clipped[~whole] = _polygonal(shapely.intersection(box[~whole], areas[owner[~whole]]))
    keep = shapely.area(clipped) > 0  # cells that only touch the area
    return owner[keep], clipped[keep], shapely.centroid(box[keep])


def _polygonal(geoms: Geoms) -> Geoms:
    """The polygonal part of each geometry (intersections may add lines or points)."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    poly = shapely.get_type_id(parts) == 3
    out = np.array([shapely.Polygon()] * len(geoms), dtype=object)
    if poly.any():
        have, dense = np.unique(owner[poly], return_inverse=True)
        out[have] = shapely.multipolygons(parts[poly], indices=dense)
    return out
