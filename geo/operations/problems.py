"""Problems of a station (issue 15): public reports, the staff queue and what the public sees.

A worker reports a problem of a public station from the map (no login): a category, the
missing service for ``service_missing``, a few words, one optional photo (cleaned by
:mod:`geo.photos`) and an optional phone. The answer is a receipt (``P`` and ten random
characters, not guessable). Reports are limited per client per hour and per station per
day (``settings.operations``); a report of the same station and category while one is new
or confirmed is collapsed into it. Nothing is public until staff confirm it: then the
category (never the details, the phone or the photo) shows on the station's sheet.

Staff decide: ``confirm`` or ``dismiss`` a new problem, mark a confirmed one ``fixed``.
A confirmed ``closed`` may set the station temporarily closed (the station's own status
path, :func:`geo.stations.edits.change_status`), and marking it fixed may reopen it.
Phones are masked in every staff view and erased after ``phone_retention_days``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any, Literal

import psycopg

from geo import clock, privacy, vocab
from geo.accounts import REVIEWERS, User, require_role
from geo.db import photos as photos_db
from geo.db import problems as db
from geo.db.connection import set_actor
from geo.errors import Conflict, InvalidInput, NotFound, RateLimited
from geo.photos import CleanPhoto, clean_photo
from geo.settings import OperationsSettings
from geo.stations import edits
from geo.stations import sql as stations_sql

MAX_DETAILS = 500
MAX_COMMENT = 500
MAX_QUEUE = 500
#: Receipts: a source letter and ten characters people cannot misread (no 0/O, 1/I/L).
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 10
_RECEIPT = re.compile(r"^[PIS][" + RECEIPT_ALPHABET + "]{" + str(RECEIPT_LENGTH) + "}$")
_PHONE_CHARS = re.compile(r"^[0-9+\-() ]+$")
#: Who erases phones when the app does it by itself.
RETENTION_ACTOR = "system:retention"

Action = Literal["confirm", "dismiss", "fixed"]
ACTIONS: tuple[str, ...] = ("confirm", "dismiss", "fixed")
#: Which state each action needs and gives.
TRANSITIONS: dict[str, tuple[str, str]] = {
    "confirm": ("new", "confirmed"),
    "dismiss": ("new", "dismissed"),
    "fixed": ("confirmed", "fixed"),
}


@dataclass(frozen=True)
class Report:
    """What a person sent: the station, the category and the optional rest."""

    station_id: int
    category: str
    service: str | None = None
    details: str | None = None
    phone: str | None = None
    photo: bytes | None = None


@dataclass(frozen=True)
class Receipt:
    """The answer to a report: its receipt (or that of the problem it was collapsed into)."""

    receipt: str
    state: str
    merged: bool

    @property
    def message(self) -> str:
        """The Chinese sentence for the person."""
        if self.merged:
            return f"已有人反映过这个问题，您的反映已合并，回执号 {self.receipt}。感谢！"
        return f"已收到您的反映，回执号 {self.receipt}，工作人员核实后处理。感谢！"

    @property
    def message_en(self) -> str:
        """The English sentence for the person."""
        if self.merged:
            return (
                f"This problem was already reported; your report was added to it, "
                f"receipt {self.receipt}. Thank you!"
            )
        return f"Report received, receipt {self.receipt}; staff will check it. Thank you!"


# ----------------------------------------------------------------- validation


def _bad(field: str, zh: str, en: str, value: Any = None) -> InvalidInput:
    details: dict[str, Any] = {"field": field}
    if value is not None:
        details["value"] = value
    return InvalidInput(zh, en, details=details)


def check_category(value: str | None) -> str:
    """A problem category code (:data:`geo.vocab.PROBLEM_CATEGORIES`)."""
    code = (value or "").strip()
    if code not in vocab.PROBLEM_CATEGORIES:
        names = "、".join(f"{c}（{t.zh}）" for c, t in vocab.PROBLEM_CATEGORIES.items())
        raise _bad(
            "category",
            f"未知的问题类别「{code}」，可选：{names}",
            f"unknown problem category '{code}': use one of {', '.join(vocab.PROBLEM_CATEGORIES)}",
            code,
        )
    return code


def check_phone(value: str | None) -> str | None:
    """An optional phone, checked loosely: digits with + - ( ) and spaces, 5 to 20 digits."""
    text = (value or "").strip()
    if not text:
        return None
    digits = re.sub(r"\D", "", text)
    if len(text) > 30 or not _PHONE_CHARS.match(text) or not 5 <= len(digits) <= 20:
        raise _bad(
            "phone",
            "电话号码无效：请只填写数字（可含 + - 和空格），5 到 20 位；也可以不填",
            "the phone number is invalid: digits only (with + - and spaces), 5 to 20 "
            "of them; or leave it empty",
        )
    return text


def check_details(value: str | None) -> str | None:
    """Optional words, at most :data:`MAX_DETAILS` characters."""
    text = (value or "").strip()
    if len(text) > MAX_DETAILS:
        raise _bad(
            "details",
            f"问题描述过长：{len(text)} 字，上限 {MAX_DETAILS} 字",
            f"the description is too long: {len(text)} characters, the limit is {MAX_DETAILS}",
        )
    return text or None


def _service(code: str, value: str | None, station: dict[str, Any]) -> str | None:
    service = (value or "").strip() or None
    declared = list(station["services"] or [])
    if code != "service_missing":
        if service is not None:
            raise _bad(
                "service",
                "只有「服务缺失」类别才需要选择服务项目",
                "a service is only given with category service_missing",
                service,
            )
        return None
    if service is None or service not in declared:
        names = "、".join(f"{s}（{vocab.SERVICES[s].zh}）" for s in declared if s in vocab.SERVICES)
        raise _bad(
            "service",
            f"请选择缺失的服务项目，须是本站提供的服务：{names or '本站未登记服务'}",
            f"name the missing service, one the station declares: {', '.join(declared) or 'none'}",
            service,
        )
    return service


def normalise_receipt(value: str) -> str:
    """A receipt as stored (upper case, no spaces or dashes), or NotFound."""
    text = re.sub(r"[\s-]", "", value or "").upper()
    if not _RECEIPT.match(text):
        raise _no_receipt(value)
    return text


def _no_receipt(value: str) -> NotFound:
    return NotFound(f"没有回执号为「{value}」的问题", f"no problem with receipt '{value}'")


def new_receipt(source: str = "public") -> str:
    """A fresh receipt: ``P`` (public), ``I`` (inspection) or ``S`` (staff) and ten random
    characters (about 50 bits: not guessable)."""
    letter = {"public": "P", "inspection": "I", "staff": "S"}[source]
    return letter + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


# ----------------------------------------------------------------- public reports


def _check_limits(
    conn: psycopg.Connection[Any],
    client_hash: str,
    station_id: int,
    settings: OperationsSettings,
    now: dt.datetime,
) -> None:
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    n, oldest = db.reports_since(conn, client_hash=client_hash, station_id=None, since=now - hour)
    if n >= settings.report_max_per_client_hour:
        raise RateLimited(
            f"您在一小时内已反映 {n} 次，请稍后再试",
            f"you have sent {n} reports within an hour: try again later",
            retry_after_s=_wait(oldest, hour, now),
            details={"limit": settings.report_max_per_client_hour, "per": "client_hour"},
        )
    n, oldest = db.reports_since(conn, client_hash=None, station_id=station_id, since=now - day)
    if n >= settings.report_max_per_station_day:
        raise RateLimited(
            f"这个站点今天已收到 {n} 条反映，工作人员会尽快处理，请明天再报",
            f"this station has had {n} reports in a day; staff will handle them: "
            "try again tomorrow",
            retry_after_s=_wait(oldest, day, now),
            details={"limit": settings.report_max_per_station_day, "per": "station_day"},
        )


def _wait(oldest: dt.datetime | None, window: dt.timedelta, now: dt.datetime) -> int:
    """Seconds until the oldest counted report leaves the window (at least one)."""
    if oldest is None:
        return 1
    return max(1, int((oldest + window - now).total_seconds()) + 1)


def submit_report(
    conn: psycopg.Connection[Any],
    report: Report,
    client: str,
    settings: OperationsSettings,
) -> Receipt:
    """Store a public report (or collapse it into the open one) in one transaction.

    ``client`` is the client's address; only its keyed hash is kept. Raises NotFound for a
    station the public does not see, InvalidInput for bad fields or a photo that is not an
    image, RateLimited over the limits.
    """
    code = check_category(report.category)
    words, contact = check_details(report.details), check_phone(report.phone)
    station = stations_sql.station(conn, report.station_id)
    if station is None:
        raise NotFound(
            f"没有编号为 {report.station_id} 的开放站点",
            f"no open station with id {report.station_id}",
        )
    service = _service(code, report.service, station)
    photo: CleanPhoto | None = clean_photo(report.photo, settings) if report.photo else None
    client_hash = privacy.keyed_hash(privacy.hash_key(conn, settings), client)
    now = clock.now()
    with conn.transaction():
        set_actor(conn, "public")
        db.lock_station_reports(conn, report.station_id)
        _check_limits(conn, client_hash, report.station_id, settings, now)
        open_one = db.lock_open(conn, report.station_id, code)
        if open_one is not None:
            row = db.add_report(conn, open_one["id"], now)
            db.log_report(conn, row["id"], report.station_id, client_hash, now, merged=True)
            merged = True
        else:
            photo_id = photos_db.store_photo(conn, photo) if photo is not None else None
            values = {
                "receipt": new_receipt("public"),
                "station_id": report.station_id,
                "category": code,
                "service": service,
                "details": words,
                "photo_id": photo_id,
                "phone": contact,
                "source": "public",
                "client_hash": client_hash,
                "inspection_id": None,
                "at": now,
            }
            row = db.insert_problem(conn, values)
            db.log_report(conn, row["id"], report.station_id, client_hash, now, merged=False)
            merged = False
    purge_phones(conn, settings)
    return Receipt(receipt=row["receipt"], state=row["state"], merged=merged)


def record_problem(  # noqa: PLR0913 - the problem's fields
    conn: psycopg.Connection[Any],
    *,
    station_id: int,
    category: str,
    source: str,
    inspection_id: int | None = None,
    details: str | None = None,
    service: str | None = None,
    photo_id: int | None = None,
) -> Receipt:
    """Record a problem staff found (``source`` ``inspection`` or ``staff``) inside the
    caller's transaction (the caller names the actor): collapsed into the open problem of
    the same station and category like a public report, else a new one with an ``I`` or
    ``S`` receipt. For inspections' failed items (the inspections part of #15)."""
    if source not in ("inspection", "staff"):
        raise _bad("source", f"来源「{source}」无效", f"source '{source}' is invalid", source)
    code = check_category(category)
    if (service is not None) != (code == "service_missing"):
        raise _bad(
            "service",
            "「服务缺失」须注明服务项目，其他类别不填",
            "a service is given with category service_missing, and only then",
        )
    now = clock.now()
    db.lock_station_reports(conn, station_id)
    open_one = db.lock_open(conn, station_id, code)
    if open_one is not None:
        row = db.add_report(conn, open_one["id"], now)
        return Receipt(receipt=row["receipt"], state=row["state"], merged=True)
    values = {
        "receipt": new_receipt(source),
        "station_id": station_id,
        "category": code,
        "service": service,
        "details": check_details(details),
        "photo_id": photo_id,
        "phone": None,
        "source": source,
        "client_hash": None,
        "inspection_id": inspection_id,
        "at": now,
    }
    row = db.insert_problem(conn, values)
    return Receipt(receipt=row["receipt"], state=row["state"], merged=False)


def receipt_state(conn: psycopg.Connection[Any], receipt: str) -> dict[str, Any]:
    """What a receipt's holder may know: the state (with its labels) and the dates."""
    row = db.by_receipt(conn, normalise_receipt(receipt))
    if row is None:
        raise _no_receipt(receipt)
    term = vocab.PROBLEM_STATES[row["state"]]
    return {
        "receipt": row["receipt"],
        "state": row["state"],
        "state_zh": term.zh,
        "state_en": term.en,
        "reported_at": row["created_at"],
        "resolved_at": row["resolved_at"],
    }


# ----------------------------------------------------------------- public read side


def station_notices(conn: psycopg.Connection[Any], station_id: int) -> dict[str, Any]:
    """``last_verified_on`` (the city's date of the last inspection, or None) and
    ``notices`` (the categories of confirmed open problems, with their labels and since
    when), for the public sheet of one station."""
    zone = clock.zone()
    verified = db.last_verified(conn, station_id)
    notices = []
    for row in db.confirmed_notices(conn, station_id):
        term = vocab.PROBLEM_CATEGORIES[row["category"]]
        since = row["since"]
        notices.append(
            {
                "category": row["category"],
                "label": term.zh,
                "label_en": term.en,
                "since": since.astimezone(zone).date() if since else None,
            }
        )
    return {
        "last_verified_on": verified.astimezone(zone).date() if verified else None,
        "notices": notices,
    }


# ----------------------------------------------------------------- staff


@dataclass(frozen=True)
class QueueFilter:
    """Which problems the queue lists."""

    state: str | None = None
    station_id: int | None = None
    category: str | None = None
    source: str | None = None
    limit: int = 200


def _choice(field: str, value: str | None, terms: dict[str, vocab.Term]) -> str | None:
    code = (value or "").strip() or None
    if code is not None and code not in terms:
        raise _bad(
            field,
            f"{field}「{code}」无效，可选：{'、'.join(terms)}",
            f"{field} '{code}' is invalid: use one of {', '.join(terms)}",
            code,
        )
    return code


def queue_filter(  # noqa: PLR0913 - the queue's filters, as sent
    state: str | None = None,
    station_id: int | None = None,
    category: str | None = None,
    source: str | None = None,
    limit: int = 200,
) -> QueueFilter:
    """The filters checked against the vocabularies."""
    if not 1 <= limit <= MAX_QUEUE:
        raise _bad(
            "limit",
            f"数量上限 limit={limit} 无效：请填写 1 到 {MAX_QUEUE} 之间的整数",
            f"limit={limit} is invalid: give a whole number from 1 to {MAX_QUEUE}",
        )
    return QueueFilter(
        state=_choice("state", state, vocab.PROBLEM_STATES),
        station_id=station_id,
        category=_choice("category", category, vocab.PROBLEM_CATEGORIES),
        source=_choice("source", source, vocab.PROBLEM_SOURCES),
        limit=limit,
    )


def _staff_view(row: dict[str, Any]) -> dict[str, Any]:
    """A problem as staff see it: the phone masked, labels, the time to resolve."""
    out = dict(row)
    out["phone"] = privacy.mask_phone(row["phone"])
    cat = vocab.PROBLEM_CATEGORIES[row["category"]]
    state = vocab.PROBLEM_STATES[row["state"]]
    source = vocab.PROBLEM_SOURCES[row["source"]]
    out.update(
        category_zh=cat.zh,
        category_en=cat.en,
        state_zh=state.zh,
        state_en=state.en,
        source_zh=source.zh,
        source_en=source.en,
        service_zh=vocab.SERVICES[row["service"]].zh if row["service"] in vocab.SERVICES else None,
        resolve_seconds=(
            int((row["resolved_at"] - row["created_at"]).total_seconds())
            if row["resolved_at"]
            else None
        ),
        actions=[a for a, (need, _) in TRANSITIONS.items() if need == row["state"]],
    )
    return out


def staff_queue(
    conn: psycopg.Connection[Any], where: QueueFilter, settings: OperationsSettings
) -> list[dict[str, Any]]:
    """The staff queue, newest report first, phones masked (old phones erased first)."""
    purge_phones(conn, settings)
    rows = db.queue(
        conn,
        state=where.state,
        station_id=where.station_id,
        category=where.category,
        source=where.source,
        limit=where.limit,
    )
    return [_staff_view(r) for r in rows]


def decide(  # noqa: PLR0913 - the decision and its options
    conn: psycopg.Connection[Any],
    user: User,
    problem_id: int,
    action: str,
    *,
    comment: str | None = None,
    close_station: bool = False,
    reopen_station: bool = False,
) -> dict[str, Any]:
    """Confirm, dismiss or mark fixed one problem (reviewers and admins), audited with
    ``user`` as the actor. ``close_station`` (confirming a ``closed``) sets the station
    temporarily closed; ``reopen_station`` (fixing a problem that closed it) opens it
    again. Conflict (409) for a transition the problem's state does not allow."""
    require_role(user, REVIEWERS)
    if action not in TRANSITIONS:
        raise _bad(
            "action",
            f"未知的操作「{action}」，可选：confirm（确认）、dismiss（不属实）、fixed（已整改）",
            f"unknown action '{action}': use confirm, dismiss or fixed",
            action,
        )
    note = (comment or "").strip() or None
    if note is not None and len(note) > MAX_COMMENT:
        raise _bad(
            "comment",
            f"处理意见过长：{len(note)} 字，上限 {MAX_COMMENT} 字",
            f"the comment is too long: {len(note)} characters, the limit is {MAX_COMMENT}",
        )
    need, becomes = TRANSITIONS[action]
    now = clock.now()
    with conn.transaction():
        set_actor(conn, user.name, note)
        row = db.lock(conn, problem_id)
        if row is None:
            raise NotFound(f"没有编号为 {problem_id} 的问题", f"no problem with id {problem_id}")
        if row["state"] != need:
            state = vocab.PROBLEM_STATES[row["state"]]
            raise Conflict(
                f"问题当前为「{state.zh}」，不能{_ACTION_ZH[action]}",
                f"the problem is {state.en}: it cannot be {_ACTION_EN[action]}",
                details={"state": row["state"], "action": action},
            )
        if close_station and (action != "confirm" or row["category"] != "closed"):
            raise _bad(
                "close_station",
                "只有确认「驿站关闭」类问题时才能同时暂停站点",
                "close_station is only for confirming a problem of category closed",
            )
        if reopen_station and (action != "fixed" or not row["closed_station"]):
            raise _bad(
                "reopen_station",
                "只有将已暂停站点的问题标记为已整改时才能重新开放站点",
                "reopen_station is only for marking fixed a problem that closed its station",
            )
        changes: dict[str, Any] = {"state": becomes, "comment": note or row["comment"]}
        if action in ("confirm", "dismiss"):
            changes.update(decided_by=user.name, decided_at=now)
        if action in ("dismiss", "fixed"):
            changes.update(resolved_by=user.name, resolved_at=now)
        if close_station:
            changes["closed_station"] = _close_station(conn, user, row, note)
        if reopen_station:
            _reopen_station(conn, user, row, note)
        db.decide(conn, problem_id, changes)
    out = db.get(conn, problem_id)
    assert out is not None
    return _staff_view(out)


_ACTION_ZH = {"confirm": "确认", "dismiss": "判为不属实", "fixed": "标记为已整改"}
_ACTION_EN = {"confirm": "confirmed", "dismiss": "dismissed", "fixed": "marked fixed"}


def _station_conflict(row: dict[str, Any], status: str, what_zh: str, what_en: str) -> Conflict:
    term = vocab.STATUSES[status]
    return Conflict(
        f"站点当前为「{term.zh}」，不能{what_zh}；请在站点页面处理",
        f"the station is {term.en}: it cannot be {what_en}; change it on its own page",
        details={"station_id": row["station_id"], "status": status},
    )


def _close_station(
    conn: psycopg.Connection[Any], user: User, row: dict[str, Any], note: str | None
) -> bool:
    """Set an open station temporarily closed; True when this decision closed it (a
    station someone already closed stays as it is and is not this problem's to reopen)."""
    status = edits.get_station(conn, row["station_id"])["status"]
    if status == "temporarily_closed":
        return False
    if status != "open":
        raise _station_conflict(row, status, "暂停开放", "closed temporarily")
    _set_station_status(conn, user, row, "temporarily_closed", note)
    return True


def _reopen_station(
    conn: psycopg.Connection[Any], user: User, row: dict[str, Any], note: str | None
) -> None:
    """Open again the station this problem closed, if it is still temporarily closed (a
    station closed for good since stays closed: 409)."""
    status = edits.get_station(conn, row["station_id"])["status"]
    if status == "open":
        return
    if status != "temporarily_closed":
        raise _station_conflict(row, status, "重新开放", "reopened")
    _set_station_status(conn, user, row, "open", note)


def _set_station_status(
    conn: psycopg.Connection[Any], user: User, row: dict[str, Any], status: str, note: str | None
) -> None:
    """The station's own status path (audited there), inside the decision's transaction."""
    station = edits.get_station(conn, row["station_id"])
    reason = f"问题报告 {row['receipt']}" + (f"：{note}" if note else "")
    edits.change_status(conn, user, row["station_id"], station["version"], status, reason=reason)
    set_actor(conn, user.name, note)


def staff_photo(conn: psycopg.Connection[Any], photo_id: int) -> CleanPhoto:
    """A stored photo for staff, or NotFound."""
    photo = photos_db.read_photo(conn, photo_id)
    if photo is None:
        raise NotFound(f"没有编号为 {photo_id} 的照片", f"no photo with id {photo_id}")
    return photo


# ----------------------------------------------------------------- privacy


def purge_phones(
    conn: psycopg.Connection[Any], settings: OperationsSettings, actor: str = RETENTION_ACTOR
) -> int:
    """Erase (set NULL, audited) the phone of every problem older than
    ``phone_retention_days``; returns how many. Cheap: an indexed update that usually
    finds nothing, so the app runs it on each report and each queue read."""
    before = clock.now() - dt.timedelta(days=settings.phone_retention_days)
    with conn.transaction():
        set_actor(conn, actor, "phone retention")
        return db.erase_phones(conn, before)
