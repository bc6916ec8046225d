"""Inspections (巡查): a staff visit checking a station against the station standard.

The standard is a checklist: by default the items of :data:`geo.vocab.INSPECTION_ITEMS`,
or those of a JSON file (``YIZHAN_STANDARD_FILE``, :func:`load_standard` says its shape).
Its item ``services`` stands for one item per service the station declares
(``service:<code>``), so a station is checked for what it promises. Every item must be
answered: ok (合格), failed (不合格) or explicitly not checked (未检查, ``ok`` null).

Recording one (:func:`record_inspection`) is one transaction: the inspection with the
phone's position and its distance from the station (warned about beyond
``inspection_warn_m``, stored anyway), its photos (cleaned by :mod:`geo.photos`), and a
confirmed problem for each failed item unless the station already has an open one of
that category (and service). The inspection is the station's "last verified" (the view
``station_last_verified``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from geo import clock
from geo.db import inspections as db
from geo.db.connection import set_actor
from geo.db.photos import store_photo
from geo.errors import InvalidFile, InvalidInput, NotFound
from geo.photos import CleanPhoto, clean_photo
from geo.settings import OperationsSettings
from geo.stations import sql as stations_sql
from geo.vocab import INSPECTION_ITEMS, PROBLEM_CATEGORIES, SERVICES

#: The name stored with inspections made against the built-in checklist.
DEFAULT_STANDARD = "yizhan-default"
#: The standard's placeholder for "each declared service", and the prefix of its items.
SERVICES_ITEM = "services"
SERVICE_PREFIX = "service:"
#: The item whose answer is also the inspection's ``open_at_hours``.
HOURS_ITEM = "open_at_hours"
MAX_NOTE_CHARS = 300
MAX_COMMENT_CHARS = 1000
MAX_ITEMS = 60
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Item:
    """One checklist item: its code, its labels, and the service it checks (if any)."""

    code: str
    zh: str
    en: str
    service: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The item as the API lists it."""
        return {"code": self.code, "zh": self.zh, "en": self.en, "service": self.service}


@dataclass(frozen=True)
class Standard:
    """The station standard: its name (stored with each inspection) and its items, with
    ``services`` still unexpanded."""

    name: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Answer:
    """An answer to one item: ok (True), failed (False) or not checked (None)."""

    item: str
    ok: bool | None
    note: str | None = None


@dataclass(frozen=True)
class Position:
    """Where the inspector's phone was, in WGS-84 (GPS), with its accuracy in metres."""

    lon: float
    lat: float
    accuracy_m: float | None = None


@dataclass
class Outcome:
    """What recording an inspection did: the stored inspection, the problems it opened,
    the open problems that already covered a failed item, and the distance warning."""

    inspection: dict[str, Any]
    opened: list[dict[str, Any]] = field(default_factory=list)
    already_open: list[dict[str, Any]] = field(default_factory=list)
    warning: dict[str, str] | None = None


# ------------------------------------------------------------------ the standard


def default_standard() -> Standard:
    """The built-in checklist (:data:`geo.vocab.INSPECTION_ITEMS`)."""
    return Standard(
        DEFAULT_STANDARD, tuple(Item(t.code, t.zh, t.en) for t in INSPECTION_ITEMS.values())
    )


def _file_error(path: Path, zh: str, en: str) -> InvalidFile:
    return InvalidFile(f"站点标准文件 {path}：{zh}", f"station standard file {path}: {en}")


def _text(value: Any, path: Path, where: str, limit: int = 100) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _file_error(
            path,
            f"{where} 应为 1 到 {limit} 个字符的文字",
            f"{where} must be a text of 1 to {limit} characters",
        )
    return value.strip()


def _item(entry: Any, n: int, path: Path) -> Item:
    where = f"items[{n}]"
    if not isinstance(entry, dict):
        raise _file_error(path, f"{where} 应为对象", f"{where} must be an object")
    unknown = sorted(set(entry) - {"code", "zh", "en"})
    if unknown:
        raise _file_error(
            path, f"{where} 有未知字段 {unknown}", f"{where} has unknown fields {unknown}"
        )
    code = entry.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise _file_error(
            path,
            f"{where}.code 应为小写字母、数字和下划线（字母开头，最多 40 个）",
            f"{where}.code must be lowercase letters, digits and _ (a letter first, up to 40)",
        )
    default = INSPECTION_ITEMS.get(code)
    zh = entry.get("zh", default.zh if default else None)
    en = entry.get("en", default.en if default else None)
    return Item(code, _text(zh, path, f"{where}.zh"), _text(en, path, f"{where}.en"))


def parse_standard(data: Any, path: Path) -> Standard:
    """The standard in ``data`` (a file's parsed JSON), checked; errors name the file.

    The shape: ``{"name": "…", "items": [{"code": "clean", "zh": "…", "en": "…"}, …]}``.
    A code of the default checklist may omit its labels; ``services`` expands to the
    station's declared services.
    """
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise _file_error(
            path,
            '应为 {"name": …, "items": [{"code", "zh", "en"}, …]}',
            'must be {"name": …, "items": [{"code", "zh", "en"}, …]}',
        )
    name = _text(data.get("name"), path, "name", 60)
    entries = data["items"]
    if not 1 <= len(entries) <= MAX_ITEMS:
        raise _file_error(
            path, f"应有 1 到 {MAX_ITEMS} 个检查项", f"must have 1 to {MAX_ITEMS} items"
        )
    items = tuple(_item(entry, n, path) for n, entry in enumerate(entries))
    codes = [i.code for i in items]
    doubled = sorted({c for c in codes if codes.count(c) > 1})
    if doubled:
        raise _file_error(path, f"检查项重复：{doubled}", f"items listed twice: {doubled}")
    return Standard(name, items)


def load_standard(settings: OperationsSettings) -> Standard:
    """The station standard of ``settings`` (its file, read each time: a changed file
    applies to the next form), or the default checklist."""
    path = settings.standard_file
    if path is None:
        return default_standard()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _file_error(path, "文件不存在", "the file does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _file_error(
            path, f"不是 UTF-8 编码的 JSON（{exc}）", f"is not UTF-8 JSON ({exc})"
        ) from None
    return parse_standard(data, path)


def checklist_for(standard: Standard, services: list[str] | None) -> list[Item]:
    """The items of ``standard`` for a station declaring ``services``: ``services``
    becomes one item per declared service (none when it declares none)."""
    items: list[Item] = []
    for item in standard.items:
        if item.code != SERVICES_ITEM:
            items.append(item)
            continue
        for code in services or []:
            term = SERVICES.get(code)
            zh, en = (term.zh, term.en) if term else (code, code)
            items.append(Item(SERVICE_PREFIX + code, f"服务：{zh}", f"service: {en}", code))
    return items


# ------------------------------------------------------------------ the answers


def _bad(zh: str, en: str, **details: Any) -> InvalidInput:
    return InvalidInput(zh, en, details=details or None)


def parse_checklist(raw: str | list[Any]) -> list[Answer]:
    """The answers of a checklist given as JSON: ``[{"item", "ok": true|false|null,
    "note"}, …]``."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise _bad("检查表不是有效的 JSON", "the checklist is not valid JSON") from None
    if not isinstance(data, list) or len(data) > MAX_ITEMS * 2:
        raise _bad(
            '检查表应为 [{"item", "ok", "note"}, …]',
            'the checklist must be a list of {"item", "ok", "note"}',
        )
    answers = []
    for n, entry in enumerate(data):
        if not isinstance(entry, dict) or not isinstance(entry.get("item"), str):
            raise _bad(f"检查表第 {n + 1} 项缺少 item", f"checklist entry {n + 1} has no item")
        ok = entry.get("ok")
        if ok is not None and not isinstance(ok, bool):
            raise _bad(
                f"检查项 {entry['item'][:60]} 的 ok 应为 true、false 或 null",
                f"item {entry['item'][:60]}: ok must be true, false or null",
            )
        note = entry.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_CHARS):
            raise _bad(
                f"检查项 {entry['item'][:60]} 的备注最多 {MAX_NOTE_CHARS} 个字符",
                f"item {entry['item'][:60]}: the note has at most {MAX_NOTE_CHARS} characters",
            )
        answers.append(Answer(entry["item"], ok, (note or "").strip() or None))
    return answers


def check_answers(items: list[Item], answers: list[Answer]) -> dict[str, Answer]:
    """The answers by item, when they answer each item of ``items`` exactly once (ok,
    failed or not checked); else 422 naming the missing, unknown or doubled items."""
    codes = {i.code for i in items}
    given = [a.item for a in answers]
    unknown = sorted({c for c in given if c not in codes})
    if unknown:
        raise _bad(
            f"检查表中有不属于本站标准的项：{'、'.join(u[:60] for u in unknown)}",
            f"items not in this station's standard: {', '.join(u[:60] for u in unknown)}",
            unknown=unknown,
        )
    doubled = sorted({c for c in given if given.count(c) > 1})
    if doubled:
        raise _bad(
            f"检查项重复：{'、'.join(doubled)}", f"items answered twice: {', '.join(doubled)}"
        )
    missing = [i for i in items if i.code not in given]
    if missing:
        raise _bad(
            "每一项都要填写（合格、不合格或未检查）。未填写："
            + "、".join(f"{i.zh}（{i.code}）" for i in missing),
            "answer every item (ok, failed or not checked); missing: "
            + ", ".join(f"{i.en} ({i.code})" for i in missing),
            missing=[i.code for i in missing],
        )
    return {a.item: a for a in answers}


def check_position(
    lon: float | None, lat: float | None, accuracy_m: float | None
) -> Position | None:
    """The phone's WGS-84 position, both coordinates or neither (accuracy only with them)."""
    if lon is None and lat is None:
        if accuracy_m is not None:
            raise _bad("有精度却没有位置：请同时提供经纬度", "an accuracy without lon and lat")
        return None
    if lon is None or lat is None:
        raise _bad("经度和纬度要一起提供", "give both lon and lat, or neither")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _bad(
            "位置超出范围：经度 -180 到 180，纬度 -90 到 90（WGS-84）",
            "position out of range: lon -180..180, lat -90..90 (WGS-84)",
        )
    if accuracy_m is not None and not 0 <= accuracy_m <= 100_000:
        raise _bad("定位精度应在 0 到 100000 米之间", "accuracy must be 0 to 100000 metres")
    return Position(lon, lat, accuracy_m)


def _open_at_hours(answers: dict[str, Answer], given: bool | None) -> bool | None:
    from_item = answers[HOURS_ITEM].ok if HOURS_ITEM in answers else None
    if given is not None and from_item is not None and given != from_item:
        raise _bad(
            "“按公布时间开放”与检查表中的该项不一致",
            "open_at_hours disagrees with the checklist's open_at_hours item",
        )
    return given if given is not None else from_item


def problem_for(item: Item) -> tuple[str, str | None]:
    """The problem category (and service) a failed ``item`` opens."""
    if item.code == HOURS_ITEM:
        return "not_open_at_hours", None
    if item.service is not None:
        return "service_missing", item.service
    if item.code == "clean":
        return "dirty_or_broken", None
    return "other", None


def _details(item: Item, note: str | None) -> str:
    text = f"巡查不合格：{item.zh} / inspection failed: {item.en}"
    return (text + (f" — {note}" if note else ""))[:500]


def warning_for(distance_m: float | None, settings: OperationsSettings) -> dict[str, str] | None:
    """The warning of a position too far from the station, or None."""
    if distance_m is None or distance_m <= settings.inspection_warn_m:
        return None
    d, limit = round(distance_m), round(settings.inspection_warn_m)
    return {
        "message": f"巡查位置距站点 {d} 米，超过 {limit} 米：请确认是否在现场",
        "message_en": f"the position is {d} m from the station, more than {limit} m: "
        "were you on the spot?",
    }


# ------------------------------------------------------------------ recording


@dataclass(frozen=True)
class PhotoIn:
    """A photo as sent (raw bytes) and the checklist item it shows, if any."""

    data: bytes
    item: str | None = None


def _clean_photos(
    photos: list[PhotoIn], codes: set[str], settings: OperationsSettings
) -> list[tuple[CleanPhoto, str | None]]:
    if len(photos) > settings.inspection_max_photos:
        raise _bad(
            f"照片最多 {settings.inspection_max_photos} 张",
            f"at most {settings.inspection_max_photos} photos",
        )
    out = []
    for p in photos:
        if p.item is not None and p.item not in codes:
            raise _bad(
                f"照片所属检查项不存在：{p.item[:60]}", f"a photo names no item: {p.item[:60]}"
            )
        out.append((clean_photo(p.data, settings), p.item))
    return out


def station_checklist(
    conn: psycopg.Connection[Any], station_id: int, settings: OperationsSettings
) -> tuple[dict[str, Any], Standard, list[Item]]:
    """The station (404 when there is none), the standard and the station's checklist."""
    station = stations_sql.get(conn, station_id)
    if station is None:
        raise NotFound(f"没有编号为 {station_id} 的站点", f"no station with id {station_id}")
    standard = load_standard(settings)
    return station, standard, checklist_for(standard, station.get("services"))


def record_inspection(  # noqa: PLR0913 - one parameter per part of the form
    conn: psycopg.Connection[Any],
    actor: str,
    station_id: int,
    answers: list[Answer],
    settings: OperationsSettings,
    *,
    position: Position | None = None,
    open_at_hours: bool | None = None,
    comment: str | None = None,
    photos: list[PhotoIn] | None = None,
) -> Outcome:
    """Check and store an inspection in one transaction audited as ``actor`` (see the
    module's docstring); nothing is stored when anything is refused."""
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise _bad(
            f"说明最多 {MAX_COMMENT_CHARS} 个字符", f"at most {MAX_COMMENT_CHARS} characters"
        )
    _, standard, items = station_checklist(conn, station_id, settings)
    by_item = check_answers(items, answers)
    opened_flag = _open_at_hours(by_item, open_at_hours)
    cleaned = _clean_photos(photos or [], {i.code for i in items}, settings)
    checklist = [
        {
            "item": i.code,
            "zh": i.zh,
            "en": i.en,
            "ok": by_item[i.code].ok,
            "note": by_item[i.code].note,
        }
        for i in items
    ]
    failed = [i for i in items if by_item[i.code].ok is False]
    if opened_flag is False and HOURS_ITEM not in by_item:
        # a standard without the item: the form's answer still counts as a failed check
        hours = INSPECTION_ITEMS[HOURS_ITEM]
        failed.append(Item(HOURS_ITEM, hours.zh, hours.en))
    now = clock.now()
    with conn.transaction():
        set_actor(conn, actor)
        row = db.insert_inspection(
            conn,
            station_id=station_id,
            inspected_at=now,
            inspector=actor,
            standard=standard.name,
            checklist=checklist,
            open_at_hours=opened_flag,
            passed=not failed,
            position=(position.lon, position.lat) if position else None,
            accuracy_m=position.accuracy_m if position else None,
            comment=comment,
        )
        photo_of: dict[str, int] = {}
        for photo, shows in cleaned:
            photo_id = store_photo(conn, photo)
            db.link_photo(conn, row["id"], photo_id, shows)
            if shows is not None:
                photo_of.setdefault(shows, photo_id)
        outcome = Outcome(inspection=row, warning=warning_for(row["distance_m"], settings))
        db.lock_station_problems(conn, station_id)
        for item in failed:
            category, service = problem_for(item)
            existing = db.open_problem(conn, station_id, category, service)
            if existing is not None:
                outcome.already_open.append({**existing, "item": item.code})
                continue
            problem = db.insert_problem(
                conn,
                receipt=f"I{row['id']}-{len(outcome.opened) + 1}",
                station_id=station_id,
                category=category,
                service=service,
                details=_details(item, by_item[item.code].note if item.code in by_item else None),
                photo_id=photo_of.get(item.code),
                inspection_id=row["id"],
                decided_by=actor,
                at=now,
            )
            outcome.opened.append({**problem, "item": item.code})
        outcome.inspection = db.get_inspection(conn, row["id"]) or row
    return outcome


def history(
    conn: psycopg.Connection[Any], station_id: int, limit: int = 50
) -> list[dict[str, Any]]:
    """The station's inspections, newest first (404 for no such station)."""
    if stations_sql.get(conn, station_id) is None:
        raise NotFound(f"没有编号为 {station_id} 的站点", f"no station with id {station_id}")
    return db.inspections(conn, station_id=station_id, limit=limit)


def parse_day(text: str | None, field: str) -> dt.date | None:
    """A list's day (YYYY-MM-DD, 1990-2100), or None for none."""
    if text is None or not text.strip():
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _bad(
            f"{field} 不是有效日期：{text[:20]}（YYYY-MM-DD）",
            f"{field} is not a date: {text[:20]} (YYYY-MM-DD)",
        ) from None
    return clock.check_in_range(day, field)


def listing(
    conn: psycopg.Connection[Any],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    failed: bool | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Inspections of every station made from ``start`` to ``end`` (the city's days,
    both included), only failed (or passed) ones when ``failed`` says, newest first."""
    if start is not None and end is not None and end < start:
        raise _bad("结束日期早于开始日期", "'to' is before 'from'")
    zone = clock.zone()
    since = dt.datetime.combine(start, dt.time(), zone) if start else None
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone) if end else None
    return db.inspections(conn, since=since, until=until, failed=failed, limit=limit)


def category_label(category: str) -> tuple[str, str]:
    """A problem category's Chinese and English labels."""
    term = PROBLEM_CATEGORIES[category]
    return term.zh, term.en
