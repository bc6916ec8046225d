"""The union's targets: coverage shares and new-station counts by a deadline.

Set, listed and removed by ``yizhan targets``; every change is audited by the database
(``target_audit``: who, why, before, after). A target is keyed by (kind, metric, deadline):
setting one that exists changes its value.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import psycopg

from geo import clock
from geo.db import targets as targets_db
from geo.db.connection import set_actor
from geo.errors import InvalidInput, NotFound
from geo.vocab import KINDS, TARGET_METRICS


@dataclass(frozen=True)
class Target:
    """A validated target."""

    kind: str
    metric: str
    value: float
    deadline: dt.date
    starts_on: dt.date | None = None
    note: str | None = None

    def as_row(self) -> dict[str, Any]:
        """The target as a ``targets`` table row."""
        return {
            "kind": self.kind,
            "metric": self.metric,
            "value": self.value,
            "deadline": self.deadline,
            "starts_on": self.starts_on,
            "note": self.note,
        }


def _date(text: str | dt.date | None, field: str) -> dt.date | None:
    if text is None or isinstance(text, dt.date):
        day = text
    else:
        try:
            day = dt.date.fromisoformat(str(text).strip())
        except ValueError:
            raise InvalidInput(
                f"{field}「{text}」不是有效日期，请使用 YYYY-MM-DD 格式",
                f"{field} '{text}' is not a valid date: use the YYYY-MM-DD format",
                details={"field": field},
            ) from None
    return None if day is None else clock.check_in_range(day, field)


def _value(text: str | float, metric: str) -> float:
    """A coverage share (``0.95`` or ``95%``) or a whole number of stations."""
    raw = str(text).strip()
    percent = raw.endswith("%") or raw.endswith("％")
    try:
        value = float(raw.rstrip("%％")) / (100 if percent else 1)
    except ValueError:
        raise InvalidInput(
            f"目标值「{text}」不是数字",
            f"the target value '{text}' is not a number",
            details={"field": "value"},
        ) from None
    if metric == "new_stations":
        if percent or not math.isfinite(value) or value < 1 or value != int(value):
            raise InvalidInput(
                f"新建站点数必须是正整数，收到「{text}」",
                f"a number of new stations must be a whole number of at least 1; got '{text}'",
                details={"field": "value"},
            )
        return value
    if not (math.isfinite(value) and 0 < value <= 1):
        raise InvalidInput(
            f"覆盖率目标必须在 0 到 1 之间（例如 0.95 或 95%），收到「{text}」",
            f"a coverage target must be more than 0 and at most 1 (e.g. 0.95 or 95%); got '{text}'",
            details={"field": "value"},
        )
    return value


def parse_target(
    kind: str,
    metric: str,
    value: str | float,
    deadline: str | dt.date,
    *,
    starts_on: str | dt.date | None = None,
    note: str | None = None,
) -> Target:
    """Check a target as a person typed it.

    Raises
    ------
    InvalidInput
        Unknown kind or metric; a value that is not a share in (0, 1] (coverage) or a
        whole number >= 1 (new stations); a bad date, or a start not before the deadline.
    """
    if kind not in KINDS:
        raise InvalidInput(
            f"未知的站点类型「{kind}」，可选：{', '.join(KINDS)}",
            f"unknown station kind '{kind}': use one of {', '.join(KINDS)}",
            details={"field": "kind"},
        )
    if metric not in TARGET_METRICS:
        raise InvalidInput(
            f"未知的目标指标「{metric}」，可选：{', '.join(TARGET_METRICS)}",
            f"unknown target metric '{metric}': use one of {', '.join(TARGET_METRICS)}",
            details={"field": "metric"},
        )
    end = _date(deadline, "deadline")
    start = _date(starts_on, "starts_on")
    assert end is not None
    if start is not None and start >= end:
        raise InvalidInput(
            f"开始日期 starts_on {start} 必须早于截止日期 deadline {end}",
            f"starts_on {start} must be before the deadline {end}",
            details={"field": "starts_on"},
        )
    if start is not None and metric != "new_stations":
        raise InvalidInput(
            "只有新建站点数目标才有开始日期 starts_on",
            "only a new_stations target has a start date (starts_on)",
            details={"field": "starts_on"},
        )
    text = (note or "").strip() or None
    return Target(kind, metric, _value(value, metric), end, start, text)


def set_target(conn: psycopg.Connection[Any], target: Target) -> dict[str, Any]:
    """Insert the target, or change the one with the same kind, metric and deadline.
    Call inside a transaction whose actor is set (the audit names them)."""
    targets_db.upsert(conn, [target.as_row()])
    return targets_db.get(conn, target.kind, target.metric, target.deadline)


def remove_target(
    conn: psycopg.Connection[Any], kind: str, metric: str, deadline: str | dt.date
) -> dict[str, Any]:
    """Remove a target (its audit rows stay). Raises NotFound when there is none."""
    day = _date(deadline, "deadline")
    assert day is not None
    row = targets_db.delete(conn, kind, metric, day)
    if row is None:
        raise NotFound(
            f"没有这个目标：{kind} {metric} {day}",
            f"no such target: {kind} {metric} {day}",
        )
    return row


def save_target(
    conn: psycopg.Connection[Any], actor: str, target: Target, reason: str | None = None
) -> dict[str, Any]:
    """Set ``target`` in its own transaction, audited as ``actor`` with ``reason`` (the
    console and the API; the CLI opens its own transaction)."""
    with conn.transaction():
        set_actor(conn, actor, reason)
        return set_target(conn, target)


def drop_target(  # noqa: PLR0913 - the target's key, who and why
    conn: psycopg.Connection[Any],
    actor: str,
    kind: str,
    metric: str,
    deadline: str | dt.date,
    reason: str,
) -> dict[str, Any]:
    """Remove a target in its own transaction, audited as ``actor`` with ``reason``."""
    if not reason.strip():
        raise InvalidInput(
            "删除目标需要填写原因", "removing a target needs a reason", details={"field": "reason"}
        )
    with conn.transaction():
        set_actor(conn, actor, reason.strip())
        return remove_target(conn, kind, metric, deadline)


def list_targets(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every target, by deadline."""
    return targets_db.all_targets(conn)


def history(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every change to the targets, oldest first."""
    return targets_db.audit(conn)
