"""Check-ins, the station's own page, paper visitor counts and QR posters (issue 15).

* ``GET /s/{id}``: the station's page (what its QR poster opens), server-rendered;
* ``POST /api/v1/stations/{id}/checkins``: 我在这里歇脚, no login, limited per device and
  client (:mod:`geo.operations.usage`);
* ``PUT /api/v1/staff/stations/{id}/usage/{day}`` and ``GET /api/v1/staff/usage``: the
  paper counts, beside the check-ins;
* ``GET /api/v1/staff/stations/{id}/poster.{pdf|png}``: the station's poster.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import psycopg
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.auth import editor_user, staff_user
from api.deps import get_conn
from api.headers import page_csp
from api.middleware import client_address
from api.openapi import error
from api.schemas.checkins import CheckinIn, CheckinOut, UsageDays, UsageIn, UsageOut
from geo.accounts import User
from geo.errors import NotFound
from geo.operations import posters, usage
from geo.settings import Settings
from maps.station_page import render_missing, render_station_page

router = APIRouter(tags=["operations"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Editor = Annotated[User, Depends(editor_user)]
Staff = Annotated[User, Depends(staff_user)]
StationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="站点编号 / station id")]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/s/{station_id:int}", response_class=HTMLResponse, include_in_schema=False)
def station_page(station_id: StationId, conn: Conn) -> HTMLResponse:
    """The station's own page; a page in Chinese and English with 404 for a station the
    public may not see."""
    headers = {"Content-Security-Policy": page_csp(), "Cache-Control": "no-cache"}
    try:
        station = posters.page_station(conn, station_id)
    except NotFound:
        return HTMLResponse(render_missing(station_id), status_code=404, headers=headers)
    return HTMLResponse(render_station_page(station), headers=headers)


@router.post(
    "/api/v1/stations/{station_id:int}/checkins",
    status_code=201,
    response_model=CheckinOut,
    responses=error(
        429,
        "本设备在间隔内已在此签到，或此网络一小时内签到过多（说明何时可再签到）/ this device "
        "checked in here within the interval, or this network too often in an hour "
        "(the message says when again)",
    ),
)
def check_in(station_id: StationId, body: CheckinIn, request: Request, conn: Conn) -> CheckinOut:
    """我在这里歇脚 / I'm resting here: count one visitor at an open public station for
    the city's day. No login; the device token and the client address are kept only as
    keyed hashes. Answers today's count at the station."""
    settings = _settings(request)
    done = usage.check_in(
        conn,
        station_id,
        device=body.device,
        client=client_address(request, settings.serving.trust_forwarded),
        occupation=body.occupation,
        settings=settings.operations,
    )
    return CheckinOut(station_id=done.station_id, day=done.day, at=done.at, today=done.today)


@router.put(
    "/api/v1/staff/stations/{station_id:int}/usage/{day}",
    response_model=UsageOut,
    responses={201: {"model": UsageOut, "description": "新登记 / a new count (200: corrected)"}},
)
def put_usage(
    station_id: StationId,
    day: Annotated[dt.date, Path(description="城市日期 / the city's day, YYYY-MM-DD")],
    body: UsageIn,
    user: Editor,
    conn: Conn,
    response: Response,
) -> UsageOut:
    """Enter the day's visitors from the station's paper sheet (or correct them): one
    count per station and day, audited with the person. Future days are refused."""
    row, created = usage.record_usage(
        conn,
        user.name,
        station_id,
        day,
        body.visitors,
        dict(body.by_occupation or {}),
        body.note,
    )
    if created:
        response.status_code = 201
    return UsageOut(
        station_id=row["station_id"],
        day=row["day"],
        visitors=row["visitors"],
        by_occupation=row["by_occupation"] or {},
        note=row["note"],
        entered_by=row["entered_by"],
        entered_at=row["entered_at"],
        created=created,
    )


@router.get(
    "/api/v1/staff/usage",
    response_model=UsageDays,
    responses=error(404, "没有这个站点 / no such station"),
)
def get_usage(
    user: Staff,
    conn: Conn,
    station: Annotated[int, Query(ge=1, le=2**63 - 1, description="站点编号 / station id")],
    from_: Annotated[dt.date | None, Query(alias="from", description="起 / first day")] = None,
    to: Annotated[dt.date | None, Query(description="止（默认今天）/ last day (today)")] = None,
) -> UsageDays:
    """A station's days with check-ins (per occupation) and paper counts side by side,
    newest first (default: the last 30 days; at most 366)."""
    return UsageDays.model_validate(usage.usage_days(conn, station, from_, to))


MEDIA = {"pdf": "application/pdf", "png": "image/png"}


@router.get(
    "/api/v1/staff/stations/{station_id:int}/poster.{fmt}",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "image/png": {}}, "description": "海报 poster"},
        **error(422, "未设置公开网址 YIZHAN_PUBLIC_URL / no public address configured"),
    },
)
def poster(
    station_id: StationId,
    fmt: Annotated[Literal["pdf", "png"], Path(description="pdf | png")],
    request: Request,
    user: Staff,
    conn: Conn,
    size: Literal["a4", "a5"] = "a4",
) -> Response:
    """下载二维码海报 / the station's printable QR poster (A4 or A5), its QR code to
    ``{YIZHAN_PUBLIC_URL}/s/{id}``."""
    base = posters.base_url(_settings(request).operations.public_url)
    station = posters.page_station(conn, station_id)
    image = posters.poster(station, base, size)
    data = posters.png_bytes(image) if fmt == "png" else posters.pdf_bytes([image])
    name = f"poster-{station_id}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(data, media_type=MEDIA[fmt], headers=headers)
