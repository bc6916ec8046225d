"""Revisions: changes field staff propose to published stations, decided by reviewers.

The rule (README, "Roles and review"):

* field staff edit their own drafts (pending review or rejected) freely, and nobody
  else's: another person's draft is refused with 403;
* a change from field staff to a published station — an edit, a closure, a reopening,
  or a matching row of their import — is a *revision*: stored beside the station, shown
  to reviewers as a diff, invisible to the public until a reviewer approves it; the
  approved version stays public meanwhile;
* a temporary closure reported from the street goes live at once (people should not walk
  to a closed door) and is still a pending revision, which the reviewer confirms or undoes;
* reviewers and admins edit published stations directly.

Approving applies the revision as one station update (audited as the reviewer, with the
proposer named in the reason). A field that someone else changed after the revision was
proposed is a conflict: the reviewer rejects it and the proposer submits again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from geo.accounts import REVIEWERS, User, require_role
from geo.db.connection import set_actor
from geo.errors import Conflict, Forbidden, InvalidInput, NotFound
from geo.stations import sql as db
from geo.stations.model import parse_station

#: Status fields a status revision carries.
STATUS_CHANGE = ("status", "status_reason", "closed_on")
#: The decisions a reviewer can take, and the proposer's own.
DECISIONS = ("approved", "rejected")


def to_json(value: Any) -> Any:
    """A station value as JSON (dates as ISO text, tuples as lists)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    return value


def _not_found(revision_id: int) -> NotFound:
    return NotFound(f"没有编号为 {revision_id} 的修改申请", f"no revision with id {revision_id}")


def propose(  # noqa: PLR0913 - one transaction's worth of facts
    conn: psycopg.Connection[Any],
    current: dict[str, Any],
    *,
    kind: str,
    changes: dict[str, Any],
    applied: bool = False,
    reason: str | None = None,
) -> int:
    """Store a revision of ``current`` (the station as it was read, locked by the caller).

    Runs inside the caller's transaction, after ``set_actor`` names the proposer.
    """
    before = {k: to_json(current[k]) for k in changes}
    return db.insert_revision(
        conn,
        current["id"],
        kind=kind,
        base_version=current["version"],
        changes={k: to_json(v) for k, v in changes.items()},
        before=before,
        applied=applied,
        reason=reason,
    )


def with_diff(revision: dict[str, Any], station: dict[str, Any] | None) -> dict[str, Any]:
    """The revision with ``diff``: each field's published value then and now, and proposed."""
    out = dict(revision)
    out["diff"] = [
        {
            "field": field,
            "before": revision["before"].get(field),
            "proposed": proposed,
            "published": to_json(station[field]) if station is not None else None,
        }
        for field, proposed in revision["changes"].items()
    ]
    return out


def get(conn: psycopg.Connection[Any], user: User, revision_id: int) -> dict[str, Any]:
    """One revision with its diff; field staff see only their own (others: NotFound)."""
    revision = db.get_revision(conn, revision_id)
    if revision is None or not _may_see(user, revision):
        raise _not_found(revision_id)
    return with_diff(revision, db.get(conn, revision["station_id"]))


def _may_see(user: User, revision: dict[str, Any]) -> bool:
    return user.role in REVIEWERS or revision["created_by"] == user.name


def listing(  # noqa: PLR0913 - filters
    conn: psycopg.Connection[Any],
    user: User,
    *,
    state: str | None = "pending",
    station_id: int | None = None,
    mine: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Revisions with diffs; field staff and planners see only their own."""
    only = user.name if mine or user.role not in REVIEWERS else None
    rows = db.list_revisions(
        conn, state=state, station_id=station_id, created_by=only, limit=limit, offset=offset
    )
    stations: dict[int, dict[str, Any] | None] = {}
    out = []
    for row in rows:
        sid = row["station_id"]
        if sid not in stations:
            stations[sid] = db.get(conn, sid)
        out.append(with_diff(row, stations[sid]))
    return out


def decide(
    conn: psycopg.Connection[Any],
    user: User,
    revision_id: int,
    decision: str,
    comment: str | None,
) -> dict[str, Any]:
    """Approve (apply it) or reject (undo it, if it went live) a pending revision.

    Raises Conflict when it is no longer pending, or when a field it changes was changed
    by someone else after it was proposed; InvalidInput for a reject without a comment.
    """
    require_role(user, REVIEWERS)
    comment = (comment or "").strip() or None
    if decision not in DECISIONS:
        raise InvalidInput(f"无效的审核结果：{decision}", f"invalid review decision: {decision}")
    if decision == "rejected" and not comment:
        raise InvalidInput("驳回时必须填写意见", "a comment is required to reject")
    with conn.transaction():
        revision = _pending_for_update(conn, revision_id)
        station = db.get(conn, revision["station_id"], for_update=True)
        assert station is not None  # a revision's station is never deleted
        verb = "approved" if decision == "approved" else "rejected"
        set_actor(
            conn,
            user.name,
            f"revision #{revision_id} by {revision['created_by']} {verb}"
            + (f": {comment}" if comment else ""),
        )
        if decision == "approved" and not revision["applied"]:
            _apply(conn, station, revision)
        elif decision == "rejected" and revision["applied"]:
            _undo(conn, station, revision)
        db.decide_revision(conn, revision_id, decision, comment)
    return get(conn, user, revision_id)


def withdraw(conn: psycopg.Connection[Any], user: User, revision_id: int) -> dict[str, Any]:
    """The proposer takes back a pending revision (one that went live stays live)."""
    with conn.transaction():
        revision = _pending_for_update(conn, revision_id)
        if revision["created_by"] != user.name:
            raise Forbidden(
                "只有提交人可以撤回修改申请", "only the person who proposed it may withdraw it"
            )
        set_actor(conn, user.name, f"revision #{revision_id} withdrawn")
        db.decide_revision(conn, revision_id, "withdrawn", None)
    return get(conn, user, revision_id)


def _pending_for_update(conn: psycopg.Connection[Any], revision_id: int) -> dict[str, Any]:
    revision = db.get_revision(conn, revision_id, for_update=True)
    if revision is None:
        raise _not_found(revision_id)
    if revision["state"] != "pending":
        raise Conflict(
            f"该修改申请已处理（{revision['state']}）",
            f"the revision was already decided ({revision['state']})",
        )
    return revision


def _changed_since(station: dict[str, Any], revision: dict[str, Any]) -> list[str]:
    """Fields someone else changed after the revision was proposed (to another value)."""
    out = []
    for field, proposed in revision["changes"].items():
        now = to_json(station[field])
        if now not in (revision["before"].get(field), proposed):
            out.append(field)
    return out


def _apply(
    conn: psycopg.Connection[Any], station: dict[str, Any], revision: dict[str, Any]
) -> None:
    stale = _changed_since(station, revision)
    if stale:
        names = ", ".join(stale)
        raise Conflict(
            f"提交修改后，站点的这些字段已被他人改动：{names}。请驳回，由提交人按最新内容重新提交",
            f"these fields changed after the revision was proposed: {names}; reject it and "
            "let the proposer submit again against the current version",
            details={"fields": stale, "current_version": station["version"]},
        )
    changes = _typed(station, revision)
    if not db.update_versioned(conn, station["id"], station["version"], changes):
        # Every proposed value is already there: nothing to write.
        return


def _typed(station: dict[str, Any], revision: dict[str, Any]) -> dict[str, Any]:
    """The revision's changes as column values, validated again with the whole station."""
    proposed = revision["changes"]
    if revision["kind"] == "status":
        closed_on = proposed.get("closed_on")
        return {
            "status": proposed["status"],
            "status_reason": proposed.get("status_reason"),
            "closed_on": dt.date.fromisoformat(closed_on) if closed_on else None,
        }
    keys = (*db.FIELDS, "lon", "lat")
    merged = {k: station[k] for k in keys} | proposed
    values = parse_station(merged).in_wgs84().model_dump()
    return {k: list(values[k]) if k == "services" else values[k] for k in proposed}


def _undo(conn: psycopg.Connection[Any], station: dict[str, Any], revision: dict[str, Any]) -> None:
    """Put back what a live revision (a temporary closure) replaced, if it still stands."""
    if to_json(station["status"]) != revision["changes"].get("status"):
        return  # someone has changed the status since: leave their change
    before = revision["before"]
    closed_on = before.get("closed_on")
    db.update_versioned(
        conn,
        station["id"],
        station["version"],
        {
            "status": before["status"],
            "status_reason": before.get("status_reason"),
            "closed_on": dt.date.fromisoformat(closed_on) if closed_on else None,
        },
    )
