"""Geodesic measures of WGS-84 geometries, on the WGS84 ellipsoid.

Lengths and areas are measured on the ellipsoid rather than in a projected CRS so that
they are exact anywhere (no zone choice, no scale error). Both functions take an array
of shapely geometries in longitude/latitude degrees and return one value per geometry.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod

from geo.errors import InvalidInput

WGS84 = Geod(ellps="WGS84")

# shapely type ids: 1 LineString, 2 LinearRing, 3 Polygon, 5 MultiLineString, 6 MultiPolygon
_LINE_TYPES = (1, 2, 5)
_AREA_TYPES = (3, 6)


def _as_geometry_array(geoms: ArrayLike) -> NDArray[np.object_]:
    arr = np.asarray(geoms, dtype=object)
    return arr.reshape(-1) if arr.ndim == 0 else arr


def _check(geoms: NDArray[np.object_], allowed: tuple[int, ...], what: str) -> None:
    """Raise InvalidInput when a geometry is of the wrong kind or not in lon/lat range."""
    kinds = shapely.get_type_id(geoms)
    bad = np.flatnonzero((kinds >= 0) & ~np.isin(kinds, allowed))
    if len(bad):
        i = int(bad[0])
        kind = geoms[i].geom_type
        raise InvalidInput(
            f"第 {i + 1} 个几何对象是 {kind}，这里只能计算{what}",
            f"geometry {i + 1} is a {kind}; only {_what_en(allowed)} can be measured here",
        )
    if len(geoms) == 0:
        return
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    if np.isfinite(xmin) and (xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90):
        raise InvalidInput(
            "坐标超出经纬度范围：请先把几何转换为 WGS-84（EPSG:4326）",
            "coordinates are outside the longitude/latitude range: "
            "reproject the geometries to WGS-84 (EPSG:4326) first",
        )


def _what_en(allowed: tuple[int, ...]) -> str:
    return "lines" if allowed == _LINE_TYPES else "polygons"


def geodesic_lengths(geoms: ArrayLike) -> NDArray[np.float64]:
    """Length in metres of each (Multi)LineString given in WGS-84 longitude/latitude.

    Every pair of consecutive vertices of the same part is measured at once with
    ``Geod.inv``; the segment lengths are then summed per geometry.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        LineString, LinearRing or MultiLineString in degrees (lon, lat); None allowed.

    Returns
    -------
    numpy.ndarray
        float64 lengths in metres, one per geometry; NaN for missing geometries and 0
        for empty ones.

    Raises
    ------
    InvalidInput
        When a geometry is not linear or coordinates are out of lon/lat range.
    """
    arr = _as_geometry_array(geoms)
    _check(arr, _LINE_TYPES, "线的长度")
    parts, part_owner = shapely.get_parts(arr, return_index=True)
    coords, part_of_vertex = shapely.get_coordinates(parts, return_index=True)
    same_part = part_of_vertex[1:] == part_of_vertex[:-1]
    start, end = coords[:-1][same_part], coords[1:][same_part]
    _, _, dist = WGS84.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    owner = part_owner[part_of_vertex[:-1][same_part]]
    lengths = np.bincount(owner, weights=np.asarray(dist, dtype=float), minlength=len(arr)).astype(
        np.float64
    )
    lengths[shapely.is_missing(arr)] = np.nan
    return lengths


def geodesic_area(geoms: ArrayLike) -> NDArray[np.float64]:
    """Area in square metres of each (Multi)Polygon given in WGS-84 longitude/latitude.

    Each ring is measured on the ellipsoid (one ``Geod`` call per ring); holes are
    subtracted whatever the ring orientation.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        Polygon or MultiPolygon in degrees (lon, lat); None allowed.

    Returns
    -------
    numpy.ndarray
        float64 areas in m², one per geometry; NaN for missing geometries, 0 for empty.

    Raises
    ------
    InvalidInput
        When a geometry is not a polygon or coordinates are out of lon/lat range.
    """
    arr = _as_geometry_array(geoms)
    _check(arr, _AREA_TYPES, "面的面积")
    polygons, polygon_owner = shapely.get_parts(arr, return_index=True)
    rings, ring_owner = shapely.get_rings(polygons, return_index=True)
    # get_rings lists each polygon's exterior first, then its holes.
    is_exterior = np.r_[True, ring_owner[1:] != ring_owner[:-1]] if len(rings) else np.array([])
    ring_area = np.array(
        [abs(WGS84.polygon_area_perimeter(*ring.xy)[0]) for ring in rings], dtype=float
    )
    signed = np.where(is_exterior, ring_area, -ring_area)
    owner = polygon_owner[ring_owner] if len(rings) else np.array([], dtype=np.intp)
    areas = np.bincount(owner, weights=signed, minlength=len(arr)).astype(np.float64)
    areas[shapely.is_missing(arr)] = np.nan
    return areas
