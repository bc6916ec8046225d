"""Problem reports (issue 15): the public report and receipt, the staff queue, decisions
and the photos staff see. The rules are :mod:`geo.operations.problems`'."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile

from api.auth import reviewer_user, staff_user
from api.deps import get_conn
from api.middleware import client_address
from api.openapi import error
from api.schemas.problems import DecisionIn, ProblemOut, ReceiptOut, ReportOut
from geo import vocab
from geo.accounts import User
from geo.errors import InvalidFile
from geo.operations import problems
from geo.settings import Settings

router = APIRouter(tags=["problems"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Reviewer = Annotated[User, Depends(reviewer_user)]
Staff = Annotated[User, Depends(staff_user)]
StationId = Annotated[int, Path(ge=1, le=2**63 - 1)]
CATEGORIES = vocab.PROBLEM_CATEGORIES


def _enum(codes: dict[str, Any]) -> dict[str, Any]:
    """The codes in the OpenAPI document; geo checks them and says what to send."""
    return {"enum": list(codes)}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _photo_bytes(photo: UploadFile | None, limit: int) -> bytes | None:
    """The uploaded photo's bytes (at most ``limit`` + 1 read), or None when none was sent."""
    if photo is None or not photo.filename:
        return None
    data = photo.file.read(limit + 1)
    if not data:
        raise InvalidFile("照片是空文件", "the photo is an empty file")
    return data


@router.post(
    "/api/v1/stations/{station_id}/problems",
    status_code=201,
    response_model=ReportOut,
    responses={**error(404, "没有这个开放站点 / no such public station"), **error(429)},
)
def report_problem(  # noqa: PLR0913 - one parameter per form field
    request: Request,
    station_id: StationId,
    conn: Conn,
    category: Annotated[
        str, Form(description="问题类别 / problem category", json_schema_extra=_enum(CATEGORIES))
    ],
    service: Annotated[str | None, Form(max_length=60)] = None,
    details: Annotated[str | None, Form(max_length=problems.MAX_DETAILS)] = None,
    phone: Annotated[str | None, Form(max_length=30)] = None,
    photo: Annotated[UploadFile | None, File(description="image/*")] = None,
) -> ReportOut:
    """Report a problem of a public station (no login). The answer's receipt lets the
    person ask for its state; nothing is shown publicly until staff confirm it."""
    settings = _settings(request)
    report = problems.Report(
        station_id=station_id,
        category=category,
        service=service,
        details=details,
        phone=phone,
        photo=_photo_bytes(photo, settings.operations.photo_max_bytes),
    )
    client = client_address(request, settings.serving.trust_forwarded)
    got = problems.submit_report(conn, report, client, settings.operations)
    return ReportOut(
        receipt=got.receipt,
        state=got.state,
        merged=got.merged,
        message=got.message,
        message_en=got.message_en,
    )


@router.get(
    "/api/v1/problems/{receipt}",
    response_model=ReceiptOut,
    responses=error(404, "没有这个回执号 / no such receipt"),
)
def receipt_state(receipt: Annotated[str, Path(max_length=40)], conn: Conn) -> Any:
    """The state of a reported problem, by its receipt (no details)."""
    return problems.receipt_state(conn, receipt)


@router.get("/api/v1/staff/problems", response_model=list[ProblemOut])
def problem_queue(  # noqa: PLR0913 - one parameter per filter
    request: Request,
    user: Reviewer,
    conn: Conn,
    state: str | None = Query(None, json_schema_extra=_enum(vocab.PROBLEM_STATES)),
    station: int | None = Query(None, ge=1, le=2**63 - 1),
    category: str | None = Query(None, json_schema_extra=_enum(CATEGORIES)),
    source: str | None = Query(None, json_schema_extra=_enum(vocab.PROBLEM_SOURCES)),
    limit: int = Query(200, ge=1, le=problems.MAX_QUEUE),
) -> Any:
    """The problem queue (reviewers, admins), newest report first; phones masked."""
    where = problems.queue_filter(state, station, category, source, limit)
    return problems.staff_queue(conn, where, _settings(request).operations)


@router.post(
    "/api/v1/staff/problems/{problem_id}/decision",
    response_model=ProblemOut,
    responses={**error(404, "没有这个问题 / no such problem"), **error(409)},
)
def decide(problem_id: StationId, body: DecisionIn, user: Reviewer, conn: Conn) -> Any:
    """Confirm or dismiss a new problem, or mark a confirmed one fixed (audited)."""
    return problems.decide(
        conn,
        user,
        problem_id,
        body.action,
        comment=body.comment,
        close_station=body.close_station,
        reopen_station=body.reopen_station,
    )


@router.get(
    "/api/v1/staff/photos/{photo_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, **error(404, "没有这张照片 / no such photo")},
)
def staff_photo(photo_id: StationId, user: Staff, conn: Conn) -> Response:
    """A stored photo (staff only): the cleaned JPEG, never cached by shared caches."""
    photo = problems.staff_photo(conn, photo_id)
    return Response(
        photo.data,
        media_type="image/jpeg",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            "Content-Disposition": f'inline; filename="photo-{photo_id}.jpg"',
        },
    )
