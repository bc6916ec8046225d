"""The walk network's edges as flat coordinate arrays, and snapping onto them without one
shapely object per edge.

A :class:`Lines` holds every edge's metric vertices in two flat arrays; a
:class:`SegmentGrid` registers every segment in the square cells its sample points fall
in. Both are plain numpy arrays, so a network written once to the cache folder
(:mod:`geo.network.netcache`) is opened memory-mapped and shared by every worker through
the page cache, where the shapely lines and ``STRtree`` of the in-memory network were
built again in each.

The nearest edge is exact: a segment registered in no cell of the square searched around
a point has each of its points within a quarter cell of one of its samples, all outside
the square, so it lies farther than the square's half-width less a quarter cell; the
search widens until the best distance found is nearer than that. Distances and positions
along an edge follow GEOS's own formulas (``Distance::pointToSegment``,
``LengthIndexedLine::project``), so the answers are those of ``STRtree.query_nearest`` and
``line_locate_point``; ties go to the lowest edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Geoms = NDArray[np.object_]

# Points per batch of the vectorised search (bounds its temporary arrays).
_BATCH = 32_768
# Rings of cells searched around every point; the points still open (far from every
# street) go through a KD-tree of the non-empty cells.
_RINGS = 3


@dataclass(frozen=True)
class Lines:
    """Edges as metric vertices: ``x``, ``y`` and each edge's first vertex (``start``,
    one more than the edges); segment ``k`` joins vertex ``first[k]`` to the next."""

    x: Floats
    y: Floats
    start: Ints

    @classmethod
    def from_geoms(cls, geoms: Geoms) -> Lines:
        """The vertices of shapely lines (every line with at least two)."""
        coords, index = shapely.get_coordinates(geoms, return_index=True)
        counts = np.bincount(index, minlength=len(geoms))
        start = np.r_[0, np.cumsum(counts)].astype(np.int64)
        return cls(np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1]), start)

    def __len__(self) -> int:
        return len(self.start) - 1

    def geoms(self, edges: Ints) -> Geoms:
        """Shapely lines of the given edges (built on demand, in the given order)."""
        edges = np.asarray(edges, dtype=np.int64)
        first, counts = self.start[edges], self.start[edges + 1] - self.start[edges]
        if edges.size == 0:
            return np.empty(0, dtype=object)
        vertex = _ranges(first, counts)
        coords = np.column_stack([self.x[vertex], self.y[vertex]])
        out: Geoms = shapely.linestrings(coords, indices=np.repeat(np.arange(edges.size), counts))
        return out

    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of every vertex."""
        return (
            float(self.x.min()),
            float(self.y.min()),
            float(self.x.max()),
            float(self.y.max()),
        )


class EdgeLines:
    """The edges' shapely lines as a read-only sequence built on demand from a
    :class:`Lines`: ``lines[e]`` (one edge or an index array), ``len``, iteration and
    ``np.asarray`` (every line, built each time: for the rare whole-network uses)."""

    def __init__(self, lines: Lines) -> None:
        self._lines = lines

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int | np.integer):
            return self._lines.geoms(np.array([int(key) % len(self)]))[0]
        if isinstance(key, slice):
            return self._lines.geoms(np.arange(len(self))[key])
        key = np.asarray(key)
        if key.dtype == bool:
            key = np.flatnonzero(key)
        return self._lines.geoms(key.astype(np.int64) % max(len(self), 1))

    def __iter__(self) -> Any:
        return iter(self._lines.geoms(np.arange(len(self))))

    def __array__(self, dtype: Any = None, copy: Any = None) -> Geoms:
        return self._lines.geoms(np.arange(len(self)))


@dataclass(frozen=True)
class SegmentGrid:
    """Every segment of a :class:`Lines` registered in square cells of ``cell`` metres:
    the segments of cell ``j * nx + i`` are ``seg[cell_start[c]:cell_start[c + 1]]``."""

    lines: Lines
    first: Ints  # first vertex of each segment
    edge: Ints  # edge of each segment
    measure: Floats  # metres along its edge where each segment starts (GEOS's sums)
    edge_len: Floats  # planar length of each edge (GEOS's ``Length::ofLine``)
    origin: Floats  # (x0, y0)
    cell: float
    nx: int
    ny: int
    cell_start: Ints
    seg: Ints

    def arrays(self) -> dict[str, NDArray[Any]]:
        """The grid's arrays by name (what the cache writes), lines excluded."""
        shape = np.array([self.cell, self.nx, self.ny], dtype=np.float64)
        return {
            "seg_first": self.first,
            "seg_edge": self.edge,
            "seg_measure": self.measure,
            "edge_planar": self.edge_len,
            "grid_origin": self.origin,
            "grid_shape": shape,
            "grid_cell_start": self.cell_start,
            "grid_seg": self.seg,
        }

    @classmethod
    def from_arrays(cls, lines: Lines, a: dict[str, NDArray[Any]]) -> SegmentGrid:
        """The grid from :meth:`arrays` (e.g. memory-mapped)."""
        cell, nx, ny = (float(v) for v in a["grid_shape"])
        return cls(
            lines,
            a["seg_first"],
            a["seg_edge"],
            a["seg_measure"],
            a["edge_planar"],
            a["grid_origin"],
            cell,
            int(nx),
            int(ny),
            a["grid_cell_start"],
            a["grid_seg"],
        )

    @classmethod
    def build(cls, lines: Lines) -> SegmentGrid:
        """Register every segment of ``lines`` (about one segment per cell)."""
        x, y, start = lines.x, lines.y, lines.start
        last = np.zeros(len(x), dtype=bool)
        last[start[1:] - 1] = True
        first = np.flatnonzero(~last).astype(np.int64)
        edge = (np.searchsorted(start, first, side="right") - 1).astype(np.int64)
        seg_len = np.sqrt((x[first + 1] - x[first]) ** 2 + (y[first + 1] - y[first]) ** 2)
        measure, edge_len = _measures(seg_len, edge, first - start[edge], len(lines))
        n = max(len(first), 1)
        if len(x):
            xmin, ymin, xmax, ymax = lines.bounds()
        else:
            xmin = ymin = xmax = ymax = 0.0
        w, h = xmax - xmin, ymax - ymin
        cell = max(float(np.sqrt(max(w * h, 1.0) / n)), 1.0)
        while (int(w // cell) + 1) * (int(h // cell) + 1) > 4 * n + 1024:
            cell *= 1.5
        nx, ny = int(w // cell) + 1, int(h // cell) + 1
        # Samples every half cell at most, both ends included.
        k = np.ceil(seg_len / (cell / 2)).astype(np.int64) + 1
        owner = np.repeat(np.arange(len(first)), k)
        t = (np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)) / np.repeat(k - 1, k)
        a = first[owner]
        sx = x[a] + t * (x[a + 1] - x[a])
        sy = y[a] + t * (y[a + 1] - y[a])
        ci = np.clip(((sx - xmin) // cell).astype(np.int64), 0, nx - 1)
        cj = np.clip(((sy - ymin) // cell).astype(np.int64), 0, ny - 1)
        key = np.unique((cj * nx + ci) * len(first) + owner)
        cells, seg = np.divmod(key, max(len(first), 1))
        cell_start = np.r_[0, np.cumsum(np.bincount(cells, minlength=nx * ny))].astype(np.int64)
        return cls(
            lines,
            first,
            edge,
            measure,
            edge_len,
            np.array([xmin, ymin]),
            cell,
            nx,
            ny,
            cell_start,
            seg.astype(np.int64),
        )

    def snap(self, px: Floats, py: Floats) -> tuple[Ints, Floats, Floats]:
        """Each point's nearest edge (-1 for a missing point), the fraction along the edge
        (``line_locate_point(normalized=True)``) and the distance."""
        n = len(px)
        best_seg = np.full(n, -1, dtype=np.int64)
        best = np.full(n, np.inf)
        ok = np.isfinite(px) & np.isfinite(py)
        if len(self.first):
            for lo in range(0, n, _BATCH):
                idx = np.flatnonzero(ok[lo : lo + _BATCH]) + lo
                self._snap_batch(px[idx], py[idx], idx, best_seg, best)
        found = best_seg >= 0
        edge = np.where(found, self.edge[np.maximum(best_seg, 0)], -1)
        frac = np.zeros(n)
        s = best_seg[found]
        a = self.first[s]
        x, y = self.lines.x, self.lines.y
        f = _segment_fraction(px[found], py[found], x[a], y[a], x[a + 1], y[a + 1])
        seg_len = np.sqrt((x[a + 1] - x[a]) ** 2 + (y[a + 1] - y[a]) ** 2)
        total = self.edge_len[edge[found]]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac[found] = np.where(total > 0, (self.measure[s] + f * seg_len) / total, 0.0)
        return edge, frac, best

    def _snap_batch(self, px: Floats, py: Floats, idx: Ints, best_seg: Ints, best: Floats) -> None:
        """The vectorised ring search for one batch; the points still open after
        :data:`_RINGS` rings go through :meth:`_snap_far`."""
        ci = np.floor((px - self.origin[0]) / self.cell).astype(np.int64)
        cj = np.floor((py - self.origin[1]) / self.cell).astype(np.int64)
        open_ = np.arange(len(px))
        for r in range(1, _RINGS + 1):
            di, dj = _ring(r)
            if r == 1:
                di, dj = np.r_[0, di], np.r_[0, dj]
            self._search((px, py, ci, cj, idx), open_, (di, dj), best_seg, best)
            done = best[idx[open_]] < r * self.cell - self.cell / 4
            open_ = open_[~done]
            if open_.size == 0:
                return
        self._snap_far(px[open_], py[open_], idx[open_], best_seg, best)

    def _search(
        self,
        batch: tuple[Floats, Floats, Ints, Ints, Ints],
        pts: Ints,
        offsets: tuple[Ints, Ints],
        best_seg: Ints,
        best: Floats,
    ) -> None:
        """Compare the segments of cells (ci + di, cj + dj) with the best so far, for
        the points ``pts`` of a batch (x, y, cell column and row, index in the answer)."""
        px, py, ci, cj, idx = batch
        di, dj = offsets
        i = ci[pts][:, None] + di[None, :]
        j = cj[pts][:, None] + dj[None, :]
        inside = (i >= 0) & (i < self.nx) & (j >= 0) & (j < self.ny)
        owner = np.broadcast_to(pts[:, None], i.shape)[inside]
        c = (j * self.nx + i)[inside]
        lo, hi = self.cell_start[c], self.cell_start[c + 1]
        counts = hi - lo
        owner = np.repeat(owner, counts)
        seg = self.seg[_ranges(lo, counts)]
        self._merge(px[owner], py[owner], idx[owner], seg, best_seg, best)

    def _merge(
        self, qx: Floats, qy: Floats, target: Ints, seg: Ints, best_seg: Ints, best: Floats
    ) -> None:
        """Keep for each target point its nearest segment (lowest index on ties); the
        candidates of one target come together (``target`` in runs)."""
        if seg.size == 0:
            return
        a = self.first[seg]
        x, y = self.lines.x, self.lines.y
        d = _point_segment(qx, qy, x[a], y[a], x[a + 1], y[a + 1])
        starts = np.flatnonzero(np.r_[True, target[1:] != target[:-1]])
        runs = np.diff(np.r_[starts, len(d)])
        low = np.minimum.reduceat(d, starts)
        tied = np.where(d == np.repeat(low, runs), seg, np.iinfo(np.int64).max)
        low_seg = np.minimum.reduceat(tied, starts)
        t = target[starts]
        # Earlier winners compete too, so the lowest index among equals wins overall.
        old_d, old_seg = best[t], best_seg[t]
        better = (low < old_d) | ((low == old_d) & ((old_seg < 0) | (low_seg < old_seg)))
        best[t[better]] = low[better]
        best_seg[t[better]] = low_seg[better]

    @cached_property
    def _cells(self) -> tuple[Ints, cKDTree]:
        """The non-empty cells and a KD-tree of their centres (built on first use, in
        the process that needs it: only points far from every street do)."""
        ids = np.flatnonzero(np.diff(self.cell_start) > 0)
        cx = self.origin[0] + ((ids % self.nx) + 0.5) * self.cell
        cy = self.origin[1] + ((ids // self.nx) + 0.5) * self.cell
        return ids, cKDTree(np.column_stack([cx, cy]))

    def _snap_far(self, px: Floats, py: Floats, idx: Ints, best_seg: Ints, best: Floats) -> None:
        """Points farther from the streets than the rings reach: the nearest non-empty
        cell (centre at D) holds a segment within D + h (h: half the cell's diagonal);
        every segment that near has a sample, hence a cell centre, within that plus a
        quarter cell and h, so the cells in that ball hold the answer."""
        if px.size == 0:
            return
        ids, tree = self._cells
        xy = np.column_stack([px, py])
        near, _ = tree.query(xy, k=1)
        h = self.cell * np.sqrt(0.5)
        radius = (near + 2 * h + self.cell / 4) * (1 + 1e-9) + 1e-6
        balls = tree.query_ball_point(xy, radius, return_sorted=False)
        sizes = np.array([len(b) for b in balls], dtype=np.int64)
        c = ids[np.concatenate([np.asarray(b, dtype=np.int64) for b in balls])]
        lo, hi = self.cell_start[c], self.cell_start[c + 1]
        owner = np.repeat(np.repeat(np.arange(px.size), sizes), hi - lo)
        seg = self.seg[_ranges(lo, hi - lo)]
        self._merge(px[owner], py[owner], idx[owner], seg, best_seg, best)


def _ranges(first: Ints, counts: Ints) -> Ints:
    """``first[i], first[i] + 1, …`` (``counts[i]`` of each), concatenated."""
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    out: Ints = np.repeat(first, counts) + within
    return out


def _ring(r: int) -> tuple[Ints, Ints]:
    """Cell offsets at Chebyshev distance exactly ``r``."""
    d = np.arange(-r, r + 1)
    di, dj = np.meshgrid(d, d, indexing="ij")
    on = np.maximum(np.abs(di), np.abs(dj)) == r
    return di[on].astype(np.int64), dj[on].astype(np.int64)


def _point_segment(
    px: Floats, py: Floats, ax: Floats, ay: Floats, bx: Floats, by: Floats
) -> Floats:
    """GEOS ``Distance::pointToSegment``, vectorised."""
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        r = ((px - ax) * dx + (py - ay) * dy) / len2
        s = ((ay - py) * dx - (ax - px) * dy) / len2
        inner = np.abs(s) * np.sqrt(len2)
    to_a = np.sqrt((px - ax) ** 2 + (py - ay) ** 2)
    to_b = np.sqrt((px - bx) ** 2 + (py - by) ** 2)
    out: Floats = np.where((len2 == 0) | (r <= 0), to_a, np.where(r >= 1, to_b, inner))
    return out


def _segment_fraction(
    px: Floats, py: Floats, ax: Floats, ay: Floats, bx: Floats, by: Floats
) -> Floats:
    """GEOS ``LineSegment::segmentFraction``: the projection factor clamped to [0, 1]."""
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        r = ((px - ax) * dx + (py - ay) * dy) / len2
    r = np.where((px == ax) & (py == ay), 0.0, r)
    r = np.where((px == bx) & (py == by), 1.0, r)
    r = np.where(len2 == 0, 0.0, r)
    out: Floats = np.clip(r, 0.0, 1.0)
    return out


def _measures(seg_len: Floats, edge: Ints, pos: Ints, n_edges: int) -> tuple[Floats, Floats]:
    """Metres along its edge where each segment starts, and each edge's length, summed
    segment by segment in order as GEOS does (no cross-edge prefix sums: same rounding)."""
    measure = np.zeros(len(seg_len))
    total = np.zeros(n_edges)
    # Segments by position within their edge: round p adds segment p - 1's length.
    order = np.argsort(pos, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(pos))] if len(pos) else np.zeros(1, np.int64)
    for p in range(1, len(bounds) - 1):
        # Segment p of an edge directly follows its segment p - 1.
        at = order[bounds[p] : bounds[p + 1]]
        measure[at] = measure[at - 1] + seg_len[at - 1]
    last = np.r_[edge[1:] != edge[:-1], True] if len(edge) else np.zeros(0, dtype=bool)
    total[edge[last]] = measure[last] + seg_len[last]
    return measure, total
