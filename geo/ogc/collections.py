"""The OGC collections and their queryables: for each, the table, the predicate that
says which rows the public may see, and every property with the SQL expression it comes
from and its JSON type.

The property list is the whitelist of CQL2 filters, ``sortby`` and ``properties``: a name
not listed is never turned into SQL. The expressions are constants of this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from geo import vocab
from geo.stations import sql as stations_sql


@dataclass(frozen=True)
class Queryable:
    """A property of a collection's features."""

    name: str
    #: The SQL expression (a constant of this module, never from a request).
    expr: str
    #: JSON Schema type: string, integer, number or boolean.
    type: str
    zh: str
    en: str
    format: str | None = None
    enum: tuple[str, ...] | None = None
    #: False for a property that is shown but cannot be filtered or sorted on.
    queryable: bool = True


@dataclass(frozen=True)
class Collection:
    """One collection: its features, where they come from and what they carry."""

    id: str
    zh: str
    en: str
    description: str
    table: str
    #: The rows the public sees (a constant; its parameters come from ``params``).
    where: str
    params: Callable[[], dict[str, Any]]
    geometry_type: str
    properties: tuple[Queryable, ...]
    #: The simple equality filters of Part 1 (``?kind=``), each a property name.
    simple_filters: tuple[str, ...] = ()
    by_name: dict[str, Queryable] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {p.name: p for p in self.properties})

    @property
    def title(self) -> str:
        """``中文 English``, as the collection lists show it."""
        return f"{self.zh} {self.en}"

    def queryables(self) -> dict[str, Queryable]:
        """The properties a filter or ``sortby`` may name, by name."""
        return {p.name: p for p in self.properties if p.queryable}


def _today_params() -> dict[str, Any]:
    return stations_sql.public_params()


def _no_params() -> dict[str, Any]:
    return {}


_KIND_ZH = "CASE kind " + " ".join(f"WHEN '{c}' THEN '{k.zh}'" for c, k in vocab.KINDS.items())
_KIND_ZH += " END"

STATIONS = Collection(
    id="stations",
    zh="驿站",
    en="Stations",
    description=(
        "开放的爱心驿站、母婴室、职工书屋 / open love stations, mother-and-baby rooms, "
        "worker bookshops"
    ),
    table="stations",
    where=stations_sql.PUBLIC,
    params=_today_params,
    geometry_type="Point",
    properties=(
        Queryable("kind", "kind", "string", "类型", "kind", enum=tuple(vocab.KINDS)),
        Queryable(
            "kind_zh", _KIND_ZH, "string", "类型（中文）", "kind in Chinese", queryable=False
        ),
        Queryable("name", "name", "string", "名称", "name"),
        Queryable("address", "address", "string", "地址", "address"),
        Queryable("district", "district", "string", "区域", "district"),
        Queryable("level", "level", "string", "级别", "level", enum=tuple(vocab.LEVELS)),
        Queryable("phone", "phone", "string", "电话", "phone"),
        Queryable("opening_hours", "opening_hours", "string", "开放时间", "opening hours"),
        Queryable(
            "services",
            "array_to_string(services, ',')",
            "string",
            "服务（逗号分隔）",
            "services, comma-separated",
        ),
        Queryable("opened_on", "opened_on", "string", "启用日期", "opened on", format="date"),
    ),
    simple_filters=("kind", "district", "services"),
)

DISTRICTS = Collection(
    id="districts",
    zh="区域",
    en="Districts",
    description="区域与重点区域 / districts and key districts",
    table="districts",
    where="true",
    params=_no_params,
    geometry_type="MultiPolygon",
    properties=(
        Queryable("name", "name", "string", "名称", "name"),
        Queryable("code", "code", "string", "代码", "code"),
        Queryable("is_key", "is_key", "boolean", "重点区域", "key district"),
        Queryable("area_m2", "area_m2", "number", "面积（平方米）", "area, m²"),
    ),
    simple_filters=("name",),
)

MAIN_STREETS = Collection(
    id="main_streets",
    zh="主要街道",
    en="Main streets",
    description="主要街道 / main streets",
    table="streets",
    where="is_main",
    params=_no_params,
    geometry_type="LineString",
    properties=(
        Queryable("name", "name", "string", "名称", "name"),
        Queryable("highway", "highway", "string", "道路等级", "highway class"),
        Queryable("length_m", "length_m", "number", "长度（米）", "length, m"),
    ),
    simple_filters=("name",),
)

COLLECTIONS: dict[str, Collection] = {c.id: c for c in (STATIONS, DISTRICTS, MAIN_STREETS)}
#: Every simple filter of any collection (the API definition lists them all).
SIMPLE_FILTERS: tuple[str, ...] = tuple(
    dict.fromkeys(f for c in COLLECTIONS.values() for f in c.simple_filters)
)


def json_value(value: Any) -> Any:
    """A value read from the database as JSON writes it (dates as ISO text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
