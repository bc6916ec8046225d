"""Links that open a walking route in the map apps people in China use.

Amap (高德) wants GCJ-02, Baidu wants BD-09 and a ``geo:`` URI (RFC 5870, what Android
hands to any map app) wants WGS-84. iPhones open no ``geo:`` URI, so they get an Apple
Maps ``https://maps.apple.com/`` link instead (Apple's map of China is drawn in GCJ-02,
so the coordinates given are GCJ-02). Names are URL-encoded, so station text cannot break
out of the link.

Baidu's web URI API (``api.map.baidu.com/direction``) requires ``origin``,
``destination``, ``mode``, ``output=html`` and ``src`` (``webapp.company.app``), and
``coord_type`` whenever the coordinates are not BD-09 (we send BD-09 and say so). Without
an origin the direction service cannot be called: the link is then Baidu's ``marker``
(``location``, ``title``, ``content``, ``output``, ``src`` are its required parameters),
from which the Baidu app offers "到这去".
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from pydantic import BaseModel

from geo.crs import gcj02_to_bd09, wgs84_to_gcj02

SOURCE = "yizhan"
#: Baidu's ``src``: ``webapp.companyName.appName`` as its URI API documents it.
BAIDU_SOURCE = "webapp.yizhan.stations"
HERE_ZH = "我的位置"


class Navigation(BaseModel):
    """Navigation links to one station: Amap, Baidu, Apple Maps (iOS) and ``geo:``
    (Android and any other map app)."""

    amap: str
    baidu: str
    apple: str
    geo: str


@lru_cache(maxsize=65_536)
def _app_coords(lon: float, lat: float) -> tuple[float, float, float, float]:
    """GCJ-02 and BD-09 (lon, lat, lon, lat) of a WGS-84 point. Cached: stations and the
    person's position come back request after request, and each conversion is costly."""
    glon, glat = wgs84_to_gcj02(lon, lat)
    blon, blat = gcj02_to_bd09(glon, glat)
    return float(glon), float(glat), float(blon), float(blat)


def _baidu(blon: float, blat: float, label: str, origin: tuple[float, float] | None) -> str:
    """Baidu's walking directions from ``origin`` (BD-09 lon, lat), or its marker."""
    if origin is None:
        return (
            f"https://api.map.baidu.com/marker?location={blat:.6f},{blon:.6f}&title={label}"
            f"&content={label}&coord_type=bd09ll&output=html&src={BAIDU_SOURCE}"
        )
    return (
        f"https://api.map.baidu.com/direction?origin=latlng:{origin[1]:.6f},{origin[0]:.6f}"
        f"|name:{quote(HERE_ZH)}&destination=latlng:{blat:.6f},{blon:.6f}|name:{label}"
        f"&mode=walking&coord_type=bd09ll&output=html&src={BAIDU_SOURCE}"
    )


def _apple(glon: float, glat: float, label: str, origin: tuple[float, float] | None) -> str:
    """Apple Maps walking directions (``dirflg=w``) to a GCJ-02 point."""
    url = f"https://maps.apple.com/?daddr={glat:.6f},{glon:.6f}&q={label}&dirflg=w"
    if origin is not None:
        url += f"&saddr={origin[1]:.6f},{origin[0]:.6f}"
    return url


def links(
    lon: float, lat: float, name: str, origin: tuple[float, float] | None = None
) -> Navigation:
    """Walking-navigation links to a WGS-84 point, optionally from a WGS-84 origin."""
    glon, glat, blon, blat = _app_coords(float(lon), float(lat))
    label = quote(name, safe="")
    amap = f"https://uri.amap.com/navigation?to={glon:.6f},{glat:.6f},{label}"
    from_gcj = from_bd = None
    if origin is not None:
        olon, olat, oblon, oblat = _app_coords(float(origin[0]), float(origin[1]))
        from_gcj, from_bd = (olon, olat), (oblon, oblat)
        amap += f"&from={olon:.6f},{olat:.6f},{quote(HERE_ZH)}"
    amap += f"&mode=walk&coordinate=gaode&callnative=1&src={SOURCE}"
    geo = f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({label})"
    return Navigation(
        amap=amap,
        baidu=_baidu(blon, blat, label, from_bd),
        apple=_apple(glon, glat, label, from_gcj),
        geo=geo,
    )
