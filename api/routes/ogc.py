"""OGC API – Features under ``/ogc`` (QGIS, GDAL's OAPIF), with its own API definition.

- Part 1 Core, GeoJSON and HTML (``f=html`` or a browser's ``Accept: text/html``);
  ``limit`` (default and maximum in the API definition; above the maximum it is clamped,
  as the standard asks), ``offset`` (followed through ``next`` links), ``bbox`` and the
  equality filters of each collection; a query parameter the API does not define is a
  400 naming it.
- Part 2 CRS: ``crs``, ``bbox-crs`` and ``filter-crs`` with CRS84, EPSG:4326, EPSG:4490
  and EPSG:3857 (:mod:`geo.ogc.crs`); ``Content-Crs`` on every feature answer.
- Part 3 Filtering: ``/queryables`` and ``filter`` in CQL2 text or JSON
  (:mod:`geo.ogc.cql2`); ``sortby`` and ``properties``.

The collections and their properties are :mod:`geo.ogc.collections`; the SQL is
:mod:`geo.ogc.features`. Every document of the API also takes ``crs`` (checked, and used
where there are coordinates), so a client may send the same one with every request, as
GDAL 3.6 does with the query of its URL.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

import psycopg
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.auth import optional_user
from api.deps import get_conn
from api.geojson import page_links
from api.schemas.common import MAX_OFFSET
from geo import accounts, clock
from geo.accounts import User
from geo.errors import InvalidQuery, NotFound, Unauthenticated
from geo.ogc import cql2, features
from geo.ogc import crs as ogc_crs
from geo.ogc.collections import COLLECTIONS, SIMPLE_FILTERS, Collection, json_value
from geo.stations import public as pq
from maps import ogc as html

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = ogc_crs.CRS84
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000

_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
#: What the tests in tests/api/test_ogc*.py exercise, and nothing more.
CONFORMANCE = [
    _F1 + "core",
    _F1 + "geojson",
    _F1 + "html",
    _F1 + "oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    _F3 + "queryables",
    _F3 + "filter",
    _F3 + "features-filter",
    _CQL2 + "cql2-text",
    _CQL2 + "cql2-json",
    _CQL2 + "basic-cql2",
    _CQL2 + "advanced-comparison-operators",
    _CQL2 + "case-insensitive-comparison",
    _CQL2 + "basic-spatial-functions",
    _CQL2 + "basic-spatial-functions-plus",
    _CQL2 + "spatial-functions",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
    # OGC API – Tiles (api/routes/ogc_tiles.py)
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]

#: The query parameters of each kind of document (besides ``f`` and ``crs``).
_ITEM_PARAMS = frozenset({"f", "crs", "properties"})
_ITEMS_PARAMS = frozenset(
    {
        "f",
        "crs",
        "bbox",
        "bbox-crs",
        "limit",
        "offset",
        "filter",
        "filter-lang",
        "filter-crs",
        "sortby",
        "properties",
        *SIMPLE_FILTERS,
    }
)
_DOC_PARAMS = frozenset({"f", "crs"})
_NUMBER = r"-?[0-9]+(\.[0-9]+)?"
_BBOX_PATTERN = f"^(({_NUMBER},){{3}}{_NUMBER})?$"  # empty: none

_400 = {"description": "未知或无效的查询参数 / an unknown or invalid query parameter"}
_DOC_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {JSON: {}, HTML: {}}},
    400: _400,
}
_F = Query(
    None, description="编码 encoding: json | html", json_schema_extra={"enum": ["json", "html"]}
)
_CRS = Query(
    None,
    description="坐标系 coordinate system (OGC API – Features Part 2); default CRS84",
    json_schema_extra={"enum": list(ogc_crs.URIS)},
)


class GeoJSONResponse(JSONResponse):
    """The media type of GeoJSON, for the document (items are written by :func:`_json`)."""

    media_type = GEOJSON


# ----------------------------------------------------------------- helpers


def _check_params(request: Request, allowed: Iterable[str]) -> None:
    """400 for a query parameter the API does not define here (Part 1,
    /req/core/query-param-unknown), naming it and the ones it takes."""
    known = set(allowed)
    unknown = [k for k in dict.fromkeys(request.query_params.keys()) if k not in known]
    if unknown:
        raise InvalidQuery(
            f"未知的查询参数：{'、'.join(unknown)}；此处可用：{'、'.join(sorted(known))}",
            f"unknown query parameter(s) {', '.join(unknown)}; "
            f"this resource takes {', '.join(sorted(known))}",
            details={"unknown": unknown, "allowed": sorted(known)},
        )
    ogc_crs.parse(request.query_params.get("crs"))
    f = request.query_params.get("f")
    if f is not None and f not in ("json", "html"):
        raise InvalidQuery(
            f"未知的编码 f={f!r}，可选：json、html",
            f"unknown encoding f={f!r}: use json or html",
            details={"parameter": "f"},
        )


def _wants_html(request: Request) -> bool:
    f = request.query_params.get("f")
    if f is not None:
        return f == "html"
    accept = request.headers.get("accept", "")
    return HTML in accept and "json" not in accept


def _json(body: Any, media: str = JSON, headers: dict[str, str] | None = None) -> Response:
    # Plain json.dumps: FastAPI's jsonable_encoder is the slow part of large pages.
    text = json.dumps(body, ensure_ascii=False, default=str, separators=(",", ":"))
    return Response(text, media_type=media, headers=headers)


def _base(request: Request) -> str:
    return str(request.url_for("landing")).rstrip("/")


def _visible(c: Collection, viewer: User | None) -> bool:
    return c.roles is None or (viewer is not None and viewer.role in c.roles)


def _collection_of(cid: str, viewer: User | None = None) -> Collection:
    """The collection ``cid``; a staff-only one needs a signed-in caller (401, so GDAL
    and QGIS ask for credentials) of one of its roles (403)."""
    found = COLLECTIONS.get(cid)
    if found is not None and found.roles is not None:
        if viewer is None:
            raise Unauthenticated(
                f"数据集「{cid}」仅限工作人员：请先登录（Bearer 令牌或会话）",
                f"collection '{cid}' is for staff: log in first (a bearer token or session)",
            )
        accounts.require_role(viewer, found.roles)
    if found is None:
        raise NotFound(
            f"没有名为「{cid}」的数据集，可选：{'、'.join(COLLECTIONS)}",
            f"no collection '{cid}': use one of {', '.join(COLLECTIONS)}",
        )
    return found


def _alternate(href: str, media: str) -> list[dict[str, str]]:
    """The ``self`` (JSON) and ``alternate`` (HTML) links of a document at ``href``."""
    return [
        {"rel": "self", "type": media, "title": "本文档 this document", "href": href},
        {"rel": "alternate", "type": HTML, "title": "网页 as HTML", "href": f"{href}?f=html"},
    ]


# ----------------------------------------------------------------- documents


@router.get("", name="landing", responses=_DOC_RESPONSES)
def landing(request: Request, f: str | None = _F, crs: str | None = _CRS) -> Response:
    """Landing page."""
    _check_params(request, _DOC_PARAMS)
    base = _base(request)
    doc = {
        "title": "Yizhan 驿站 OGC API",
        "description": (
            "爱心驿站、母婴室、职工书屋及区域、主要街道 / stations, districts, main streets"
        ),
        "links": [
            *_alternate(base, JSON),
            {
                "rel": "service-desc",
                "type": OPENAPI,
                "title": "API 定义 the API definition",
                "href": f"{base}/api",
            },
            {
                "rel": "service-doc",
                "type": HTML,
                "title": "API 文档 the API documentation",
                "href": f"{str(request.base_url).rstrip('/')}/docs",
            },
            {
                "rel": "conformance",
                "type": JSON,
                "title": "符合的标准类 conformance",
                "href": f"{base}/conformance",
            },
            {
                "rel": "data",
                "type": JSON,
                "title": "数据集 collections",
                "href": f"{base}/collections",
            },
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "type": JSON,
                "title": "矢量瓦片集 vector tilesets",
                "href": f"{base}/tiles",
            },
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                "type": JSON,
                "title": "瓦片矩阵集 tile matrix sets",
                "href": f"{base}/tileMatrixSets",
            },
        ],
    }
    if _wants_html(request):
        return HTMLResponse(html.landing(doc, base))
    return _json(doc)


@router.get("/api", responses={200: {"content": {OPENAPI: {}}}, 400: _400})
def api_definition(request: Request, f: str | None = _F, crs: str | None = _CRS) -> Response:
    """The API definition of ``/ogc`` alone (OpenAPI 3), its paths relative to ``/ogc``
    and the collection named ``{collectionId}``, as OGC clients (GDAL) look them up."""
    _check_params(request, _DOC_PARAMS)
    whole = request.app.openapi()
    paths = {}
    for path, item in whole["paths"].items():
        if not path.startswith(router.prefix) or path == f"{router.prefix}/api":
            continue
        item = copy.deepcopy(item)
        for operation in item.values():
            for param in operation.get("parameters", []):
                if param.get("in") == "path" and param.get("name") == "cid":
                    param["name"] = "collectionId"
        relative = path[len(router.prefix) :].replace("{cid}", "{collectionId}") or "/"
        paths[relative] = item
    doc = {
        "openapi": whole["openapi"],
        "info": {**whole["info"], "title": "Yizhan 驿站 OGC API"},
        "servers": [{"url": _base(request)}],
        "paths": paths,
        "components": whole.get("components", {}),
    }
    return _json(doc, OPENAPI)


@router.get("/conformance", responses=_DOC_RESPONSES)
def conformance(request: Request, f: str | None = _F, crs: str | None = _CRS) -> Response:
    """The conformance classes this API implements."""
    _check_params(request, _DOC_PARAMS)
    doc = {"conformsTo": CONFORMANCE}
    if _wants_html(request):
        return HTMLResponse(html.conformance(doc, _base(request)))
    return _json(doc)


def _collection_doc(base: str, c: Collection, conn: psycopg.Connection[Any]) -> dict[str, Any]:
    box = features.extent(conn, c) or (-180.0, -90.0, 180.0, 90.0)
    href = f"{base}/collections/{c.id}"
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": list(ogc_crs.URIS),
        "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [list(box)], "crs": CRS84}},
        "links": [
            *_alternate(href, JSON),
            {"rel": "items", "type": GEOJSON, "title": "要素 features", "href": f"{href}/items"},
            {
                "rel": "items",
                "type": HTML,
                "title": "要素（网页） features as HTML",
                "href": f"{href}/items?f=html",
            },
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "type": SCHEMA_JSON,
                "title": "可查询的属性 queryables",
                "href": f"{href}/queryables",
            },
            {
                "rel": "queryables",
                "type": JSON,
                "title": "可查询的属性 queryables",
                "href": f"{href}/queryables",
            },
        ],
    }


@router.get("/collections", responses=_DOC_RESPONSES)
def collections(
    request: Request,
    f: str | None = _F,
    crs: str | None = _CRS,
    conn: psycopg.Connection[Any] = Depends(get_conn),
    viewer: User | None = Depends(optional_user),
) -> Response:
    """The collections (a staff-only one only for its roles)."""
    _check_params(request, _DOC_PARAMS)
    base = _base(request)
    doc = {
        "links": _alternate(f"{base}/collections", JSON),
        "collections": [
            _collection_doc(base, c, conn) for c in COLLECTIONS.values() if _visible(c, viewer)
        ],
    }
    if _wants_html(request):
        return HTMLResponse(html.collections(doc, base))
    return _json(doc)


@router.get("/collections/{cid}", responses={**_DOC_RESPONSES, 404: {}})
def collection(
    cid: str,
    request: Request,
    f: str | None = _F,
    crs: str | None = _CRS,
    conn: psycopg.Connection[Any] = Depends(get_conn),
    viewer: User | None = Depends(optional_user),
) -> Response:
    """One collection's description."""
    c = _collection_of(cid, viewer)
    _check_params(request, _DOC_PARAMS)
    doc = _collection_doc(_base(request), c, conn)
    if _wants_html(request):
        return HTMLResponse(html.collection(doc, _base(request)))
    return _json(doc)


@router.get(
    "/collections/{cid}/queryables",
    responses={200: {"content": {SCHEMA_JSON: {}, JSON: {}, HTML: {}}}, 400: _400, 404: {}},
)
def queryables(
    cid: str,
    request: Request,
    f: str | None = _F,
    crs: str | None = _CRS,
    viewer: User | None = Depends(optional_user),
) -> Response:
    """The properties a filter or ``sortby`` may name (JSON Schema)."""
    c = _collection_of(cid, viewer)
    _check_params(request, _DOC_PARAMS)
    href = f"{_base(request)}/collections/{c.id}/queryables"
    props: dict[str, Any] = {
        cql2.GEOMETRY: {"title": "几何 geometry", "format": f"geometry-{c.geometry_type.lower()}"}
    }
    for q in c.queryables().values():
        schema: dict[str, Any] = {"title": f"{q.zh} {q.en}", "type": q.type}
        if q.format:
            schema["format"] = q.format
        if q.enum:
            schema["enum"] = list(q.enum)
        props[q.name] = schema
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": href,
        "type": "object",
        "title": c.title,
        "properties": props,
        "additionalProperties": False,
        # The draft's list, which GDAL 3.6 reads to know what it may send in a filter.
        "queryables": [
            {"id": name, "type": p.get("type", "geometry")} for name, p in props.items()
        ],
    }
    if _wants_html(request):
        return HTMLResponse(html.queryables(doc, _base(request)))
    accept = request.headers.get("accept", "")
    media = JSON if JSON in accept and SCHEMA_JSON not in accept else SCHEMA_JSON
    return _json(doc, media)


# ----------------------------------------------------------------- features


def _feature(row: dict[str, Any], c: Collection) -> dict[str, Any]:
    props = {p.name: json_value(row[p.name]) for p in c.properties if p.name in row}
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": json.loads(row["geometry"]),
        "properties": props,
    }


def _labels(c: Collection) -> dict[str, tuple[str, str]]:
    return {p.name: (p.zh, p.en) for p in c.properties}


def _simple_filters(c: Collection, request: Request) -> dict[str, Any]:
    """The Part 1 equality filters of ``c`` in the query; one of another collection is a 400."""
    out: dict[str, Any] = {}
    for name in SIMPLE_FILTERS:
        value = request.query_params.get(name)
        if value is None:
            continue
        if name not in c.simple_filters:
            raise InvalidQuery(
                f"数据集「{c.id}」没有筛选参数 {name}，可用：{'、'.join(c.simple_filters)}",
                f"collection '{c.id}' has no filter {name}: use {', '.join(c.simple_filters)}",
                details={"parameter": name},
            )
        if name == "kind":
            out[name] = pq.kind(value)
        elif name == "services":
            out[name] = list(pq.services(value))
        else:
            out[name] = value
    return {k: v for k, v in out.items() if v not in (None, [])}


def _bbox(text: str | None, crs: ogc_crs.OgcCrs) -> tuple[float, float, float, float] | None:
    """A box of 4 numbers in ``crs``, minimum first, inside the CRS's range."""
    if text is None or text == "":
        return None
    try:
        parts = [float(v) for v in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3] or not _in_range(parts, crs):
        raise InvalidQuery(
            f"bbox 应为 4 个数：最小 x、最小 y、最大 x、最大 y，收到 {text!r}",
            f"bbox needs 4 numbers, min x, min y, max x, max y; got {text!r}",
            details={"parameter": "bbox"},
        )
    return (parts[0], parts[1], parts[2], parts[3])


def _in_range(box: list[float], crs: ogc_crs.OgcCrs) -> bool:
    if crs.srid == 3857:
        limits = (20037508.35, 20037508.35)
    else:
        limits = (90.0, 180.0) if crs.lat_lon else (180.0, 90.0)
    return all(abs(v) <= limits[i % 2] for i, v in enumerate(box))


def _content_crs(crs: ogc_crs.OgcCrs) -> dict[str, str]:
    return {"Content-Crs": f"<{crs.uri}>"}


@router.get(
    "/collections/{cid}/items",
    response_class=GeoJSONResponse,
    responses={200: {"content": {GEOJSON: {}, HTML: {}}}, 400: _400, 404: {}},
)
def items(  # noqa: PLR0913 - the standard's query parameters
    cid: str,
    request: Request,
    bbox: str | None = Query(
        None,
        description="min x, min y, max x, max y in bbox-crs (CRS84: lon, lat)",
        json_schema_extra={"pattern": _BBOX_PATTERN},
    ),
    limit: int = Query(
        DEFAULT_LIMIT,
        ge=1,
        description=f"每页数量 page size; above {MAX_LIMIT} it is clamped",
        json_schema_extra={"maximum": MAX_LIMIT},
    ),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=f"0..{MAX_OFFSET}"),
    crs: str | None = _CRS,
    bbox_crs: str | None = Query(
        None, alias="bbox-crs", json_schema_extra={"enum": list(ogc_crs.URIS)}
    ),
    filter_: str | None = Query(None, alias="filter", description="CQL2 过滤条件 filter"),
    filter_lang: str | None = Query(
        None, alias="filter-lang", json_schema_extra={"enum": list(cql2.LANGUAGES)}
    ),
    filter_crs: str | None = Query(
        None, alias="filter-crs", json_schema_extra={"enum": list(ogc_crs.URIS)}
    ),
    sortby: str | None = Query(None, description="排序 e.g. name,-opened_on"),
    properties: str | None = Query(None, description="返回的属性 properties returned"),
    kind: str | None = Query(None, description="stations: 类型 kind"),
    district: str | None = Query(None, description="stations: 区域 district"),
    services: str | None = Query(None, description="stations: 服务 services (all of them)"),
    name: str | None = Query(None, description="districts, main streets: 名称 name"),
    f: str | None = _F,
    conn: psycopg.Connection[Any] = Depends(get_conn),
    viewer: User | None = Depends(optional_user),
) -> Response:
    """Features of a collection, a page at a time."""
    c = _collection_of(cid, viewer)
    _check_params(request, _ITEMS_PARAMS)
    out_crs = ogc_crs.parse(crs)
    box_crs = ogc_crs.parse(bbox_crs, "bbox-crs")
    condition = None
    geometry_crs = ogc_crs.parse(filter_crs, "filter-crs")
    if filter_ is not None:
        tree = cql2.parse(filter_, filter_lang)
        condition = cql2.to_sql(tree, c.queryables(), geometry_crs)
    elif filter_lang is not None:
        cql2.parse("INCLUDE", filter_lang)  # a bad filter-lang is a 400 even without a filter
    query = features.ItemsQuery(
        crs=out_crs,
        bbox=_bbox(bbox, box_crs),
        bbox_crs=box_crs,
        equals=_simple_filters(c, request),
        condition=condition,
        sortby=features.parse_sortby(c, sortby),
        properties=features.parse_properties(c, properties),
        limit=min(limit, MAX_LIMIT),
        offset=offset,
    )
    rows, matched = features.page(conn, c, query)
    href = str(request.url_for("items", cid=c.id))
    params = {k: v for k, v in request.query_params.items() if k != "f"}
    links = page_links(
        href, params, offset=offset, limit=query.limit, matched=matched, media=GEOJSON
    )
    links.append(
        {"rel": "collection", "type": JSON, "href": f"{_base(request)}/collections/{c.id}"}
    )
    doc = {
        "type": "FeatureCollection",
        "timeStamp": clock.now().isoformat(timespec="seconds"),
        "numberMatched": matched,
        "numberReturned": len(rows),
        "features": [_feature(r, c) for r in rows],
        "links": links,
    }
    if _wants_html(request):
        for link in links:
            if link["rel"] in ("next", "prev", "self"):
                link["href"] += "&f=html"
                link["type"] = HTML
        return HTMLResponse(html.items(doc, c.title, href, _base(request), _labels(c)))
    return _json(doc, GEOJSON, _content_crs(out_crs))


@router.get(
    "/collections/{cid}/items/{fid}",
    response_class=GeoJSONResponse,
    responses={200: {"content": {GEOJSON: {}, HTML: {}}}, 400: _400, 404: {}},
)
def item(
    cid: str,
    fid: int,
    request: Request,
    crs: str | None = _CRS,
    properties: str | None = Query(None, description="返回的属性 properties returned"),
    f: str | None = _F,
    conn: psycopg.Connection[Any] = Depends(get_conn),
    viewer: User | None = Depends(optional_user),
) -> Response:
    """One feature."""
    c = _collection_of(cid, viewer)
    _check_params(request, _ITEM_PARAMS)
    out_crs = ogc_crs.parse(crs)
    row = features.feature(conn, c, fid, out_crs, features.parse_properties(c, properties))
    if row is None:
        raise NotFound(f"「{c.id}」中没有编号为 {fid} 的要素", f"no feature {fid} in '{c.id}'")
    doc = _feature(row, c)
    href = f"{_base(request)}/collections/{c.id}"
    doc["links"] = [
        *_alternate(f"{href}/items/{fid}", GEOJSON),
        {"rel": "collection", "type": JSON, "href": href},
    ]
    if _wants_html(request):
        return HTMLResponse(html.item(doc, c.title, _base(request), _labels(c)))
    return _json(doc, GEOJSON, _content_crs(out_crs))
