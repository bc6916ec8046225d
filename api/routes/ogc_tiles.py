"""OGC API – Tiles under ``/ogc``: the basemap's vector tiles (``/tiles/{z}/{x}/{y}.mvt``)
advertised as one tileset on WebMercatorQuad (``/ogc/tiles``,
``/ogc/tiles/WebMercatorQuad``, ``/ogc/tileMatrixSets/WebMercatorQuad``). The tiles
themselves are served by :mod:`api.routes.tiles`; here are their descriptions, from
:mod:`geo.ogc.tiles`.
"""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.deps import get_conn
from api.routes.ogc import JSON, _base, _check_params, _json
from geo import tiles
from geo.errors import InvalidQuery, NotFound
from geo.ogc import tiles as ogc_tiles
from geo.ogc.collections import COLLECTIONS
from geo.ogc.features import extent

router = APIRouter(prefix="/ogc", tags=["OGC API – Tiles"])

MVT = "application/vnd.mapbox-vector-tile"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
_PARAMS = frozenset({"f"})
_F = Query(None, description="编码 encoding: json", json_schema_extra={"enum": ["json"]})
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {JSON: {}}},
    400: {"description": "未知的查询参数 / an unknown query parameter"},
}


def _check(request: Request) -> None:
    _check_params(request, _PARAMS)
    f = request.query_params.get("f")
    if f not in (None, "json"):
        raise InvalidQuery(
            f"瓦片文档只有 JSON 编码，f={f!r} 不可用", f"tile documents are JSON only, not f={f!r}"
        )


def _tms_id(tms: str) -> None:
    if tms != ogc_tiles.TMS_ID:
        raise NotFound(
            f"没有名为「{tms}」的瓦片矩阵集，可选：{ogc_tiles.TMS_ID}",
            f"no tile matrix set '{tms}': use {ogc_tiles.TMS_ID}",
        )


def _tileset_summary(base: str) -> dict[str, Any]:
    href = f"{base}/tiles/{ogc_tiles.TMS_ID}"
    return {
        "title": "驿站底图 Yizhan basemap",
        "dataType": "vector",
        "crs": ogc_tiles.EPSG3857,
        "tileMatrixSetURI": ogc_tiles.TMS_URI,
        "links": [
            {"rel": "self", "type": JSON, "title": "瓦片集 the tileset", "href": href},
            {
                "rel": REL_TILING_SCHEME,
                "type": JSON,
                "title": "瓦片矩阵集 the tile matrix set",
                "href": f"{base}/tileMatrixSets/{ogc_tiles.TMS_ID}",
            },
        ],
    }


@router.get("/tiles", responses=_RESPONSES)
def tilesets(request: Request, f: str | None = _F) -> Response:
    """The tilesets: the basemap's vector tiles on WebMercatorQuad."""
    _check(request)
    base = _base(request)
    return _json(
        {
            "links": [{"rel": "self", "type": JSON, "href": f"{base}/tiles"}],
            "tilesets": [_tileset_summary(base)],
        }
    )


def _box(conn: psycopg.Connection[Any]) -> tuple[float, ...] | None:
    # The public collections only: a staff-only one (planned sites) says nothing here.
    public = (c for c in COLLECTIONS.values() if c.roles is None)
    boxes = [b for b in (extent(conn, c) for c in public) if b is not None]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@router.get("/tiles/{tms}", responses={**_RESPONSES, 404: {}})
def tileset(
    tms: str,
    request: Request,
    f: str | None = _F,
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> Response:
    """The tileset: its layers, the zooms and tiles that exist, and the tiles' URL template."""
    _tms_id(tms)
    _check(request)
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    box = _box(conn)
    doc = _tileset_summary(base)
    doc["tileMatrixSetLimits"] = ogc_tiles.limits(box)
    doc["layers"] = [
        {
            "id": layer["id"],
            "title": layer["title"],
            "dataType": "vector",
            "geometryDimension": layer["geometryDimension"],
            "minTileMatrix": str(tiles.MIN_ZOOM),
            "maxTileMatrix": str(tiles.MAX_ZOOM),
            "propertiesSchema": {
                "type": "object",
                "properties": {k: {"type": v} for k, v in layer["properties"].items()},
            },
        }
        for layer in ogc_tiles.LAYERS
    ]
    if box is not None:
        doc["boundingBox"] = {
            "lowerLeft": [box[0], box[1]],
            "upperRight": [box[2], box[3]],
            "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        }
    doc["links"].append(
        {
            "rel": "item",
            "type": MVT,
            "title": "矢量瓦片 vector tiles",
            "href": f"{root}/tiles/{{tileMatrix}}/{{tileCol}}/{{tileRow}}.mvt",
            "templated": True,
        }
    )
    return _json(doc)


@router.get("/tileMatrixSets", responses=_RESPONSES)
def tile_matrix_sets(request: Request, f: str | None = _F) -> Response:
    """The tile matrix sets: WebMercatorQuad."""
    _check(request)
    base = _base(request)
    href = f"{base}/tileMatrixSets/{ogc_tiles.TMS_ID}"
    return _json(
        {
            "tileMatrixSets": [
                {
                    "id": ogc_tiles.TMS_ID,
                    "title": "Google Maps Compatible for the World",
                    "uri": ogc_tiles.TMS_URI,
                    "links": [{"rel": "self", "type": JSON, "href": href}],
                }
            ]
        }
    )


@router.get("/tileMatrixSets/{tms}", responses={**_RESPONSES, 404: {}})
def tile_matrix_set(tms: str, request: Request, f: str | None = _F) -> Response:
    """One tile matrix set's definition (OGC Two Dimensional Tile Matrix Set 2.0)."""
    _tms_id(tms)
    _check(request)
    return _json(ogc_tiles.tile_matrix_set())
