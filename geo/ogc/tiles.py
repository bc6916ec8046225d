"""The basemap's vector tiles (``/tiles/{z}/{x}/{y}.mvt``, :mod:`geo.tiles`) described as
OGC API – Tiles sees them: one vector tileset on the WebMercatorQuad tile matrix set
(OGC Two Dimensional Tile Matrix Set 2.0), zooms :data:`geo.tiles.MIN_ZOOM` to
:data:`geo.tiles.MAX_ZOOM`, its three layers and their properties.
"""

from __future__ import annotations

import math
from typing import Any

from geo import tiles

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
#: Half the side of the Web Mercator square, metres.
HALF = 20037508.3427892
TILE_SIZE = 256
#: The scale denominator of zoom 0 (0.28 mm pixels, as the standard defines it).
SCALE0 = 559082264.028717

#: The layers of each tile and their properties (JSON types), as geo/db/tiles.py writes them.
LAYERS: tuple[dict[str, Any], ...] = (
    {
        "id": "districts",
        "title": "区域 Districts",
        "geometryDimension": 2,
        "properties": {"name": "string", "is_key": "boolean"},
    },
    {
        "id": "streets",
        "title": "街道 Streets",
        "geometryDimension": 1,
        "properties": {"name": "string", "class": "string", "is_main": "boolean"},
    },
    {
        "id": "stations",
        "title": "驿站 Stations (public)",
        "geometryDimension": 0,
        "properties": {"kind": "string"},
    },
)


def tile_matrix(zoom: int) -> dict[str, Any]:
    """One zoom of WebMercatorQuad."""
    n = 1 << zoom
    return {
        "id": str(zoom),
        "scaleDenominator": SCALE0 / n,
        "cellSize": 2 * HALF / TILE_SIZE / n,
        "cornerOfOrigin": "topLeft",
        "pointOfOrigin": [-HALF, HALF],
        "tileWidth": TILE_SIZE,
        "tileHeight": TILE_SIZE,
        "matrixWidth": n,
        "matrixHeight": n,
    }


def tile_matrix_set() -> dict[str, Any]:
    """The WebMercatorQuad definition (zooms 0 to the highest served)."""
    return {
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": EPSG3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": [tile_matrix(z) for z in range(tiles.MAX_ZOOM + 1)],
    }


def limits(bbox: tuple[float, ...] | None) -> list[dict[str, Any]]:
    """The tiles of each served zoom that cover a WGS-84 box (the whole grid without one)."""
    out = []
    for zoom in range(tiles.MIN_ZOOM, tiles.MAX_ZOOM + 1):
        n = 1 << zoom
        if bbox is None:
            cols, rows = (0, n - 1), (0, n - 1)
        else:
            lon1, lat1, lon2, lat2 = bbox

            def col(lon: float, n: int = n) -> int:
                return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))

            def row(lat: float, n: int = n) -> int:
                y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
                return min(n - 1, max(0, int((1 - y / math.pi) / 2 * n)))

            cols, rows = (col(lon1), col(lon2)), (row(lat2), row(lat1))
        out.append(
            {
                "tileMatrix": str(zoom),
                "minTileCol": cols[0],
                "maxTileCol": cols[1],
                "minTileRow": rows[0],
                "maxTileRow": rows[1],
            }
        )
    return out
