"""Staff endpoints for stations: register, edit (If-Match), change status, history.

Field staff register and edit; reviewers and admins too (and publish directly). Every
change names the version it was based on, so concurrent edits never overwrite each other.
"""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Path, Query, Response

from api.auth import editor_user, staff_user
from api.deps import IfMatch, get_conn, if_match_version, set_etag
from api.schemas.common import CRS, Kind, ReviewState
from api.schemas.staff import (
    HistoryEntry,
    NearbyStation,
    StationCreate,
    StationOut,
    StationPatch,
    StatusChange,
)
from geo.accounts import User
from geo.crs import to_wgs84_point
from geo.stations import edits as station_edits
from geo.stations import sql as station_db
from geo.stations.history import station_history
from geo.stations.model import StationInput

router = APIRouter(tags=["staff"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Editor = Annotated[User, Depends(editor_user)]
Staff = Annotated[User, Depends(staff_user)]
StationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="站点编号 / station id")]


def _station(response: Response, row: dict[str, Any]) -> StationOut:
    set_etag(response, row["version"])
    return StationOut.model_validate(row)


@router.post("/api/v1/stations", status_code=201, response_model=StationOut)
def create_station(body: StationCreate, user: Editor, conn: Conn, response: Response) -> StationOut:
    """Register a station (field staff: pending review; reviewers/admins: published).

    409 lists possible duplicates nearby; resend with ``confirm_not_duplicate: true`` and
    a ``reason`` when it is a different station.
    """
    station = StationInput.model_validate(
        body.model_dump(exclude={"confirm_not_duplicate", "reason"})
    )
    row = station_edits.create_station(
        conn,
        user,
        station,
        confirm_not_duplicate=body.confirm_not_duplicate,
        reason=body.reason,
    )
    response.headers["Location"] = f"/api/v1/staff/stations/{row['id']}"
    return _station(response, row)


@router.patch("/api/v1/stations/{station_id}", response_model=StationOut)
def patch_station(
    station_id: StationId,
    body: StationPatch,
    user: Editor,
    conn: Conn,
    response: Response,
    if_match: IfMatch = None,
) -> StationOut:
    """Edit fields of a station. Needs If-Match: 428 without it, 412 when stale."""
    version = if_match_version(if_match)
    patch = body.model_dump(exclude_unset=True, exclude={"confirm_not_duplicate", "reason"})
    row = station_edits.update_station(
        conn,
        user,
        station_id,
        version,
        patch,
        confirm_not_duplicate=body.confirm_not_duplicate,
        reason=body.reason,
    )
    return _station(response, row)


@router.post("/api/v1/stations/{station_id}/status", response_model=StationOut)
def change_status(
    station_id: StationId,
    body: StatusChange,
    user: Editor,
    conn: Conn,
    response: Response,
    if_match: IfMatch = None,
) -> StationOut:
    """Close (with date and reason), close temporarily, or reopen. Needs If-Match."""
    version = if_match_version(if_match)
    row = station_edits.change_status(
        conn, user, station_id, version, body.status, reason=body.reason, closed_on=body.closed_on
    )
    return _station(response, row)


@router.get("/api/v1/stations/{station_id}/history", response_model=list[HistoryEntry])
def history(station_id: StationId, user: Staff, conn: Conn) -> list[dict[str, Any]]:
    """Every change: who, when, why, and each field from what to what."""
    return station_history(conn, station_id)


@router.get("/api/v1/staff/stations", response_model=list[StationOut])
def list_stations(
    user: Staff,
    conn: Conn,
    mine: bool = False,
    review_state: Annotated[ReviewState | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Stations in any review state; ``mine=true``: those I registered."""
    return station_db.list_for_staff(
        conn,
        created_by=user.name if mine else None,
        review_state=review_state,
        kind=kind,
        limit=limit,
        offset=offset,
    )


@router.get("/api/v1/staff/stations/nearby", response_model=list[NearbyStation])
def nearby(
    user: Staff,
    conn: Conn,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    crs: CRS = "wgs84",
    radius_m: Annotated[float, Query(gt=0, le=5000)] = 300.0,
) -> list[dict[str, Any]]:
    """Existing stations around a position (to avoid registering one twice)."""
    wlon, wlat = to_wgs84_point(lon, lat, crs)
    return station_db.nearby(conn, wlon, wlat, radius_m)


@router.get("/api/v1/staff/stations/{station_id}", response_model=StationOut)
def get_station(station_id: StationId, user: Staff, conn: Conn, response: Response) -> StationOut:
    """One station in any review state, with its version as the ETag header."""
    return _station(response, station_edits.get_station(conn, station_id))
