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

from geo import accounts, vocab
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
    #: Roles that may read it (None: everyone); others are not told it exists.
    roles: frozenset[str] | None = None
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

# The latest coverage snapshot of each kind (as of the city's today; any distance and
# mode, the newest date first, then the newest run), as the planners' figures keep it.
_LATEST_SNAPSHOTS = (
    "snapshot_id IN (SELECT DISTINCT ON (kind) id FROM coverage_snapshots"
    " WHERE as_of <= %(today)s ORDER BY kind, as_of DESC, computed_at DESC, id DESC)"
)


def _snapshot(column: str) -> str:
    return f"(SELECT s.{column} FROM coverage_snapshots s WHERE s.id = snapshot_id)"


_COVERAGE_PROPERTIES = (
    Queryable("kind", _snapshot("kind"), "string", "类型", "kind", enum=tuple(vocab.KINDS)),
    Queryable("as_of", _snapshot("as_of"), "string", "截至日期", "as of", format="date"),
    Queryable("distance_m", _snapshot("distance_m"), "number", "服务距离（米）", "distance, m"),
    Queryable("mode", _snapshot("mode"), "string", "距离算法", "distance mode"),
    Queryable("role", "role", "string", "内容", "what it is"),
    Queryable("street", "street", "string", "街道", "street"),
    Queryable("district", "district", "string", "区域", "district"),
    Queryable(
        "length_m",
        "CASE WHEN role <> 'area_gap' THEN measure END",
        "number",
        "长度（米）",
        "length, m",
    ),
    Queryable(
        "area_m2",
        "CASE WHEN role = 'area_gap' THEN measure END",
        "number",
        "面积（平方米）",
        "area, m²",
    ),
)

COVERAGE_GAPS = Collection(
    id="coverage_gaps",
    zh="覆盖缺口",
    en="Coverage gaps",
    description=(
        "各类型最新覆盖快照中未覆盖的主要街道路段（street_gap）和重点区域中的未覆盖区域"
        "（area_gap） / the uncovered main-street stretches and key-district areas of the "
        "latest coverage snapshot of each kind"
    ),
    table="coverage_geoms",
    where=f"role IN ('street_gap', 'area_gap') AND {_LATEST_SNAPSHOTS}",
    params=_today_params,
    geometry_type="Any",
    properties=_COVERAGE_PROPERTIES,
    simple_filters=("kind",),
)

STREET_COVERAGE = Collection(
    id="street_coverage",
    zh="主要街道覆盖",
    en="Street coverage",
    description=(
        "各类型最新覆盖快照中已覆盖（street_covered）和未覆盖（street_gap）的主要街道路段"
        " / the covered and uncovered main-street stretches of the latest coverage snapshot "
        "of each kind"
    ),
    table="coverage_geoms",
    where=f"role IN ('street_covered', 'street_gap') AND {_LATEST_SNAPSHOTS}",
    params=_today_params,
    geometry_type="LineString",
    properties=tuple(p for p in _COVERAGE_PROPERTIES if p.name != "area_m2"),
    simple_filters=("kind",),
)

# The hypothetical stations of saved, non-archived what-if scenarios (the view of
# migration 0021): never public, for planners and admins only.
PLANNED_SITES = Collection(
    id="planned_sites",
    zh="规划站点",
    en="Planned sites",
    description=(
        "已保存（未归档）的假设方案中新增（add）和移动（move）的站点，仅限规划人员 / the "
        "hypothetical stations added or moved by saved, non-archived what-if scenarios "
        "(planners only; not public, not official)"
    ),
    table="planned_sites",
    where="true",
    params=_no_params,
    geometry_type="Point",
    properties=(
        Queryable("scenario_id", "scenario_id", "integer", "方案编号", "scenario id"),
        Queryable("scenario_name", "scenario_name", "string", "方案名称", "scenario name"),
        Queryable("change_index", "change_index", "integer", "修改序号", "change index"),
        Queryable("change_id", "change_id", "string", "修改编号", "change id"),
        Queryable("op", "op", "string", "操作", "operation", enum=("add", "move")),
        Queryable("kind", "kind", "string", "类型", "kind", enum=tuple(vocab.KINDS)),
        Queryable("as_of", "as_of", "string", "截至日期", "as of", format="date"),
        Queryable("name", "name", "string", "名称", "name"),
        Queryable("station_id", "station_id", "integer", "站点编号", "station id"),
    ),
    simple_filters=("kind",),
    roles=accounts.PLANNERS,
)

COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (STATIONS, DISTRICTS, MAIN_STREETS, COVERAGE_GAPS, STREET_COVERAGE, PLANNED_SITES)
}
#: Every simple filter of any collection (the API definition lists them all).
SIMPLE_FILTERS: tuple[str, ...] = tuple(
    dict.fromkeys(f for c in COLLECTIONS.values() for f in c.simple_filters)
)


def json_value(value: Any) -> Any:
    """A value read from the database as JSON writes it (dates as ISO text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
