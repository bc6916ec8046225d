"""Inspections (巡查) over HTTP, for field staff, reviewers and admins: a station's
checklist, recording an inspection (multipart: the checklist, the phone's position,
photos), a station's inspections and the list of all. The rules are geo's
(:mod:`geo.operations.inspections`); this module only maps HTTP to them."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile

from api.auth import editor_user
from api.deps import get_conn
from api.openapi import error
from api.schemas.common import DATE_SCHEMA
from api.schemas.inspections import (
    InspectionOut,
    ItemOut,
    ProblemRef,
    RecordedOut,
    StandardOut,
    StationBrief,
)
from geo.accounts import User
from geo.operations import inspections
from geo.settings import OperationsSettings, get_settings

router = APIRouter(tags=["inspections"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Inspector = Annotated[User, Depends(editor_user)]
DAY = DATE_SCHEMA["pattern"]
StationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="站点编号 / station id")]


def _settings() -> OperationsSettings:
    return get_settings().operations


def _problem(row: dict[str, Any]) -> ProblemRef:
    zh, en = inspections.category_label(row["category"])
    return ProblemRef(
        id=row["id"],
        receipt=row["receipt"],
        category=row["category"],
        category_zh=zh,
        category_en=en,
        service=row.get("service"),
        state=row["state"],
        item=row.get("item"),
    )


def _inspection(row: dict[str, Any]) -> InspectionOut:
    warning = inspections.warning_for(row["distance_m"], _settings())
    return InspectionOut(
        **{k: row[k] for k in InspectionOut.model_fields if k in row and k != "problems"},
        failed_items=[a["item"] for a in row["checklist"] if a["ok"] is False],
        far=warning is not None,
        warning=warning,
        problems=[_problem(p) for p in row["problems"]],
    )


@router.get(
    "/api/v1/staff/stations/{station_id}/standard",
    response_model=StandardOut,
    responses=error(404, "没有这个站点 / no such station"),
)
def standard(station_id: StationId, user: Inspector, conn: Conn) -> StandardOut:
    """The checklist an inspection of this station answers: the station standard, with
    "services" as one item per service the station declares (``service:<code>``)."""
    settings = _settings()
    station, std, items = inspections.station_checklist(conn, station_id, settings)
    return StandardOut(
        station=StationBrief(**{k: station.get(k) for k in StationBrief.model_fields}),
        standard=std.name,
        items=[ItemOut(**i.as_dict()) for i in items],
        warn_m=settings.inspection_warn_m,
        max_photos=settings.inspection_max_photos,
    )


@router.post(
    "/api/v1/staff/stations/{station_id}/inspections",
    response_model=RecordedOut,
    status_code=201,
    responses=error(404, "没有这个站点 / no such station"),
)
def record(  # noqa: PLR0913 - one parameter per form field
    station_id: StationId,
    user: Inspector,
    conn: Conn,
    checklist: Annotated[
        str,
        Form(
            description='检查表 JSON：[{"item", "ok": true|false|null, "note"}]，每项都要回答 / '
            "the checklist as JSON; every item answered (ok, failed, or null: not checked)"
        ),
    ],
    open_at_hours: Annotated[
        bool | None,
        Form(description="是否按公布时间开放（默认取检查项 open_at_hours）/ open at the hours"),
    ] = None,
    lon: Annotated[
        float | None, Form(ge=-180, le=180, description="手机位置经度 WGS-84 (GPS) / longitude")
    ] = None,
    lat: Annotated[
        float | None, Form(ge=-90, le=90, description="手机位置纬度 WGS-84 (GPS) / latitude")
    ] = None,
    accuracy: Annotated[
        float | None, Form(ge=0, le=100_000, description="定位精度（米）/ accuracy, metres")
    ] = None,
    comment: Annotated[str | None, Form(max_length=1000, description="说明 / comment")] = None,
    photos: Annotated[
        list[UploadFile] | None, File(description="照片（可多张）/ photos, 0..N")
    ] = None,
    photo_items: Annotated[
        list[str] | None,
        Form(description="每张照片所属检查项（按顺序，空为无）/ each photo's item, in order"),
    ] = None,
) -> RecordedOut:
    """Record an inspection (see :mod:`geo.operations.inspections`): the phone's position
    is WGS-84 (GPS) and optional; a position further than ``YIZHAN_INSPECTION_WARN_M`` from
    the station is stored with a warning in the answer; each failed item opens a confirmed
    problem unless the station already has an open one of its category (``already_open``).
    """
    files = photos or []
    items = photo_items or []
    sent = [
        inspections.PhotoIn(f.file.read(), (items[n] or None) if n < len(items) else None)
        for n, f in enumerate(files)
    ]
    outcome = inspections.record_inspection(
        conn,
        user.name,
        station_id,
        inspections.parse_checklist(checklist),
        _settings(),
        position=inspections.check_position(lon, lat, accuracy),
        open_at_hours=open_at_hours,
        comment=comment,
        photos=sent,
    )
    return RecordedOut(
        inspection=_inspection(outcome.inspection),
        opened=[_problem(p) for p in outcome.opened],
        already_open=[_problem(p) for p in outcome.already_open],
        warning=outcome.warning,
    )


@router.get(
    "/api/v1/staff/stations/{station_id}/inspections",
    response_model=list[InspectionOut],
    responses=error(404, "没有这个站点 / no such station"),
)
def station_inspections(
    station_id: StationId,
    user: Inspector,
    conn: Conn,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[InspectionOut]:
    """The station's inspections, newest first, with their photos and problems."""
    return [_inspection(r) for r in inspections.history(conn, station_id, limit)]


@router.get("/api/v1/staff/inspections", response_model=list[InspectionOut])
def list_inspections(  # noqa: PLR0913 - the list's filters
    user: Inspector,
    conn: Conn,
    start: Annotated[
        str | None,
        Query(alias="from", pattern=DAY, description="从（含）/ from, the city's day, YYYY-MM-DD"),
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", pattern=DAY, description="到（含）/ to, included")
    ] = None,
    failed: Annotated[
        bool | None, Query(description="true：不合格的；false：合格的 / failed or passed only")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[InspectionOut]:
    """Inspections of every station, newest first, within the days ``from``..``to``."""
    rows = inspections.listing(
        conn,
        start=inspections.parse_day(start, "from"),
        end=inspections.parse_day(end, "to"),
        failed=failed,
        limit=limit,
    )
    return [_inspection(r) for r in rows]
