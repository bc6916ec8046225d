"""Public station lookup: nearest stations, one station, stations in a box (GeoJSON)."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool

from api.deps import get_conn, pooled
from api.geojson import page_links, point_feature
from api.routes.ogc import GeoJSONResponse
from api.schemas.common import (
    BBOX_SCHEMA,
    CRS_CHOICES,
    CRS_SCHEMA,
    KIND_CHOICES,
    KIND_SCHEMA,
    MAX_OFFSET,
    SERVICES_SCHEMA,
    bounds,
)
from api.schemas.problems import StationSheet
from api.schemas.stations import NearestAnswer, Route
from geo.crs import parse_crs
from geo.operations import problems
from geo.settings import Settings, get_settings
from geo.stations import lookup
from geo.stations import public as pq
from geo.stations import route as stations_route
from geo.stations import sql as public_db

router = APIRouter(prefix="/api/v1/stations", tags=["stations"])

MAX_PAGE = 1000


@router.get("/nearest", response_model=NearestAnswer)
# FastAPI reads the query from the signature: one parameter per query parameter.
async def nearest(  # noqa: PLR0913
    request: Request,
    lon: float = Query(description="经度 longitude", json_schema_extra=bounds(-180, 180)),
    lat: float = Query(description="纬度 latitude", json_schema_extra=bounds(-90, 90)),
    crs: str = Query(
        "wgs84",
        description=f"{CRS_CHOICES} (gcj02: 高德, bd09: 百度)",
        json_schema_extra=CRS_SCHEMA,
    ),
    kind: str | None = Query(None, description=KIND_CHOICES, json_schema_extra=KIND_SCHEMA),
    services: str | None = Query(
        None, description="所需服务 e.g. drinking_water,toilet", json_schema_extra=SERVICES_SCHEMA
    ),
    open_now: bool = Query(False, description="只要现在开放的 / only open now"),
    at: str | None = Query(
        None,
        description="ISO time for open_now (default now)",
        json_schema_extra={"format": "date-time"},
    ),
    limit: int = Query(
        5, description=f"1..{lookup.MAX_LIMIT}", json_schema_extra=bounds(1, lookup.MAX_LIMIT)
    ),
    max_distance: float = Query(
        3000.0, description="metres", json_schema_extra=bounds(0, pq.MAX_DISTANCE_M, above=True)
    ),
) -> Response:
    """The nearest public stations, by walking distance along the walk network."""
    pool: ConnectionPool = request.app.state.pool

    def answer() -> str:
        settings: Settings = request.app.state.settings  # read once, when the app starts
        x, y, name = pq.position(lon, lat, crs)
        query = lookup.NearestQuery(
            lon=x,
            lat=y,
            crs=name,
            at=pq.moment(at, settings.clock.timezone),
            where=public_db.StationFilter(kind=pq.kind(kind), services=pq.services(services)),
            open_now=open_now,
            limit=pq.limit(limit, lookup.MAX_LIMIT),
            max_distance_m=pq.distance(max_distance),
        )
        with pooled(pool) as conn:
            # Validated when it was built: serialised once, not validated again by FastAPI
            # against ``response_model`` (which stays for the docs).
            return lookup.nearest(conn, query, settings.lookup).model_dump_json()

    # All of it in one worker thread: one thread hop per request instead of three (take
    # the connection, run the handler, give the connection back).
    return Response(await run_in_threadpool(answer), media_type="application/json")


@router.get("/{station_id}", response_model=StationSheet)
def one(
    station_id: int = Path(ge=1, le=2**63 - 1),
    crs: str = Query("wgs84", json_schema_extra=CRS_SCHEMA),
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> StationSheet:
    """One public station (open and approved), with when staff last verified it and the
    categories of its confirmed open problems (#15)."""
    tz = get_settings().clock.timezone
    found = lookup.station(conn, station_id, crs=parse_crs(crs), when=pq.moment(None, tz), tz=tz)
    return StationSheet(**found.model_dump(), **problems.station_notices(conn, station_id))


@router.get("")
def listing(
    request: Request,
    bbox: str | None = Query(
        None,
        description="minlon,minlat,maxlon,maxlat (WGS-84), at most "
        f"{pq.MAX_BBOX_SPAN_DEG:g}° each way",
        json_schema_extra=BBOX_SCHEMA,
    ),
    kind: str | None = Query(None, json_schema_extra=KIND_SCHEMA),
    services: str | None = Query(None, json_schema_extra=SERVICES_SCHEMA),
    crs: str = Query("wgs84", json_schema_extra=CRS_SCHEMA),
    limit: int = Query(100, description=f"1..{MAX_PAGE}", json_schema_extra=bounds(1, MAX_PAGE)),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=f"0..{MAX_OFFSET}"),
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> dict[str, Any]:
    """Public stations as a GeoJSON FeatureCollection, by id, a page at a time."""
    tz = get_settings().clock.timezone
    name = parse_crs(crs)
    where = public_db.StationFilter(
        kind=pq.kind(kind), services=pq.services(services), bbox=pq.bbox(bbox)
    )
    size = pq.limit(limit, MAX_PAGE)
    rows, matched = public_db.stations_page(conn, where, limit=size, offset=offset)
    when = pq.moment(None, tz)
    features = [point_feature(lookup.public_station(r, crs=name, when=when, tz=tz)) for r in rows]
    return {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": len(features),
        "features": features,
        "links": page_links(
            str(request.url_for("listing")),
            dict(request.query_params),
            offset=offset,
            limit=size,
            matched=matched,
            media="application/geo+json",
        ),
    }


@router.get("/{station_id}/route", response_model=Route, response_class=GeoJSONResponse)
async def walking_route(
    request: Request,
    station_id: int = Path(ge=1, le=2**63 - 1),
    lon: float = Query(description="经度 longitude", json_schema_extra=bounds(-180, 180)),
    lat: float = Query(description="纬度 latitude", json_schema_extra=bounds(-90, 90)),
    crs: str = Query("wgs84", description=CRS_CHOICES, json_schema_extra=CRS_SCHEMA),
) -> Response:
    """步行路线 / the walking path from a position to a public station, as a GeoJSON
    Feature (LineString in ``crs``), from the same network and rule as nearest's distance."""
    pool: ConnectionPool = request.app.state.pool

    def answer() -> str:
        settings: Settings = request.app.state.settings
        x, y, name = pq.position(lon, lat, crs)
        with pooled(pool) as conn:
            found = stations_route.route(conn, station_id, x, y, crs=name, settings=settings.lookup)
            return found.model_dump_json()

    return Response(await run_in_threadpool(answer), media_type="application/geo+json")
