"""The data of a coverage siting problem: which candidate covers which demand, and how much
each demand unit weighs.

A :class:`CoverageProblem` is independent of the model (LSCP or MCLP) and of the solver.
It is built from a distance table (pairs found by a network search, the production path),
from a dense cost matrix (as spopt takes it), or from GeoDataFrames by straight-line
distance in a metric CRS (tests and a fallback without a walk network).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike, NDArray

from geo.crs import utm_epsg
from geo.errors import InvalidInput

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def _invalid(zh: str, en: str, **details: Any) -> InvalidInput:
    return InvalidInput(zh, en, details=details or None)


def check_max_distance(max_distance: float) -> float:
    """The coverage distance as a float, refused when negative or not finite."""
    value = float(max_distance)
    if not np.isfinite(value) or value < 0:
        raise _invalid(
            f"覆盖距离必须是非负有限数（米），收到 {max_distance}",
            f"the coverage distance must be a finite number of metres ≥ 0, got {max_distance}",
        )
    return value


def check_weights(weights: ArrayLike | None, n_demand: int) -> FloatArray:
    """Demand weights as floats (ones when None), refused when negative, NaN or misshapen."""
    if weights is None:
        return np.ones(n_demand)
    w = np.asarray(weights, dtype=float).ravel()
    if w.shape != (n_demand,):
        raise _invalid(
            f"需求权重有 {w.size} 个，需求单元有 {n_demand} 个，两者必须相等",
            f"got {w.size} demand weights for {n_demand} demand units; they must match",
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        bad = int(np.flatnonzero(~np.isfinite(w) | (w < 0))[0])
        raise _invalid(
            f"需求权重必须是非负有限数；第 {bad} 个是 {w[bad]}",
            f"demand weights must be finite and ≥ 0; weight {bad} is {w[bad]}",
            index=bad,
        )
    return w


def _ids(ids: ArrayLike | None, n: int, what_zh: str, what_en: str) -> NDArray[Any] | None:
    if ids is None:
        return None
    out = np.asarray(ids, dtype=object).ravel()
    if out.shape != (n,):
        raise _invalid(
            f"{what_zh}编号有 {out.size} 个，应为 {n} 个",
            f"got {out.size} {what_en} ids for {n} {what_en}s",
        )
    return out


@dataclass(frozen=True, eq=False)
class CoverageProblem:
    """Which candidate covers which demand unit, and the weight of each unit.

    Attributes
    ----------
    covers
        Boolean sparse matrix (demand × candidate), CSR: ``covers[i, j]`` when candidate
        ``j`` is within the coverage distance of demand unit ``i``.
    weights
        Weight of each demand unit (main-street metres or district m²), ≥ 0.
    demand_ids, candidate_ids
        Optional labels, returned with results.
    demand_geometry, candidate_geometry
        Optional geometries (any CRS), used to say where unreachable demand lies.
    max_distance
        The coverage distance D in metres the matrix was built with, when known.
    """

    covers: sp.csr_array
    weights: FloatArray
    demand_ids: NDArray[Any] | None = None
    candidate_ids: NDArray[Any] | None = None
    demand_geometry: gpd.GeoSeries | None = None
    candidate_geometry: gpd.GeoSeries | None = None
    max_distance: float | None = None
    _csc: sp.csc_array = field(init=False, repr=False)

    def __post_init__(self) -> None:
        covers = sp.csr_array(self.covers, dtype=bool)
        covers.sum_duplicates()
        covers.eliminate_zeros()
        object.__setattr__(self, "covers", covers)
        n, m = covers.shape
        object.__setattr__(self, "weights", check_weights(self.weights, n))
        object.__setattr__(self, "demand_ids", _ids(self.demand_ids, n, "需求单元", "demand"))
        object.__setattr__(
            self, "candidate_ids", _ids(self.candidate_ids, m, "候选点", "candidate")
        )
        for geom, size, zh, en in (
            (self.demand_geometry, n, "需求单元", "demand"),
            (self.candidate_geometry, m, "候选点", "candidate"),
        ):
            if geom is not None and len(geom) != size:
                raise _invalid(
                    f"{zh}几何有 {len(geom)} 个，应为 {size} 个",
                    f"got {len(geom)} {en} geometries for {size} {en}s",
                )
        object.__setattr__(self, "_csc", covers.tocsc())

    # ------------------------------------------------------------ builders

    # Keyword-only options mirroring spopt's from_cost_matrix/from_geodataframe builders.
    @classmethod
    def from_distance_table(  # noqa: PLR0913
        cls,
        demand_idx: ArrayLike,
        candidate_idx: ArrayLike,
        distance: ArrayLike,
        max_distance: float,
        *,
        n_demand: int,
        n_candidates: int,
        weights: ArrayLike | None = None,
        demand_ids: ArrayLike | None = None,
        candidate_ids: ArrayLike | None = None,
        demand_geometry: gpd.GeoSeries | None = None,
        candidate_geometry: gpd.GeoSeries | None = None,
    ) -> CoverageProblem:
        """Build from (demand, candidate, distance) triples, e.g. from a network search.

        Pairs farther than ``max_distance`` are dropped; repeated pairs are fine. Pairs
        that are absent mean "not reachable within the search".

        Raises
        ------
        InvalidInput
            On arrays of different lengths, indices out of range, negative or NaN
            distances, or a bad ``max_distance``.
        """
        d_max = check_max_distance(max_distance)
        rows = np.asarray(demand_idx).ravel()
        cols = np.asarray(candidate_idx).ravel()
        dist = np.asarray(distance, dtype=float).ravel()
        if not rows.size == cols.size == dist.size:
            raise _invalid(
                "需求索引、候选点索引和距离三个数组长度必须相同",
                f"demand_idx, candidate_idx and distance must have the same length "
                f"(got {rows.size}, {cols.size}, {dist.size})",
            )
        for arr, size, zh, en in (
            (rows, n_demand, "需求", "demand"),
            (cols, n_candidates, "候选点", "candidate"),
        ):
            if arr.size and (
                not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= size
            ):
                raise _invalid(
                    f"{zh}索引必须是 0 到 {size - 1} 之间的整数",
                    f"{en} indices must be integers in [0, {size - 1}]",
                )
        if np.any(np.isnan(dist)) or np.any(dist < 0):
            raise _invalid("距离不能为负数或 NaN", "distances must not be negative or NaN")
        keep = dist <= d_max
        covers = sp.csr_array(
            (np.ones(int(keep.sum()), dtype=bool), (rows[keep], cols[keep])),
            shape=(int(n_demand), int(n_candidates)),
        )
        return cls(
            covers,
            check_weights(weights, int(n_demand)),
            _array(demand_ids),
            _array(candidate_ids),
            demand_geometry,
            candidate_geometry,
            d_max,
        )

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        max_distance: float,
        *,
        weights: ArrayLike | None = None,
        demand_ids: ArrayLike | None = None,
        candidate_ids: ArrayLike | None = None,
    ) -> CoverageProblem:
        """Build from a dense (demand × candidate) cost matrix: covered when cost ≤ D.

        NaN or infinite cost means unreachable.
        """
        d_max = check_max_distance(max_distance)
        matrix = np.asarray(cost, dtype=float)
        if matrix.ndim != 2:
            raise _invalid(
                "成本矩阵必须是二维的（需求 × 候选点）",
                f"the cost matrix must be 2-D (demand × candidate), got {matrix.ndim}-D",
            )
        with np.errstate(invalid="ignore"):
            if np.any(matrix < 0):
                raise _invalid(
                    "成本矩阵不能有负数", "the cost matrix must not hold negative values"
                )
            covered = matrix <= d_max
        return cls(
            sp.csr_array(covered),
            check_weights(weights, matrix.shape[0]),
            _array(demand_ids),
            _array(candidate_ids),
            max_distance=d_max,
        )

    @classmethod
    def from_geodataframes(
        cls,
        demand: gpd.GeoDataFrame | gpd.GeoSeries,
        candidates: gpd.GeoDataFrame | gpd.GeoSeries,
        max_distance: float,
        *,
        weight: str | ArrayLike | None = None,
        demand_id: str | None = None,
        candidate_id: str | None = None,
    ) -> CoverageProblem:
        """Build by straight-line distance, for tests and as a fallback without a network.

        Distances are measured in a metric CRS: the inputs' own when projected, else the
        UTM zone of the demand's centre (:func:`geo.crs.utm_epsg`). A line (street piece)
        is represented by its midpoint and a polygon (district cell) by a point inside it.

        Parameters
        ----------
        weight
            A demand column name, an array, or None for the natural measure: length in
            metres for lines, area in m² for polygons, 1 for points.
        demand_id, candidate_id
            Column names holding ids; the frames' index otherwise.
        """
        d_max = check_max_distance(max_distance)
        if demand.crs is None or candidates.crs is None:
            raise _invalid(
                "需求和候选点都必须带坐标系（crs）",
                "both demand and candidates need a CRS to measure distances in metres",
            )
        metric = _metric_crs(demand)
        dem = demand.geometry.to_crs(metric)
        cand = candidates.geometry.to_crs(metric)
        anchors = _anchor_points(dem.values)
        tree = shapely.STRtree(np.asarray(cand.values))
        rows, cols = tree.query(anchors, predicate="dwithin", distance=d_max)
        dist = shapely.distance(anchors[rows], np.asarray(cand.values)[cols])
        if isinstance(weight, str):
            w = np.asarray(demand[weight], dtype=float)
        elif weight is None:
            w = _natural_weight(dem.values)
        else:
            w = np.asarray(weight, dtype=float)
        return cls.from_distance_table(
            rows,
            cols,
            dist,
            d_max,
            n_demand=len(dem),
            n_candidates=len(cand),
            weights=w,
            demand_ids=(demand[demand_id] if demand_id else demand.index).to_numpy(),
            candidate_ids=(
                candidates[candidate_id] if candidate_id else candidates.index
            ).to_numpy(),
            demand_geometry=demand.geometry.reset_index(drop=True),
            candidate_geometry=candidates.geometry.reset_index(drop=True),
        )

    # ------------------------------------------------------------ views

    @property
    def n_demand(self) -> int:
        """The number of demand units."""
        return int(self.covers.shape[0])

    @property
    def n_candidates(self) -> int:
        """The number of candidate sites."""
        return int(self.covers.shape[1])

    @property
    def csc(self) -> sp.csc_array:
        """``covers`` in column-major form (which demand each candidate covers)."""
        return self._csc

    @property
    def unreachable(self) -> IntArray:
        """Indices of demand units that no candidate covers."""
        return np.flatnonzero(np.diff(self.covers.indptr) == 0).astype(np.int64)

    @property
    def total_weight(self) -> float:
        """The weight of all demand, reachable or not."""
        return float(self.weights.sum())

    def covered_by(self, chosen: ArrayLike) -> NDArray[np.bool_]:
        """Mask of demand units covered by at least one of the ``chosen`` candidates."""
        idx = np.asarray(chosen, dtype=np.int64).ravel()
        if idx.size and (idx.min() < 0 or idx.max() >= self.n_candidates):
            raise _invalid(
                f"候选点索引必须在 0 到 {self.n_candidates - 1} 之间",
                f"candidate indices must be in [0, {self.n_candidates - 1}]",
            )
        hit = np.zeros(self.n_demand, dtype=bool)
        if idx.size:
            hit[self._csc[:, idx].indices] = True
        return hit

    def covered_weight(self, chosen: ArrayLike) -> float:
        """Total weight of the demand covered by the ``chosen`` candidates."""
        return float(self.weights[self.covered_by(chosen)].sum())

    def where(self, demand: ArrayLike) -> gpd.GeoDataFrame:
        """Ids and geometries of some demand units (e.g. the unreachable ones)."""
        idx = np.asarray(demand, dtype=np.int64).ravel()
        frame = gpd.GeoDataFrame(
            {
                "demand": idx,
                "demand_id": self.demand_ids[idx] if self.demand_ids is not None else idx,
                "weight": self.weights[idx],
            },
            geometry=(
                self.demand_geometry.iloc[idx].reset_index(drop=True)
                if self.demand_geometry is not None
                else gpd.GeoSeries([None] * idx.size)
            ),
        )
        return frame


def _metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> Any:
    if frame.crs.is_projected:
        return frame.crs
    lon_lat = frame.geometry.to_crs(4326).total_bounds
    if not np.all(np.isfinite(lon_lat)):
        raise _invalid("需求几何为空", "the demand has no geometry")
    return utm_epsg((lon_lat[0] + lon_lat[2]) / 2, (lon_lat[1] + lon_lat[3]) / 2)


def _array(ids: ArrayLike | None) -> NDArray[Any] | None:
    """Ids as an object array (or None); ``__post_init__`` checks their number."""
    return None if ids is None else np.asarray(ids, dtype=object)


def _anchor_points(geoms: NDArray[Any]) -> NDArray[Any]:
    """One point per geometry: itself, a line's midpoint, or a point inside a polygon."""
    geoms = np.asarray(geoms)
    kind = shapely.get_type_id(geoms)
    lines = np.isin(kind, (1, 2, 5))  # LineString, LinearRing, MultiLineString
    out = shapely.point_on_surface(geoms)
    if lines.any():
        out[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    return np.asarray(out)


def _natural_weight(geoms: NDArray[Any]) -> FloatArray:
    """Length in metres for lines, area in m² for polygons, 1 for points."""
    geoms = np.asarray(geoms)
    dim = shapely.get_dimensions(geoms)
    return np.where(
        dim == 1, shapely.length(geoms), np.where(dim == 2, shapely.area(geoms), 1.0)
    ).astype(float)
