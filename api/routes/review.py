"""The review queue: reviewers approve or reject what field staff registered."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Path, Response

from api.auth import reviewer_user
from api.deps import get_conn, set_etag
from api.schemas.staff import ReviewDecision, StationOut
from geo.accounts import User
from geo.stations import edits as station_edits

router = APIRouter(prefix="/api/v1/review", tags=["review"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Reviewer = Annotated[User, Depends(reviewer_user)]
StationId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("", response_model=list[StationOut])
def queue(user: Reviewer, conn: Conn) -> list[dict[str, Any]]:
    """Stations waiting for review, oldest first."""
    return station_edits.review_queue(conn, user)


def _decide(
    conn: Any, user: User, station_id: int, decision: str, body: ReviewDecision, response: Response
) -> StationOut:
    row = station_edits.review(conn, user, station_id, decision, body.comment)
    set_etag(response, row["version"])
    return StationOut.model_validate(row)


@router.post("/{station_id}/approve", response_model=StationOut)
def approve(
    station_id: StationId, body: ReviewDecision, user: Reviewer, conn: Conn, response: Response
) -> StationOut:
    """Publish a pending station (comment optional)."""
    return _decide(conn, user, station_id, "approved", body, response)


@router.post("/{station_id}/reject", response_model=StationOut)
def reject(
    station_id: StationId, body: ReviewDecision, user: Reviewer, conn: Conn, response: Response
) -> StationOut:
    """Reject a pending station; the comment tells the submitter why."""
    return _decide(conn, user, station_id, "rejected", body, response)
