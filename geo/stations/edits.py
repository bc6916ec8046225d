"""Staff changes to stations: create, edit, change status, review — each one audited.

Every function runs one transaction on the connection it is given (which must be in
autocommit mode, like the API's pooled connections) and names the acting user, so the
audit row says who did it and why. Stations are validated by :class:`StationInput`, never
deleted, and never overwritten by someone who had not seen the latest version.

Who may change what (see :mod:`geo.stations.revisions`): reviewers and admins change any
station directly; field staff change their own drafts directly, nobody else's, and
propose revisions to published stations (a temporary closure goes live at once, flagged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from geo import clock
from geo.accounts import EDITORS, REVIEWERS, User, require_role
from geo.db import network as network_db
from geo.db.connection import set_actor
from geo.errors import (
    AlreadyLocated,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PossibleDuplicate,
    StaleVersion,
    Unlocated,
)
from geo.settings import get_settings
from geo.stations import revisions
from geo.stations import sql as db
from geo.stations.model import StationInput, parse_station
from geo.vocab import CLOSED_STATUSES, STATUSES

#: Fields of StationInput that an edit (PATCH) may change; status has its own operation.
PATCHABLE = db.PATCHABLE


@dataclass(frozen=True)
class Outcome:
    """What an edit or status change did: the station now, and the revision it stored.

    ``revision`` is None for a direct change. When set and not ``applied``, the station
    is unchanged and the change waits for a reviewer; when ``applied`` (a temporary
    closure from the street) the change is live and waits for a reviewer to confirm it.
    """

    station: dict[str, Any]
    revision: dict[str, Any] | None = None

    @property
    def waiting(self) -> bool:
        """True when the change is not live yet (a pending revision)."""
        return self.revision is not None and not self.revision["applied"]


def _not_found(station_id: int) -> NotFound:
    return NotFound(f"没有编号为 {station_id} 的站点", f"no station with id {station_id}")


def get_station(conn: psycopg.Connection[Any], station_id: int) -> dict[str, Any]:
    """A station as staff see it (any review state), with its count of pending revisions."""
    row = db.get(conn, station_id)
    if row is None:
        raise _not_found(station_id)
    row["pending_revisions"] = db.pending_revision_counts(conn, [station_id]).get(station_id, 0)
    return row


def changes_directly(user: User, current: dict[str, Any]) -> bool:
    """Whether ``user``'s change to ``current`` is written directly (else: a revision).

    Raises Forbidden when field staff touch another person's draft.
    """
    if user.can_publish:
        return True
    if current["review_state"] == "approved":
        return False
    if current["created_by"] != user.name:
        raise Forbidden(
            f"这是 {current['created_by']} 提交、尚未发布的站点，只有提交人或审核人员可以修改",
            f"this unpublished station was submitted by {current['created_by']}: only they "
            "or a reviewer may change it",
        )
    return True


def _check_in_area(conn: psycopg.Connection[Any], lon: float, lat: float) -> None:
    outside = network_db.outside_service_area_m(conn, lon, lat)
    if outside:
        km = outside / 1000.0
        raise InvalidInput(
            f"位置在本市服务区域之外 {km:.2f} 公里，请检查坐标和坐标系（crs）",
            f"the position is {km:.2f} km outside the city's service area: "
            "check the coordinates and their crs",
            details=[{"field": "lon", "outside_km": round(km, 3)}],
        )


def _check_duplicates(
    conn: psycopg.Connection[Any],
    values: dict[str, Any],
    *,
    confirmed: bool,
    exclude_ids: tuple[int, ...] = (),
) -> None:
    """Lock the neighbourhood, then refuse when a similar station exists there.

    Called inside the writing transaction: the advisory locks are held until it ends, so
    two people registering the same new station at once cannot both pass the check.
    """
    settings = get_settings().stations
    radius = max(settings.duplicate_radius_m, settings.duplicate_name_radius_m)
    db.lock_cells(conn, db.lock_keys(values["kind"], values["lon"], values["lat"], radius))
    if confirmed:
        return
    found = find_duplicates(conn, values, exclude_ids=exclude_ids)
    if found:
        listing = "；".join(f"{c['name']}（{c['distance_m']:.0f} 米）" for c in found[:5])
        raise PossibleDuplicate(
            f"附近已有相似站点：{listing}。如确认不是重复，请勾选“确认不是重复”并填写理由",
            f"{len(found)} similar station(s) nearby; if this is not a duplicate, resend with "
            "confirm_not_duplicate: true and a reason",
            details={"candidates": found},
        )


def find_duplicates(
    conn: psycopg.Connection[Any],
    values: dict[str, Any],
    exclude_ids: tuple[int, ...] = (),
    same_record: tuple[str | None, str | None] | None = None,
) -> list[dict[str, Any]]:
    """Possible duplicates of a station (``kind``, ``name``, WGS-84 ``lon``/``lat``).

    ``exclude_ids`` and the stored station with ``same_record`` (source, external id)
    are the station itself, not duplicates.
    """
    settings = get_settings().stations
    return db.duplicate_candidates(
        conn,
        kind=values["kind"],
        lon=values["lon"],
        lat=values["lat"],
        name=values["name"],
        rule=db.DuplicateRule(
            radius_m=settings.duplicate_radius_m,
            name_radius_m=settings.duplicate_name_radius_m,
            similarity=settings.duplicate_name_similarity,
        ),
        exclude_ids=exclude_ids,
        same_record=same_record,
    )


def _values(station: StationInput) -> dict[str, Any]:
    values = station.in_wgs84().model_dump()
    values["services"] = list(values["services"])
    return values


def _confirm_reason(confirm: bool, reason: str | None) -> str | None:
    reason = (reason or "").strip() or None
    if confirm and not reason:
        raise InvalidInput(
            "确认不是重复时必须填写理由", "confirm_not_duplicate needs a reason", details=[]
        )
    if confirm:
        return f"confirmed not a duplicate: {reason}"
    return reason


def create_station(
    conn: psycopg.Connection[Any],
    user: User,
    station: StationInput,
    *,
    confirm_not_duplicate: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Register a station: pending review, or approved when a reviewer/admin creates it.

    Raises InvalidInput when it lies outside the city's districts, PossibleDuplicate when
    a similar station is nearby (unless confirmed with a reason, which the audit keeps).
    """
    require_role(user, EDITORS)
    audit_reason = _confirm_reason(confirm_not_duplicate, reason)
    values = _values(station)
    _check_in_area(conn, values["lon"], values["lat"])
    state = "approved" if user.can_publish else "pending_review"
    with conn.transaction():
        set_actor(conn, user.name, audit_reason)
        _check_duplicates(conn, values, confirmed=confirm_not_duplicate)
        values["district"] = _district(conn, values, values.get("district"))
        station_id = _insert(conn, values, state)
    return get_station(conn, station_id)


def _district(conn: psycopg.Connection[Any], values: dict[str, Any], given: str | None) -> Any:
    """The district of the district polygon the station's position lies in; ``given``
    when it lies in none (or no districts are loaded)."""
    return network_db.district_at(conn, values["lon"], values["lat"]) or given


def _set_district(
    conn: psycopg.Connection[Any],
    changes: dict[str, Any],
    values: dict[str, Any],
    current: str | None,
) -> None:
    """Make ``changes`` carry the district of the (new) position, so a move, and a
    revision proposing one, changes the district with it; a district edit that the
    position contradicts is overruled."""
    district = _district(conn, values, values.get("district"))
    if district != current:
        changes["district"] = district
    else:
        changes.pop("district", None)


def _insert(conn: psycopg.Connection[Any], values: dict[str, Any], state: str) -> int:
    try:
        return db.insert(conn, values, state)
    except psycopg.errors.UniqueViolation:
        raise Conflict(
            "已有相同来源和外部编号的站点", "a station with this source and external id exists"
        ) from None


def _as_input(row: dict[str, Any]) -> dict[str, Any]:
    """The stored station as StationInput data; an unlocated one at a placeholder
    position (0, 0), validated but never written."""
    keys = (*db.FIELDS, "lon", "lat")
    data = {k: row[k] for k in keys}
    if data["lon"] is None:
        data.update(lon=0.0, lat=0.0)
    return data


def update_station(  # noqa: PLR0913 - the edit and its confirmation
    conn: psycopg.Connection[Any],
    user: User,
    station_id: int,
    version: int,
    patch: dict[str, Any],
    *,
    confirm_not_duplicate: bool = False,
    reason: str | None = None,
) -> Outcome:
    """Edit fields of a station that is still at ``version`` (the caller's If-Match).

    ``patch`` holds PATCHABLE fields and optionally ``lon``/``lat`` with ``crs``. The
    whole station is validated again; a new position or name is checked for duplicates.
    Field staff's edit of a published station becomes a pending revision (the station is
    unchanged). Raises StaleVersion (someone changed it since), NotFound, InvalidInput,
    Forbidden (another person's draft).
    """
    require_role(user, EDITORS)
    audit_reason = _confirm_reason(confirm_not_duplicate, reason)
    current = get_station(conn, station_id)
    _check_version(current, version)
    direct = changes_directly(user, current)
    if ("lon" in patch) != ("lat" in patch):
        raise InvalidInput(
            "修改位置时须同时提供经度和纬度", "give both lon and lat to move a station"
        )
    patch = dict(patch)
    if "lon" not in patch:
        patch.pop("crs", None)  # a crs without coordinates would move the stored ones
    merged = {**_as_input(current), **patch}
    values = _values(parse_station(merged))
    changes = {k: values[k] for k in PATCHABLE if k in patch and values[k] != current[k]}
    if "lon" in patch and (values["lon"], values["lat"]) != (current["lon"], current["lat"]):
        changes.update(lon=values["lon"], lat=values["lat"])
    if current["review_state"] == "rejected" and not user.can_publish and changes:
        changes["review_state"] = "pending_review"  # a corrected submission goes back
    # An unlocated draft edited without a position stays unlocated: no area, duplicate or
    # district check has a position to go by (the placeholder is never used).
    located = "lon" in changes or current["lon"] is not None
    revision_id = None
    with conn.transaction():
        set_actor(conn, user.name, audit_reason)
        locked = _locked_at(conn, station_id, version)
        if located and changes.keys() & {"kind", "name", "lon"}:
            if "lon" in changes:
                _check_in_area(conn, values["lon"], values["lat"])
            _check_duplicates(
                conn, values, confirmed=confirm_not_duplicate, exclude_ids=(station_id,)
            )
        if located and changes.keys() & {"lon", "district"}:
            _set_district(conn, changes, values, current["district"])
        if direct:
            _write(conn, station_id, version, changes)
        elif changes:
            revision_id = revisions.propose(
                conn, locked, kind="edit", changes=changes, reason=audit_reason
            )
    return _outcome(conn, user, station_id, revision_id)


def _locked_at(conn: psycopg.Connection[Any], station_id: int, version: int) -> dict[str, Any]:
    """Lock the station row for this transaction; StaleVersion unless still at ``version``."""
    row = db.get(conn, station_id, for_update=True)
    if row is None:
        raise _not_found(station_id)
    _check_version(row, version)
    return row


def _outcome(
    conn: psycopg.Connection[Any], user: User, station_id: int, revision_id: int | None
) -> Outcome:
    revision = None if revision_id is None else revisions.get(conn, user, revision_id)
    return Outcome(get_station(conn, station_id), revision)


def _check_version(current: dict[str, Any], version: int) -> None:
    if current["version"] != version:
        raise StaleVersion(
            f"站点已被他人修改（当前版本 {current['version']}，你的版本 {version}），请刷新后再改",
            f"the station has changed since version {version} (now {current['version']}): "
            "reload it and apply your change again",
            details={"current_version": current["version"]},
        )


def _write(
    conn: psycopg.Connection[Any], station_id: int, version: int, changes: dict[str, Any]
) -> None:
    """The atomic versioned write; StaleVersion when another change came first."""
    if db.update_versioned(conn, station_id, version, changes):
        return
    now = db.current_version(conn, station_id)
    if now is None:
        raise _not_found(station_id)
    if now != version:
        _check_version({"version": now}, version)
    # Same version and no row updated: nothing actually changed.


def change_status(  # noqa: PLR0913 - the change and its why and when
    conn: psycopg.Connection[Any],
    user: User,
    station_id: int,
    version: int,
    status: str,
    *,
    reason: str | None = None,
    closed_on: date | None = None,
) -> Outcome:
    """Close (with date and reason), close temporarily (with reason) or reopen a station.

    Nothing is deleted: a closed station keeps its history and can be reopened. From
    field staff, on a published station, a temporary closure goes live at once and is
    flagged for review; any other status change is a pending revision.
    """
    require_role(user, EDITORS)
    reason = (reason or "").strip() or None
    if status not in STATUSES:
        raise InvalidInput(
            f"未知的状态「{status}」，可选：{', '.join(STATUSES)}",
            f"unknown status '{status}': use one of {', '.join(STATUSES)}",
        )
    if status in CLOSED_STATUSES and not reason:
        raise InvalidInput("关闭站点时必须填写原因", f"a reason is required to set status {status}")
    current = get_station(conn, station_id)
    _check_version(current, version)
    direct = changes_directly(user, current)
    changes: dict[str, Any] = {"status": status, "status_reason": reason}
    if status == "closed":
        changes["closed_on"] = closed_on or clock.today()
        opened = current["opened_on"]
        if opened and changes["closed_on"] < opened:
            raise InvalidInput(
                f"关闭日期 {changes['closed_on']} 早于开放日期 {opened}",
                f"closing date {changes['closed_on']} is before opening date {opened}",
            )
    else:
        changes["closed_on"] = None
    live = direct or status == "temporarily_closed"
    revision_id = None
    with conn.transaction():
        set_actor(conn, user.name, reason)
        locked = _locked_at(conn, station_id, version)
        if not direct and any(locked[k] != v for k, v in changes.items()):
            revision_id = revisions.propose(
                conn, locked, kind="status", changes=changes, applied=live, reason=reason
            )
        if live:
            _write(conn, station_id, version, changes)
    return _outcome(conn, user, station_id, revision_id)


def review(
    conn: psycopg.Connection[Any],
    user: User,
    station_id: int,
    decision: str,
    comment: str | None,
) -> dict[str, Any]:
    """Approve or reject a pending station; rejecting needs a comment for the submitter."""
    require_role(user, REVIEWERS)
    comment = (comment or "").strip() or None
    if decision not in ("approved", "rejected"):
        raise InvalidInput(f"无效的审核结果：{decision}", f"invalid review decision: {decision}")
    if decision == "rejected" and not comment:
        raise InvalidInput("驳回时必须填写意见", "a comment is required to reject")
    if decision == "approved" and get_station(conn, station_id)["lon"] is None:
        raise _unlocated(station_id)
    with conn.transaction():
        set_actor(conn, user.name, comment)
        if not db.set_review(conn, station_id, decision, comment):
            current = get_station(conn, station_id)
            raise Conflict(
                f"该站点不在待审核状态（当前：{current['review_state']}）",
                f"the station is not pending review (it is {current['review_state']})",
            )
    return get_station(conn, station_id)


def _unlocated(station_id: int) -> Unlocated:
    return Unlocated(
        f"站点 {station_id} 还没有位置，不能发布：请先定位（控制台「未定位」页，"
        f"或 yizhan stations locate {station_id} --lon … --lat … --crs …）",
        f"station {station_id} has no position yet and cannot be published: place it first "
        f"(the console's Unlocated page, or "
        f"yizhan stations locate {station_id} --lon … --lat … --crs …)",
        details={"station_id": station_id},
    )


def unlocated_stations(
    conn: psycopg.Connection[Any],
    user: User,
    *,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Stations without a position, oldest first, and how many there are in all.

    Field staff see the ones they registered or imported; everyone else on the staff sees
    all of them.
    """
    mine = user.name if user.role == "field_staff" else None
    return db.unlocated(conn, created_by=mine, kind=kind, limit=limit, offset=offset)


def locate_station(  # noqa: PLR0913 - the position and its confirmation
    conn: psycopg.Connection[Any],
    user: User,
    station_id: int,
    version: int,
    position: tuple[float, float, str],
    *,
    move: bool = False,
    confirm_not_duplicate: bool = False,
    reason: str | None = None,
) -> Outcome:
    """Give an unlocated station its position (``lon``, ``lat``, ``crs``).

    The position is converted to WGS-84 and checked like any edit's: inside the service
    area, no similar station nearby (unless confirmed with a reason); the district comes
    from the position (a position in no district keeps the one the file gave). The change
    is audited ("located" unless a reason is given). The station stays a draft: it
    follows the normal review flow. Field staff may place their own drafts only
    (Forbidden otherwise). A station that already has a position is refused
    (AlreadyLocated) unless ``move``, which is then an ordinary edit of its position
    (a revision when field staff move a published station).
    """
    require_role(user, EDITORS)
    lon, lat, crs = position
    current = get_station(conn, station_id)
    _check_version(current, version)
    if current["lon"] is not None:
        if not move:
            raise _already_located(current)
        return update_station(
            conn,
            user,
            station_id,
            version,
            {"lon": lon, "lat": lat, "crs": crs},
            confirm_not_duplicate=confirm_not_duplicate,
            reason=reason,
        )
    changes_directly(user, current)  # Forbidden: another person's draft
    audit_reason = _confirm_reason(confirm_not_duplicate, reason) or "located / 已定位"
    values = _values(parse_station({**_as_input(current), "lon": lon, "lat": lat, "crs": crs}))
    changes: dict[str, Any] = {"lon": values["lon"], "lat": values["lat"]}
    if current["review_state"] == "rejected" and not user.can_publish:
        changes["review_state"] = "pending_review"  # a corrected submission goes back
    with conn.transaction():
        set_actor(conn, user.name, audit_reason)
        locked = _locked_at(conn, station_id, version)
        if locked["lon"] is not None:
            raise _already_located(locked)
        _check_in_area(conn, values["lon"], values["lat"])
        _check_duplicates(conn, values, confirmed=confirm_not_duplicate, exclude_ids=(station_id,))
        district = _district(conn, values, current["district"])
        if district != current["district"]:
            changes["district"] = district
        _write(conn, station_id, version, changes)
    return _outcome(conn, user, station_id, None)


def _already_located(current: dict[str, Any]) -> AlreadyLocated:
    return AlreadyLocated(
        f"站点 {current['id']} 已有位置（{current['lon']:.6f}, {current['lat']:.6f}）；"
        '如要移动，请加 --move（API："move": true）',
        f"station {current['id']} already has a position ({current['lon']:.6f}, "
        f'{current["lat"]:.6f}); to move it, add --move (API: "move": true)',
        details={"station_id": current["id"], "lon": current["lon"], "lat": current["lat"]},
    )


def review_queue(conn: psycopg.Connection[Any], user: User) -> list[dict[str, Any]]:
    """Stations waiting for review; reviewers only."""
    require_role(user, REVIEWERS)
    return db.pending_review(conn)
