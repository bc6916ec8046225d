"""OGC API – Features, Part 1 Core with GeoJSON, under ``/ogc`` (QGIS, GDAL's OAPIF).

Collections: public stations, districts and main streets, in CRS84. ``/items`` takes
``bbox``, ``limit`` (above the maximum it is clamped, as the standard asks), ``offset``
(followed through ``next`` links) and simple equality filters on listed properties.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import get_conn
from api.geojson import page_links
from api.schemas.common import BBOX_SCHEMA, MAX_OFFSET
from geo import clock, vocab
from geo.db import network as network_db
from geo.errors import NotFound
from geo.stations import public as pq
from geo.stations import sql as public_db

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])

GEOJSON = "application/geo+json"
JSON = "application/json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
# id: (title, description, property filters)
COLLECTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "stations": (
        "驿站 Stations",
        "开放的爱心驿站、母婴室、职工书屋 / open love stations, mother-and-baby rooms, "
        "worker bookshops",
        ("kind", "district", "services"),
    ),
    "districts": ("区域 Districts", "区域与重点区域 / districts and key districts", ("name",)),
    "main_streets": ("主要街道 Main streets", "主要街道 / main streets", ("name",)),
}


class GeoJSONResponse(JSONResponse):
    """The media type of GeoJSON, for the document (items are written by :func:`_json`)."""

    media_type = GEOJSON


def _json(body: Any, media: str = JSON) -> Response:
    # Plain json.dumps: FastAPI's jsonable_encoder is the slow part of large pages.
    text = json.dumps(body, ensure_ascii=False, default=str, separators=(",", ":"))
    return Response(text, media_type=media)


def _collection_id(cid: str) -> str:
    if cid not in COLLECTIONS:
        raise NotFound(
            f"没有名为「{cid}」的数据集，可选：{'、'.join(COLLECTIONS)}",
            f"no collection '{cid}': use one of {', '.join(COLLECTIONS)}",
        )
    return cid


def _collection(base: str, cid: str, conn: psycopg.Connection[Any]) -> dict[str, Any]:
    title, description, _ = COLLECTIONS[cid]
    box = public_db.extent(conn) if cid == "stations" else network_db.extent(conn, cid)
    box = box or (-180.0, -90.0, 180.0, 90.0)
    return {
        "id": cid,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [list(box)], "crs": CRS84}},
        "links": [
            {"rel": "self", "type": JSON, "href": f"{base}/collections/{cid}"},
            {"rel": "items", "type": GEOJSON, "href": f"{base}/collections/{cid}/items"},
        ],
    }


def _base(request: Request) -> str:
    return str(request.url_for("landing")).rstrip("/")


@router.get("", name="landing")
def landing(request: Request) -> Response:
    """Landing page."""
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return _json(
        {
            "title": "Yizhan 驿站 OGC API – Features",
            "description": "爱心驿站、母婴室、职工书屋及区域、主要街道",
            "links": [
                {"rel": "self", "type": JSON, "href": base},
                {
                    "rel": "service-desc",
                    "type": "application/vnd.oai.openapi+json;version=3.0",
                    "href": f"{root}/openapi.json",
                },
                {"rel": "service-doc", "type": "text/html", "href": f"{root}/docs"},
                {"rel": "conformance", "type": JSON, "href": f"{base}/conformance"},
                {"rel": "data", "type": JSON, "href": f"{base}/collections"},
            ],
        }
    )


@router.get("/conformance")
def conformance() -> Response:
    """The conformance classes this API implements."""
    return _json({"conformsTo": CONFORMANCE})


@router.get("/collections")
def collections(request: Request, conn: psycopg.Connection[Any] = Depends(get_conn)) -> Any:
    """The collections: stations, districts, main streets."""
    base = _base(request)
    return _json(
        {
            "links": [{"rel": "self", "type": JSON, "href": f"{base}/collections"}],
            "collections": [_collection(base, cid, conn) for cid in COLLECTIONS],
        }
    )


@router.get("/collections/{cid}")
def collection(
    cid: str, request: Request, conn: psycopg.Connection[Any] = Depends(get_conn)
) -> Response:
    """One collection's description."""
    return _json(_collection(_base(request), _collection_id(cid), conn))


def _station_feature(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        "properties": {
            "kind": row["kind"],
            "kind_zh": vocab.KINDS[row["kind"]].zh,
            "name": row["name"],
            "address": row["address"],
            "district": row["district"],
            "level": row["level"],
            "phone": row["phone"],
            "opening_hours": row["opening_hours"],
            "services": ",".join(row["services"] or []),
            "opened_on": row["opened_on"],
        },
    }


def _geography_feature(row: dict[str, Any]) -> dict[str, Any]:
    props = {k: v for k, v in row.items() if k not in ("id", "geometry", "matched")}
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": json.loads(row["geometry"]),
        "properties": props,
    }


def _features(
    conn: psycopg.Connection[Any],
    cid: str,
    params: dict[str, str],
    *,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
    offset: int,
    feature_id: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    if cid == "stations":
        if feature_id is not None:
            row = public_db.station(conn, feature_id)
            return ([_station_feature(row)] if row else []), int(row is not None)
        where = public_db.StationFilter(
            kind=pq.kind(params.get("kind")),
            services=pq.services(params.get("services")),
            district=params.get("district"),
            bbox=bbox,
        )
        rows, matched = public_db.stations_page(conn, where, limit=limit, offset=offset)
        return [_station_feature(r) for r in rows], matched
    rows, matched_or_none = network_db.geography_page(
        conn,
        cid,
        bbox=bbox,
        name=params.get("name"),
        feature_id=feature_id,
        limit=limit,
        offset=offset,
    )
    if matched_or_none is None:
        matched_or_none = 0 if offset == 0 else offset
    return [_geography_feature(r) for r in rows], matched_or_none


@router.get("/collections/{cid}/items", response_class=GeoJSONResponse)
def items(
    cid: str,
    request: Request,
    bbox: str | None = Query(
        None, description="minlon,minlat,maxlon,maxlat (CRS84)", json_schema_extra=BBOX_SCHEMA
    ),
    limit: int = Query(DEFAULT_LIMIT, ge=1, description=f"clamped to {MAX_LIMIT}"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=f"0..{MAX_OFFSET}"),
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> Response:
    """Features of a collection, a page at a time."""
    cid = _collection_id(cid)
    size = min(limit, MAX_LIMIT)
    filters = {k: v for k, v in request.query_params.items() if k in COLLECTIONS[cid][2]}
    features, matched = _features(
        conn, cid, filters, bbox=pq.bbox(bbox, max_span=None), limit=size, offset=offset
    )
    links = page_links(
        str(request.url_for("items", cid=cid)),
        dict(request.query_params),
        offset=offset,
        limit=size,
        matched=matched,
        media=GEOJSON,
    )
    links.append({"rel": "collection", "type": JSON, "href": f"{_base(request)}/collections/{cid}"})
    return _json(
        {
            "type": "FeatureCollection",
            "timeStamp": clock.now().isoformat(timespec="seconds"),
            "numberMatched": matched,
            "numberReturned": len(features),
            "features": features,
            "links": links,
        },
        GEOJSON,
    )


@router.get("/collections/{cid}/items/{fid}", response_class=GeoJSONResponse)
def item(
    cid: str, fid: int, request: Request, conn: psycopg.Connection[Any] = Depends(get_conn)
) -> Response:
    """One feature."""
    cid = _collection_id(cid)
    features, _ = _features(conn, cid, {}, bbox=None, limit=1, offset=0, feature_id=fid)
    if not features:
        raise NotFound(f"「{cid}」中没有编号为 {fid} 的要素", f"no feature {fid} in '{cid}'")
    feature = features[0]
    href = f"{_base(request)}/collections/{cid}"
    feature["links"] = [
        {"rel": "self", "type": GEOJSON, "href": f"{href}/items/{fid}"},
        {"rel": "collection", "type": JSON, "href": href},
    ]
    return _json(feature, GEOJSON)
