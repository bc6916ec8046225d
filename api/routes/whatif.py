"""What-if scenarios for planners (and admins): evaluate hypothetical stations added,
switched off or moved, save scenarios by name, compare them. Never public and never part
of the official figures. The rules are geo's (:mod:`geo.coverage.whatif_service`,
:mod:`geo.coverage.scenarios`); this module only maps HTTP to them."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Query, Response

from api.auth import planner_user
from api.deps import IfMatch, get_conn, if_match_version, set_etag
from api.openapi import error
from api.schemas.whatif import (
    CompareRow,
    ScenarioIn,
    ScenarioOut,
    ScenarioResultOut,
    WhatIfIn,
    WhatIfOut,
)
from geo.accounts import User
from geo.coverage import scenarios, service, whatif_service

router = APIRouter(tags=["what-if"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Planner = Annotated[User, Depends(planner_user)]

NOT_LOADED = error(409, "尚未导入步行路网 / no walk network is loaded yet")
NO_SCENARIO = error(404, "没有这个方案 / no such scenario")


@router.post("/api/v1/whatif", response_model=WhatIfOut, responses=NOT_LOADED)
def post_whatif(body: WhatIfIn, user: Planner, conn: Conn) -> dict[str, Any]:
    """Coverage with the changes applied, against the operating stations of ``as_of``:
    base and scenario figures, the deltas, the main-street stretches newly covered and
    uncovered (GeoJSON) and the hypothetical stations. Nothing is stored."""
    q = service.question(body.as_of, body.kind, body.distance)
    return whatif_service.whatif(conn, q, body.changes)


@router.get("/api/v1/scenarios", response_model=list[ScenarioOut])
def list_scenarios(
    user: Planner,
    conn: Conn,
    archived: bool = Query(False, description="include archived scenarios"),
) -> list[dict[str, Any]]:
    """Saved scenarios, newest first."""
    return scenarios.list_scenarios(conn, archived=archived)


@router.post(
    "/api/v1/scenarios",
    response_model=ScenarioOut,
    status_code=201,
    responses=error(409, "同名方案已存在 / a scenario of that name exists"),
)
def create_scenario(
    body: ScenarioIn, user: Planner, conn: Conn, response: Response
) -> dict[str, Any]:
    """Save a scenario by name (unique among the active ones); audited."""
    row = scenarios.create(
        conn, user.name, body.name, body.kind, body.as_of, body.distance, body.changes, body.note
    )
    set_etag(response, row["version"])
    return row


@router.get(
    "/api/v1/scenarios/compare",
    response_model=list[CompareRow],
    responses={**NO_SCENARIO, **NOT_LOADED},
)
def compare_scenarios(
    user: Planner,
    conn: Conn,
    ids: str = Query(
        ...,
        description="scenario ids separated by commas, e.g. 1,2,3 (at most 10)",
        json_schema_extra={"pattern": r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,9}$"},
    ),
) -> list[dict[str, Any]]:
    """Each scenario's figures and delta, evaluated now, side by side."""
    return scenarios.compare(conn, scenarios.parse_ids(ids))


@router.get(
    "/api/v1/scenarios/{scenario_id:int}", response_model=ScenarioOut, responses=NO_SCENARIO
)
def get_scenario(scenario_id: int, user: Planner, conn: Conn, response: Response) -> dict[str, Any]:
    """One saved scenario (its version as the ETag)."""
    row = scenarios.get(conn, scenario_id)
    set_etag(response, row["version"])
    return row


@router.put(
    "/api/v1/scenarios/{scenario_id:int}", response_model=ScenarioOut, responses=NO_SCENARIO
)
def put_scenario(  # noqa: PLR0913 - FastAPI reads each from the signature
    scenario_id: int,
    body: ScenarioIn,
    user: Planner,
    conn: Conn,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Replace a scenario's content: If-Match (the ETag of GET) is required, 412 when the
    scenario changed meanwhile."""
    row = scenarios.update(
        conn,
        user.name,
        scenario_id,
        if_match_version(if_match),
        body.name,
        body.kind,
        body.as_of,
        body.distance,
        body.changes,
        body.note,
    )
    set_etag(response, row["version"])
    return row


@router.post(
    "/api/v1/scenarios/{scenario_id:int}/archive", response_model=ScenarioOut, responses=NO_SCENARIO
)
def archive_scenario(
    scenario_id: int, user: Planner, conn: Conn, response: Response, if_match: IfMatch = None
) -> dict[str, Any]:
    """Archive a scenario: kept and audited, never deleted; its name is free again.
    If-Match required, like PUT."""
    row = scenarios.archive(conn, user.name, scenario_id, if_match_version(if_match))
    set_etag(response, row["version"])
    return row


@router.get(
    "/api/v1/scenarios/{scenario_id:int}/result",
    response_model=ScenarioResultOut,
    responses={**NO_SCENARIO, **NOT_LOADED},
)
def scenario_result(scenario_id: int, user: Planner, conn: Conn) -> dict[str, Any]:
    """A saved scenario evaluated now with the what-if engine, against today's data."""
    return scenarios.result(conn, scenario_id)
