"""The coordinate systems of the OGC API (OGC API – Features, Part 2).

Stored geometries are WGS-84 (EPSG:4326). The API answers in:

- ``CRS84``: WGS-84 longitude, latitude (the default, as GeoJSON wants);
- ``EPSG:4326``: WGS-84 in its official axis order, latitude, longitude;
- ``EPSG:4490``: CGCS2000, China's national datum, latitude, longitude. CGCS2000 and
  WGS-84 differ by a few centimetres, far below what a station's position means, so the
  numbers are WGS-84's (as GDAL's and PROJ's null transformation between them does);
- ``EPSG:3857``: Web Mercator metres, x, y.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import InvalidQuery

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class OgcCrs:
    """A coordinate system the API reads and writes."""

    uri: str
    #: The SRID of the numbers (4326 also for CRS84 and CGCS2000, see the module doc).
    srid: int
    #: True when the first coordinate is the latitude (EPSG:4326, EPSG:4490).
    lat_lon: bool
    #: Decimal places written (about 1 cm either way).
    precision: int
    zh: str
    en: str


SUPPORTED: dict[str, OgcCrs] = {
    c.uri: c
    for c in (
        OgcCrs(CRS84, 4326, False, 7, "WGS-84 经度、纬度", "WGS-84 longitude, latitude"),
        OgcCrs(_EPSG + "4326", 4326, True, 7, "WGS-84 纬度、经度", "WGS-84 latitude, longitude"),
        OgcCrs(
            _EPSG + "4490", 4326, True, 7, "CGCS2000 纬度、经度", "CGCS2000 latitude, longitude"
        ),
        OgcCrs(_EPSG + "3857", 3857, False, 2, "Web 墨卡托（米）", "Web Mercator metres"),
    )
}
#: The URIs, in the order the collections list them.
URIS: tuple[str, ...] = tuple(SUPPORTED)


def parse(uri: str | None, what: str = "crs") -> OgcCrs:
    """The coordinate system named by ``uri`` (CRS84 when absent); an unknown one is
    refused naming the supported ones."""
    if uri is None:
        return SUPPORTED[CRS84]
    text = uri.strip().strip("[]")
    if text in SUPPORTED:
        return SUPPORTED[text]
    raise InvalidQuery(
        f"不支持的坐标系 {what}={uri!r}，可选：{'、'.join(URIS)}",
        f"unsupported {what} {uri!r}: use one of {', '.join(URIS)}",
        details={"parameter": what, "supported": list(URIS)},
    )


def to_storage(crs: OgcCrs, x: float, y: float) -> tuple[float, float]:
    """A point of ``crs`` in the order of storage (x, y), still in the CRS's units."""
    return (y, x) if crs.lat_lon else (x, y)
