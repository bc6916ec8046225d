"""The union's targets for planners and admins: list, set (add or change), remove with a
reason. The rules (values, dates, the audit) are geo's (:mod:`geo.targets`), as for
``yizhan targets``; this module only maps HTTP to them."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends

from api.auth import planner_user
from api.deps import get_conn
from api.openapi import error
from api.schemas.targets import TargetIn, TargetOut, TargetRemove
from geo import targets
from geo.accounts import User
from geo.vocab import KINDS, TARGET_METRICS

router = APIRouter(prefix="/api/v1/targets", tags=["targets"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Planner = Annotated[User, Depends(planner_user)]


def _out(row: dict[str, Any]) -> TargetOut:
    return TargetOut(
        kind=row["kind"],
        kind_zh=KINDS[row["kind"]].zh,
        metric=row["metric"],
        metric_zh=TARGET_METRICS[row["metric"]].zh,
        value=float(row["value"]),
        unit="count" if row["metric"] == "new_stations" else "share",
        starts_on=row["starts_on"],
        deadline=row["deadline"],
        note=row["note"],
    )


@router.get("", response_model=list[TargetOut])
def list_targets(user: Planner, conn: Conn) -> list[TargetOut]:
    """Every target by deadline."""
    return [_out(r) for r in targets.list_targets(conn)]


@router.put("", response_model=TargetOut)
def set_target(body: TargetIn, user: Planner, conn: Conn) -> TargetOut:
    """Add a target, or change the one with the same kind, metric and deadline; audited
    (``target_audit``) with the signed-in person and the reason."""
    target = targets.parse_target(
        body.kind,
        body.metric,
        body.value,
        body.deadline,
        starts_on=body.starts_on or None,
        note=body.note,
    )
    return _out(targets.save_target(conn, user.name, target, body.reason))


@router.post(
    "/remove", response_model=TargetOut, responses=error(404, "没有这个目标 / no such target")
)
def remove_target(body: TargetRemove, user: Planner, conn: Conn) -> TargetOut:
    """Remove a target; the reason is required and the audit keeps what it was."""
    row = targets.drop_target(conn, user.name, body.kind, body.metric, body.deadline, body.reason)
    return _out(row)
