"""Coordinate systems used in China: WGS-84, GCJ-02 and BD-09.

Yizhan stores WGS-84 (EPSG:4326). Amap (高德) and Tencent give GCJ-02, the obfuscated
"Mars" datum required for published maps in mainland China; Baidu gives BD-09, a further
offset of GCJ-02. The forward formulas are the public ones; the inverses are solved by
fixed-point iteration to well under a millimetre. Points outside mainland China are not
shifted by GCJ-02 (the datum only applies inside China), as every Chinese map app does.

All functions take and return numpy arrays (or scalars) of longitudes and latitudes in
degrees and are vectorised.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import UnknownCRS

CRSName = Literal["wgs84", "gcj02", "bd09"]
CRS_NAMES: tuple[str, ...] = ("wgs84", "gcj02", "bd09")
#: How each datum is named where people read positions (table headers, file labels).
CRS_LABELS: dict[str, str] = {"wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09"}

_CRS_ALIASES = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "epsg:4326": "wgs84",
    "4326": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "amap": "gcj02",
    "tencent": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "baidu": "bd09",
}

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0

Array = NDArray[np.float64]


def parse_crs(name: str) -> CRSName:
    """Return the canonical CRS name for user input such as "GCJ-02" or "baidu".

    Raises
    ------
    UnknownCRS
        When the name is not one of WGS-84, GCJ-02 or BD-09.
    """
    key = str(name).strip().lower()
    if key not in _CRS_ALIASES:
        raise UnknownCRS(
            f"未知的坐标系「{name}」，请使用 wgs84、gcj02 或 bd09",
            f"unknown coordinate system '{name}': use wgs84, gcj02 or bd09",
        )
    return _CRS_ALIASES[key]  # type: ignore[return-value]


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Rough mainland-China box in which GCJ-02 applies (the convention all apps use)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _delta(lon: Array, lat: Array) -> tuple[Array, Array]:
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sx
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sx
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """WGS-84 → GCJ-02."""
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 → WGS-84, by iterating the forward transform (error < 1e-9 degrees)."""
    glon, glat = _arrays(lon, lat)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(30):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.all(np.abs(elon) < 1e-10) and np.all(np.abs(elat) < 1e-10):
            break
    return wlon, wlat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 → BD-09 (Baidu)."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 → GCJ-02, by iterating the forward transform."""
    blon, blat = _arrays(lon, lat)
    # Closed-form approximation as the starting point, then refine.
    x, y = blon - 0.0065, blat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(10):
        flon, flat = gcj02_to_bd09(glon, glat)
        elon, elat = flon - blon, flat - blat
        glon, glat = glon - elon, glat - elat
        if np.all(np.abs(elon) < 1e-11) and np.all(np.abs(elat) < 1e-11):
            break
    return glon, glat


def to_wgs84(lon: ArrayLike, lat: ArrayLike, crs: str) -> tuple[Array, Array]:
    """Convert coordinates given in ``crs`` (wgs84/gcj02/bd09) to WGS-84."""
    name = parse_crs(crs)
    if name == "wgs84":
        return _arrays(lon, lat)
    if name == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def from_wgs84(lon: ArrayLike, lat: ArrayLike, crs: str) -> tuple[Array, Array]:
    """Convert WGS-84 coordinates to ``crs`` (wgs84/gcj02/bd09)."""
    name = parse_crs(crs)
    if name == "wgs84":
        return _arrays(lon, lat)
    if name == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def to_wgs84_point(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """Scalar convenience wrapper of :func:`to_wgs84`."""
    x, y = to_wgs84(lon, lat, crs)
    return float(x), float(y)


def from_wgs84_point(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """Scalar convenience wrapper of :func:`from_wgs84`."""
    x, y = from_wgs84(lon, lat, crs)
    return float(x), float(y)


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the UTM zone containing a point: the metric CRS for a city."""
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone
