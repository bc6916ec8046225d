"""The changes of a what-if scenario: checked, converted to WGS-84 and resolved against the
operating stations of the base.

A scenario is a list of changes, applied in order::

    {"op": "add", "lon", "lat", "crs": "wgs84|gcj02|bd09", "id": "client id", "name"?}
    {"op": "remove", "station_id"}            (or "id": an added station)
    {"op": "move", "station_id" | "id", "lon", "lat", "crs"}

Every refusal is an :class:`~geo.errors.InvalidInput` naming the change's index and field
(``details: {"index", "field"}``), in Chinese and English.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from geo.coverage.whatif import Added, Base
from geo.crs import parse_crs, to_wgs84_point
from geo.errors import InvalidInput, UnknownCRS

OPS = ("add", "remove", "move")
MAX_CHANGES = 200
MAX_ID_CHARS = 64
MAX_NAME_CHARS = 100
MAX_STATION_ID = 2**62


@dataclass(frozen=True)
class Change:
    """One checked change; positions in WGS-84."""

    index: int
    op: str
    station_id: int | None = None
    id: str | None = None
    lon: float | None = None
    lat: float | None = None
    name: str | None = None


def _bad(index: int, field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(
        f"第 {index + 1} 项修改（index {index}）的「{field}」{zh}",
        f"change {index} (index from 0), field '{field}': {en}",
        details={"index": index, "field": field},
    )


def parse_changes(raw: Any) -> list[Change]:
    """Check the raw JSON list of changes (see the module docstring)."""
    if not isinstance(raw, list):
        raise InvalidInput(
            "changes 必须是修改的列表",
            "changes must be a list of changes",
            details={"field": "changes"},
        )
    if len(raw) > MAX_CHANGES:
        raise InvalidInput(
            f"一个方案最多 {MAX_CHANGES} 项修改，收到 {len(raw)} 项",
            f"a scenario has at most {MAX_CHANGES} changes; got {len(raw)}",
            details={"field": "changes"},
        )
    return [_parse_one(i, item) for i, item in enumerate(raw)]


def _parse_one(i: int, item: Any) -> Change:
    if not isinstance(item, dict):
        raise _bad(i, "op", "缺失：每项修改必须是对象", "each change must be an object with an op")
    op = item.get("op")
    if op not in OPS:
        raise _bad(i, "op", f"必须是 {' / '.join(OPS)}", f"must be one of {', '.join(OPS)}")
    unknown = set(item) - {"op", "station_id", "id", "lon", "lat", "crs", "name"}
    if unknown:
        f = sorted(unknown)[0]
        raise _bad(i, f, "是未知字段", "is not a field of a change")
    station_id = _station_id(i, item)
    cid = _client_id(i, item)
    if op == "add":
        if station_id is not None:
            raise _bad(i, "station_id", "不用于新增站点", "is not used when adding a station")
        if cid is None:
            raise _bad(i, "id", "缺失：新增站点需要一个客户端编号", "is required to add a station")
    elif (station_id is None) == (cid is None):
        raise _bad(i, "station_id", "和 id 必须二选一", "give exactly one of station_id and id")
    name = item.get("name")
    if "name" in item and (
        not isinstance(name, str) or "\x00" in name or len(name) > MAX_NAME_CHARS
    ):
        raise _bad(i, "name", f"必须是不超过 {MAX_NAME_CHARS} 字的文字", "must be short text")
    if op == "remove":
        for f in ("lon", "lat", "crs"):
            if f in item:
                raise _bad(i, f, "不用于停用站点", "is not used to switch a station off")
        return Change(i, op, station_id, cid)
    lon, lat = _position(i, item)
    return Change(i, op, station_id, cid, lon, lat, name)


def _station_id(i: int, item: dict[str, Any]) -> int | None:
    v = item.get("station_id")
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= MAX_STATION_ID:
        raise _bad(i, "station_id", "必须是正整数", "must be a positive integer")
    return int(v)


def _client_id(i: int, item: dict[str, Any]) -> str | None:
    v = item.get("id")
    if v is None:
        return None
    if not isinstance(v, str) or "\x00" in v or not 1 <= len(v.strip()) <= MAX_ID_CHARS:
        raise _bad(i, "id", f"必须是 1 到 {MAX_ID_CHARS} 个字符的文字", "must be short text")
    return v.strip()


def _position(i: int, item: dict[str, Any]) -> tuple[float, float]:
    try:
        crs = parse_crs(item.get("crs", "wgs84"))
    except UnknownCRS as exc:
        raise _bad(i, "crs", "必须是 wgs84、gcj02 或 bd09", "must be wgs84, gcj02 or bd09") from exc
    for f, limit in (("lon", 180.0), ("lat", 90.0)):
        v = item.get(f)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise _bad(i, f, "缺失或不是数字", "is missing or not a number")
        if not -limit <= v <= limit:
            raise _bad(i, f, f"必须在 -{limit:g} 到 {limit:g} 之间", f"must be within ±{limit:g}")
    return to_wgs84_point(float(item["lon"]), float(item["lat"]), crs)


@dataclass
class Resolved:
    """Changes applied to a base: the positions of the switched-off stations, the
    stations built, and which change placed each built station (for messages)."""

    removed: list[int]
    added: list[Added]
    placed_by: list[int]


def resolve(base: Base, changes: list[Change]) -> Resolved:
    """Apply ``changes`` in order to the base's operating stations.

    Raises
    ------
    InvalidInput
        A station that is not operating in the base or was already switched off (a moved
        station may be moved again or switched off), an added id used twice, a move or
        removal of an id never added.
    """
    removed: dict[int, int] = {}  # position -> change index
    added: dict[str, tuple[Added, int]] = {}
    for c in changes:
        if c.station_id is not None:
            pos = base.position(c.station_id)
            if pos is None:
                raise _bad(
                    c.index,
                    "station_id",
                    f"{c.station_id} 不是该日期正在运营的该类站点",
                    f"{c.station_id} is not an operating station of this kind on this date",
                )
            key = f"station:{c.station_id}"
            if pos in removed and key not in added:
                raise _bad(
                    c.index,
                    "station_id",
                    f"{c.station_id} 已被停用",
                    f"{c.station_id} was already switched off",
                )
            removed.setdefault(pos, c.index)
            if c.op == "move":  # moved again (dragged twice): the last position counts
                name = c.name or base.names[pos]
                added[key] = (Added(key, _f(c.lon), _f(c.lat), name, c.station_id), c.index)
            else:  # a moved station switched off after all
                added.pop(key, None)
            continue
        assert c.id is not None
        if c.op == "add":
            if c.id in added:
                raise _bad(c.index, "id", f"「{c.id}」重复", f"'{c.id}' is used twice")
            added[c.id] = (Added(c.id, _f(c.lon), _f(c.lat), c.name), c.index)
        elif c.id not in added:
            raise _bad(c.index, "id", f"「{c.id}」没有在前面新增", f"'{c.id}' was not added before")
        elif c.op == "remove":
            del added[c.id]
        else:
            old = added[c.id][0]
            added[c.id] = (Added(c.id, _f(c.lon), _f(c.lat), c.name or old.name), c.index)
    return Resolved(sorted(removed), [a for a, _ in added.values()], [i for _, i in added.values()])


def _f(v: float | None) -> float:
    assert v is not None
    return float(v)
