"""Saved what-if scenarios: named, audited, archived (never deleted), evaluated on demand
with the what-if engine. Not public and never part of the official figures.

Each write runs in its own transaction with the acting user named for the audit trigger
(migration 0017); a name is unique among the active scenarios (409 otherwise).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from geo.coverage import service
from geo.coverage.changes import parse_changes
from geo.coverage.whatif_service import whatif
from geo.db import scenarios as scenarios_db
from geo.db.connection import set_actor
from geo.errors import Conflict, InvalidInput, NotFound, StaleVersion

MAX_NOTE_CHARS = 1000
MAX_NAME_CHARS = 100
MAX_COMPARE = 10


def _name(name: str) -> str:
    n = (name or "").strip()
    if not 1 <= len(n) <= MAX_NAME_CHARS:
        raise InvalidInput(
            f"方案名称必须是 1 到 {MAX_NAME_CHARS} 个字符",
            f"a scenario's name must be 1 to {MAX_NAME_CHARS} characters",
            details={"field": "name"},
        )
    return n


def _note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(
            f"备注最多 {MAX_NOTE_CHARS} 个字符",
            f"the note has at most {MAX_NOTE_CHARS} characters",
            details={"field": "note"},
        )
    return note.strip()


def _checked(  # noqa: PLR0913 - the scenario's fields
    name: str,
    kind: str,
    as_of: dt.date,
    distance_m: float | None,
    changes: Any,
    note: str | None,
) -> tuple[str, service.Question, list[dict[str, Any]], str | None]:
    q = service.question(as_of, kind, distance_m)
    parse_changes(changes)  # refuse malformed changes before anything is stored
    return _name(name), q, list(changes), _note(note)


def _name_free(conn: psycopg.Connection[Any], name: str, scenario_id: int | None = None) -> None:
    other = scenarios_db.active_named(conn, name)
    if other is not None and other["id"] != scenario_id:
        raise Conflict(
            f"已有名为「{name}」的方案（编号 {other['id']}）：请换一个名称或先归档它",
            f"a scenario named '{name}' already exists (id {other['id']}): choose another "
            "name or archive it first",
            details={"field": "name", "id": other["id"]},
        )


def create(  # noqa: PLR0913 - who, and the scenario's fields
    conn: psycopg.Connection[Any],
    actor: str,
    name: str,
    kind: str,
    as_of: dt.date,
    distance_m: float | None,
    changes: Any,
    note: str | None = None,
) -> dict[str, Any]:
    """Save a new scenario, audited as ``actor``."""
    name, q, changes, note = _checked(name, kind, as_of, distance_m, changes, note)
    with conn.transaction():
        set_actor(conn, actor)
        scenarios_db.lock_name(conn, name)
        _name_free(conn, name)
        return scenarios_db.insert(conn, name, q.kind, q.as_of, distance_m, changes, note)


def get(conn: psycopg.Connection[Any], scenario_id: int) -> dict[str, Any]:
    """One scenario or NotFound."""
    row = scenarios_db.get(conn, scenario_id)
    if row is None:
        raise NotFound(f"没有编号为 {scenario_id} 的方案", f"there is no scenario {scenario_id}")
    return row


def update(  # noqa: PLR0913 - who, which version, and the scenario's fields
    conn: psycopg.Connection[Any],
    actor: str,
    scenario_id: int,
    version: int | None,
    name: str,
    kind: str,
    as_of: dt.date,
    distance_m: float | None,
    changes: Any,
    note: str | None = None,
) -> dict[str, Any]:
    """Replace a scenario's content (``version``: the If-Match, 412 when stale)."""
    name, q, changes, note = _checked(name, kind, as_of, distance_m, changes, note)
    with conn.transaction():
        set_actor(conn, actor)
        scenarios_db.lock_name(conn, name)
        current = scenarios_db.get(conn, scenario_id, for_update=True)
        if current is None:
            raise NotFound(
                f"没有编号为 {scenario_id} 的方案", f"there is no scenario {scenario_id}"
            )
        _check_version(current, version)
        if current["archived"]:
            raise Conflict(
                f"方案 {scenario_id} 已归档，不能再修改", f"scenario {scenario_id} is archived"
            )
        _name_free(conn, name, scenario_id)
        row = scenarios_db.update(
            conn, scenario_id, name, q.kind, q.as_of, distance_m, changes, note
        )
        assert row is not None
        return row


def _check_version(current: dict[str, Any], version: int | None) -> None:
    if version is not None and version != current["version"]:
        raise StaleVersion(
            f"方案已被他人修改（当前版本 {current['version']}，你的版本 {version}）：请刷新后再改",
            f"the scenario was changed meanwhile (now version {current['version']}, yours "
            f"{version}): reload it and try again",
            details={"version": current["version"]},
        )


def archive(
    conn: psycopg.Connection[Any], actor: str, scenario_id: int, version: int | None = None
) -> dict[str, Any]:
    """Archive a scenario (kept, audited; its name is free again)."""
    with conn.transaction():
        set_actor(conn, actor)
        current = scenarios_db.get(conn, scenario_id, for_update=True)
        if current is None:
            raise NotFound(
                f"没有编号为 {scenario_id} 的方案", f"there is no scenario {scenario_id}"
            )
        _check_version(current, version)
        row = scenarios_db.archive(conn, scenario_id)
        assert row is not None
        return row


def list_scenarios(
    conn: psycopg.Connection[Any], *, archived: bool = False
) -> list[dict[str, Any]]:
    """Active scenarios, newest first (archived ones too with ``archived``)."""
    return scenarios_db.list_all(conn, archived=archived)


def result(conn: psycopg.Connection[Any], scenario_id: int) -> dict[str, Any]:
    """A scenario evaluated now, against the current data, with the what-if engine."""
    row = get(conn, scenario_id)
    q = service.question(row["as_of"], row["kind"], row["distance_m"])
    return {**whatif(conn, q, row["changes"]), "saved": row}


def parse_ids(text: str) -> list[int]:
    """``"1,2,3"`` as distinct ids (at most :data:`MAX_COMPARE`)."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if not parts or not all(p.isdigit() and 0 < int(p) < 2**62 for p in parts):
        raise InvalidInput(
            "ids 必须是用逗号分隔的方案编号，例如 1,2,3",
            "ids must be scenario ids separated by commas, e.g. 1,2,3",
            details={"field": "ids"},
        )
    ids = list(dict.fromkeys(int(p) for p in parts))
    if len(ids) > MAX_COMPARE:
        raise InvalidInput(
            f"一次最多比较 {MAX_COMPARE} 个方案",
            f"compare at most {MAX_COMPARE} scenarios",
            details={"field": "ids"},
        )
    return ids


def compare(conn: psycopg.Connection[Any], ids: list[int]) -> list[dict[str, Any]]:
    """Each scenario's figures and delta, side by side in the order asked."""
    rows = {r["id"]: r for r in scenarios_db.get_many(conn, ids)}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise NotFound(
            f"没有这些编号的方案：{', '.join(map(str, missing))}",
            f"no scenario with id {', '.join(map(str, missing))}",
            details={"ids": missing},
        )
    out = []
    for i in ids:
        row = rows[i]
        q = service.question(row["as_of"], row["kind"], row["distance_m"])
        r = whatif(conn, q, row["changes"])
        out.append(
            {
                "id": i,
                "name": row["name"],
                "archived": row["archived"],
                "version": row["version"],
                **{k: r[k] for k in ("as_of", "kind", "distance_m", "base", "scenario", "delta")},
                "stations": r["stations"],
                "elapsed_ms": r["elapsed_ms"],
            }
        )
    return out
