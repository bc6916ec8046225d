"""Staff endpoints for stations: register, edit (If-Match), change status, history.

Field staff register and edit; reviewers and admins too (and publish directly). Every
change names the version it was based on, so concurrent edits never overwrite each other.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import psycopg
from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse

from api.auth import editor_user, staff_user
from api.deps import IfMatch, get_conn, if_match_version, set_etag
from api.openapi import error
from api.schemas.common import CRS, Kind, ReviewState, Status, Text
from api.schemas.staff import (
    HistoryEntry,
    LocateRequest,
    NearbyStation,
    RevisionOut,
    StationCreate,
    StationOut,
    StationPatch,
    StatusChange,
    UnlocatedPage,
)
from geo.accounts import User
from geo.crs import to_wgs84_point
from geo.stations import edits as station_edits
from geo.stations import registry, revisions
from geo.stations import sql as station_db
from geo.stations.history import station_history
from geo.stations.model import StationInput

router = APIRouter(tags=["staff"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Editor = Annotated[User, Depends(editor_user)]
Staff = Annotated[User, Depends(staff_user)]
StationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="站点编号 / station id")]
RevisionId = Annotated[int, Path(ge=1, le=2**63 - 1, description="修改申请编号 / revision id")]


def _station(response: Response, row: dict[str, Any]) -> StationOut:
    set_etag(response, row["version"])
    return StationOut.model_validate(row)


#: The answer when a change from field staff waits for a reviewer.
PROPOSED: dict[int | str, dict[str, Any]] = {
    202: {
        "model": RevisionOut,
        "description": "已提交修改申请，待审核（公众仍看到已发布的版本）/ "
        "a revision waits for review; the public still sees the published version",
    }
}


def _outcome(response: Response, outcome: station_edits.Outcome) -> StationOut | JSONResponse:
    if outcome.waiting:
        assert outcome.revision is not None
        body = RevisionOut.model_validate(outcome.revision).model_dump(mode="json")
        reply = JSONResponse(body, status_code=202)
        reply.headers["Location"] = f"/api/v1/staff/revisions/{body['id']}"
        set_etag(reply, outcome.station["version"])
        return reply
    if outcome.revision is not None:
        response.headers["Location"] = f"/api/v1/staff/revisions/{outcome.revision['id']}"
    return _station(response, outcome.station)


@router.post(
    "/api/v1/stations",
    status_code=201,
    response_model=StationOut,
    responses=error(
        409, "附近已有相似站点（候选列表）/ possible duplicates nearby (candidates listed)"
    ),
)
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


@router.patch(
    "/api/v1/stations/{station_id:int}",
    response_model=StationOut,
    responses={
        **PROPOSED,
        **error(
            409, "附近已有相似站点（候选列表）/ possible duplicates nearby (candidates listed)"
        ),
    },
)
def patch_station(
    station_id: StationId,
    body: StationPatch,
    user: Editor,
    conn: Conn,
    response: Response,
    if_match: IfMatch = None,
) -> StationOut | JSONResponse:
    """Edit fields of a station. Needs If-Match: 428 without it, 412 when stale.

    Field staff: their own drafts change at once; a published station gets a revision
    (202) that a reviewer approves; another person's draft is refused (403).
    """
    version = if_match_version(if_match)
    patch = body.model_dump(exclude_unset=True, exclude={"confirm_not_duplicate", "reason"})
    outcome = station_edits.update_station(
        conn,
        user,
        station_id,
        version,
        patch,
        confirm_not_duplicate=body.confirm_not_duplicate,
        reason=body.reason,
    )
    return _outcome(response, outcome)


@router.post(
    "/api/v1/stations/{station_id:int}/status", response_model=StationOut, responses=PROPOSED
)
def change_status(
    station_id: StationId,
    body: StatusChange,
    user: Editor,
    conn: Conn,
    response: Response,
    if_match: IfMatch = None,
) -> StationOut | JSONResponse:
    """Close (with date and reason), close temporarily, or reopen. Needs If-Match.

    Field staff on a published station: a temporary closure is live at once and flagged
    for review (Location names the revision); other changes are revisions (202).
    """
    version = if_match_version(if_match)
    outcome = station_edits.change_status(
        conn, user, station_id, version, body.status, reason=body.reason, closed_on=body.closed_on
    )
    return _outcome(response, outcome)


@router.get("/api/v1/stations/{station_id}/history", response_model=list[HistoryEntry])
def history(station_id: StationId, user: Staff, conn: Conn) -> list[dict[str, Any]]:
    """Every change: who, when, why, and each field from what to what."""
    return station_history(conn, station_id)


#: The header of the staff list that says how many stations match in all.
TOTAL_HEADER = "X-Total-Count"
SORT_SCHEMA: dict[str, Any] = {"enum": list(registry.SORTS)}
ORDER_SCHEMA: dict[str, Any] = {"enum": list(registry.ORDERS)}


@router.get(
    "/api/v1/staff/stations",
    response_model=list[StationOut],
    responses={
        200: {
            "description": "一页站点 / a page of stations",
            "headers": {
                TOTAL_HEADER: {
                    "description": "符合条件的站点总数 / how many stations match in all",
                    "schema": {"type": "integer", "minimum": 0},
                }
            },
        }
    },
)
def list_stations(  # noqa: PLR0913 - the registry's filters
    user: Staff,
    conn: Conn,
    response: Response,
    mine: bool = False,
    review_state: Annotated[ReviewState | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
    district: Annotated[
        Text, Query(max_length=registry.MAX_DISTRICT_CHARS, description="区县 / district")
    ] = None,
    unlocated: Annotated[
        bool | None,
        Query(
            description="true：无位置的；false：有位置的 / "
            "true: without a position; false: with one"
        ),
    ] = None,
    q: Annotated[
        Text,
        Query(
            max_length=registry.MAX_SEARCH_CHARS,
            description="名称或地址包含（不区分大小写）/ in the name or address (any case)",
        ),
    ] = None,
    sort: Annotated[str, Query(json_schema_extra=SORT_SCHEMA)] = "updated",
    order: Annotated[
        str | None,
        Query(
            json_schema_extra=ORDER_SCHEMA,
            description="默认：updated 从新到旧，其他从小到大 / default: updated newest first, "
            "others ascending",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    """The stations registry: stations in any review state (every member of the staff
    sees all; ``mine=true``: those I registered), searched (``q`` in the name or address),
    filtered, sorted (the id breaks ties) and paged; ``X-Total-Count`` says how many
    match in all."""
    rows, total = registry.search(
        conn,
        registry.RegistryQuery(
            text=q,
            kind=kind,
            status=status,
            review_state=review_state,
            district=district,
            unlocated=unlocated,
            created_by=user.name if mine else None,
            sort=sort,
            order=order,
            limit=limit,
            offset=offset,
        ),
    )
    response.headers[TOTAL_HEADER] = str(total)
    return rows


@router.get("/api/v1/staff/stations/unlocated", response_model=UnlocatedPage)
def list_unlocated(
    user: Staff,
    conn: Conn,
    kind: Annotated[Kind | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Stations without a position (address-only rows of imported lists), oldest first,
    with the total. Field staff see their own; reviewers, planners and admins all."""
    items, total = station_edits.unlocated_stations(
        conn, user, kind=kind, limit=limit, offset=offset
    )
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.post(
    "/api/v1/staff/stations/{station_id:int}/locate",
    response_model=StationOut,
    responses={
        **PROPOSED,
        **error(
            409,
            "已有位置（移动请设 move）或附近已有相似站点（候选列表）/ it already has a position "
            "(set move to move it), or possible duplicates nearby (candidates listed)",
        ),
    },
)
def locate_station(
    station_id: StationId,
    body: LocateRequest,
    user: Editor,
    conn: Conn,
    response: Response,
    if_match: IfMatch = None,
) -> StationOut | JSONResponse:
    """Place an unlocated station (converted to WGS-84, checked inside the service area,
    district from the position, audited); it stays a draft for a reviewer. Needs If-Match.

    Field staff: their own drafts; reviewers and admins: any. A station that already has
    a position: 409 unless ``move`` (then an ordinary move: a revision, 202, when field
    staff move a published station).
    """
    version = if_match_version(if_match)
    outcome = station_edits.locate_station(
        conn,
        user,
        station_id,
        version,
        (body.lon, body.lat, body.crs),
        move=body.move,
        confirm_not_duplicate=body.confirm_not_duplicate,
        reason=body.reason,
    )
    return _outcome(response, outcome)


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


@router.get("/api/v1/staff/revisions", response_model=list[RevisionOut])
def list_revisions(
    user: Staff,
    conn: Conn,
    state: Annotated[Literal["pending", "approved", "rejected", "withdrawn"] | None, Query()] = (
        "pending"
    ),
    station_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Revisions with their diffs (field staff: only their own); pending ones by default."""
    return revisions.listing(
        conn, user, state=state, station_id=station_id, mine=mine, limit=limit, offset=offset
    )


@router.get("/api/v1/staff/revisions/{revision_id}", response_model=RevisionOut)
def get_revision(revision_id: RevisionId, user: Staff, conn: Conn) -> dict[str, Any]:
    """One revision with its diff against the published station (field staff: their own)."""
    return revisions.get(conn, user, revision_id)


@router.post(
    "/api/v1/staff/revisions/{revision_id:int}/withdraw",
    response_model=RevisionOut,
    responses=error(409, "修改申请已处理 / the revision was already decided"),
)
def withdraw_revision(revision_id: RevisionId, user: Editor, conn: Conn) -> dict[str, Any]:
    """The proposer takes back a pending revision."""
    return revisions.withdraw(conn, user, revision_id)
