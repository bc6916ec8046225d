"""The review queues: new stations from field staff, and revisions of published ones."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Path, Query, Response

from api.auth import reviewer_user
from api.deps import get_conn, set_etag
from api.openapi import error
from api.schemas.staff import RejectDecision, ReviewDecision, RevisionOut, StationOut
from geo.accounts import User
from geo.stations import edits as station_edits
from geo.stations import revisions

router = APIRouter(prefix="/api/v1/review", tags=["review"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Reviewer = Annotated[User, Depends(reviewer_user)]
StationId = Annotated[int, Path(ge=1, le=2**63 - 1)]
NOT_PENDING = error(409, "不在待审核状态 / not pending review")
RevisionId = Annotated[int, Path(ge=1, le=2**63 - 1, description="修改申请编号 / revision id")]


@router.get("", response_model=list[StationOut])
def queue(user: Reviewer, conn: Conn) -> list[dict[str, Any]]:
    """Stations waiting for review, oldest first."""
    return station_edits.review_queue(conn, user)


def _decide(
    conn: Any,
    user: User,
    station_id: int,
    decision: str,
    body: ReviewDecision | RejectDecision,
    response: Response,
) -> StationOut:
    row = station_edits.review(conn, user, station_id, decision, body.comment)
    set_etag(response, row["version"])
    return StationOut.model_validate(row)


@router.post(
    "/{station_id:int}/approve",
    response_model=StationOut,
    responses=error(
        409,
        "不在待审核状态，或还没有位置（未定位的草稿不能发布）/ not pending review, or it has no "
        "position yet (an unlocated draft cannot be published)",
    ),
)
def approve(
    station_id: StationId, body: ReviewDecision, user: Reviewer, conn: Conn, response: Response
) -> StationOut:
    """Publish a pending station (comment optional); 409 for one without a position."""
    return _decide(conn, user, station_id, "approved", body, response)


@router.post("/{station_id:int}/reject", response_model=StationOut, responses=NOT_PENDING)
def reject(
    station_id: StationId, body: RejectDecision, user: Reviewer, conn: Conn, response: Response
) -> StationOut:
    """Reject a pending station; the comment tells the submitter why."""
    return _decide(conn, user, station_id, "rejected", body, response)


@router.get("/revisions", response_model=list[RevisionOut])
def revision_queue(
    user: Reviewer,
    conn: Conn,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Changes proposed to published stations, oldest first, each as a diff."""
    return revisions.listing(conn, user, state="pending", limit=limit, offset=offset)


@router.post(
    "/revisions/{revision_id:int}/approve",
    response_model=RevisionOut,
    responses=error(
        409, "已处理，或其字段在提交后被改动 / decided already, or its fields changed since"
    ),
)
def approve_revision(
    revision_id: RevisionId, body: ReviewDecision, user: Reviewer, conn: Conn
) -> dict[str, Any]:
    """Apply a revision to the published station (409 when its fields changed since)."""
    return revisions.decide(conn, user, revision_id, "approved", body.comment)


@router.post(
    "/revisions/{revision_id:int}/reject", response_model=RevisionOut, responses=NOT_PENDING
)
def reject_revision(
    revision_id: RevisionId, body: RejectDecision, user: Reviewer, conn: Conn
) -> dict[str, Any]:
    """Reject a revision (comment required); a live temporary closure is undone."""
    return revisions.decide(conn, user, revision_id, "rejected", body.comment)
