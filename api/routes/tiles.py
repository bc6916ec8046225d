"""The basemap's vector tiles: ``GET /tiles/{z}/{x}/{y}.mvt`` (Mapbox Vector Tiles made by
PostGIS from the city's own data; see :mod:`geo.tiles`)."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import Response

from api.deps import get_conn
from geo import tiles

router = APIRouter(tags=["basemap"])

MVT = "application/vnd.mapbox-vector-tile"
#: Browsers keep a tile a minute, then confirm it with its ETag (a 304 costs one
#: primary-key read); a change to the data gives every tile a new ETag.
CACHE_CONTROL = "public, max-age=60, must-revalidate"


@router.get(
    "/tiles/{z}/{x}/{y}.mvt",
    responses={
        200: {"content": {MVT: {}}, "description": "the tile"},
        204: {"description": "an empty tile: nothing of ours there"},
        304: {"description": "the client's copy (If-None-Match) is current"},
        404: {"description": "x or y outside the zoom's grid: no such tile"},
        422: {"description": "a zoom outside 10–18"},
    },
)
def tile(
    z: Annotated[
        int, Path(ge=tiles.MIN_ZOOM, le=tiles.MAX_ZOOM, description="缩放级别 zoom, 10–18")
    ],
    x: Annotated[int, Path(ge=0, lt=1 << tiles.MAX_ZOOM, description="列 column")],
    y: Annotated[int, Path(ge=0, lt=1 << tiles.MAX_ZOOM, description="行 row (XYZ, north first)")],
    conn: Annotated[psycopg.Connection[Any], Depends(get_conn)],
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    """底图矢量瓦片 / a basemap vector tile (EPSG:3857, extent 4096): layers ``districts``
    (name, is_key), ``streets`` (name, class, is_main) and ``stations`` (kind; public
    stations only)."""
    headers = {"Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if if_none_match is not None:
        etag = tiles.current_etag(conn, z, x, y)
        if etag in {t.strip() for t in if_none_match.split(",")}:
            return Response(status_code=304, headers=headers | {"ETag": etag})
    found = tiles.get(conn, z, x, y)
    headers["ETag"] = found.etag
    if not found.data:
        return Response(status_code=204, headers=headers)
    return Response(found.data, media_type=MVT, headers=headers)
