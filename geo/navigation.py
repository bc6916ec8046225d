"""Links that open a walking route in the map apps people in China use.

Amap (高德) wants GCJ-02, Baidu wants BD-09 and a ``geo:`` URI (RFC 5870, what Android
hands to any map app) wants WGS-84. Names are URL-encoded, so station text cannot break
out of the link.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from pydantic import BaseModel

from geo.crs import gcj02_to_bd09, wgs84_to_gcj02

SOURCE = "yizhan"


class Navigation(BaseModel):
    """Navigation links to one station."""

    amap: str
    baidu: str
    geo: str


@lru_cache(maxsize=65_536)
def _app_coords(lon: float, lat: float) -> tuple[float, float, float, float]:
    """GCJ-02 and BD-09 (lon, lat, lon, lat) of a WGS-84 point. Cached: stations and the
    person's position come back request after request, and each conversion is costly."""
    glon, glat = wgs84_to_gcj02(lon, lat)
    blon, blat = gcj02_to_bd09(glon, glat)
    return float(glon), float(glat), float(blon), float(blat)


def links(
    lon: float, lat: float, name: str, origin: tuple[float, float] | None = None
) -> Navigation:
    """Walking-navigation links to a WGS-84 point, optionally from a WGS-84 origin."""
    glon, glat, blon, blat = _app_coords(float(lon), float(lat))
    label = quote(name, safe="")
    amap = f"https://uri.amap.com/navigation?to={glon:.6f},{glat:.6f},{label}"
    if origin is not None:
        olon, olat, oblon, oblat = _app_coords(float(origin[0]), float(origin[1]))
        amap += f"&from={olon:.6f},{olat:.6f},{quote('我的位置')}"
    amap += f"&mode=walk&coordinate=gaode&callnative=1&src={SOURCE}"
    if origin is not None:
        baidu = (
            f"https://api.map.baidu.com/direction?origin=latlng:{oblat:.6f},{oblon:.6f}"
            f"|name:{quote('我的位置')}&destination=latlng:{blat:.6f},{blon:.6f}|name:{label}"
            f"&mode=walking&coord_type=bd09ll&output=html&src={SOURCE}"
        )
    else:
        baidu = (
            f"https://api.map.baidu.com/marker?location={blat:.6f},{blon:.6f}&title={label}"
            f"&content={label}&coord_type=bd09ll&output=html&src={SOURCE}"
        )
    geo = f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({label})"
    return Navigation(amap=amap, baidu=baidu, geo=geo)
