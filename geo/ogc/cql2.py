"""CQL2 filters (OGC API – Features, Part 3) as parameterised SQL.

A filter in CQL2 text or CQL2 JSON is parsed by pygeofilter, then translated here, node
by node, to a :class:`psycopg.sql.Composed` whose every value is a named placeholder:
no value a person sends is ever written into the SQL text. Property names are looked up
in the collection's whitelist (:mod:`geo.ogc.collections`) and replaced by that list's
own SQL expression; any other name is refused, naming it and the queryables.

Supported: ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``LIKE`` (and ``NOT LIKE``,
``CASEI``), ``IN``, ``BETWEEN``, ``IS [NOT] NULL``, ``AND``, ``OR``, ``NOT``,
``INCLUDE``/``EXCLUDE``, ``T_AFTER``/``T_BEFORE``/``T_EQUALS`` on dates, and the spatial
predicates ``S_INTERSECTS``, ``S_WITHIN``, ``S_CONTAINS``, ``S_DISJOINT``,
``S_EQUALS``, ``S_TOUCHES``, ``S_CROSSES``, ``S_OVERLAPS`` and ``BBOX(geometry, …)``
with a geometry literal (WKT in text, GeoJSON in JSON) or a ``BBOX(…)`` envelope, in the
filter's CRS (``filter-crs``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Any

import shapely
import shapely.geometry
from psycopg import sql
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text

from geo.errors import InvalidQuery, clip
from geo.ogc.collections import Queryable
from geo.ogc.crs import OgcCrs

#: The filter languages: the standard's two, and the draft's name GDAL 3.6 sends.
LANGUAGES = ("cql2-text", "cql2-json", "cql-text")
#: The longest filter read (characters), and the most nodes it may hold.
MAX_FILTER_CHARS = 20_000
MAX_NODES = 1_000
#: The name a filter uses for a feature's geometry.
GEOMETRY = "geometry"

_COMPARISONS: dict[type[ast.Node], str] = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
    ast.TimeAfter: ">",
    ast.TimeBefore: "<",
    ast.TimeEquals: "=",
}
_SPATIAL: dict[type[ast.Node], str] = {
    ast.GeometryIntersects: "ST_Intersects",
    ast.GeometryWithin: "ST_Within",
    ast.GeometryContains: "ST_Contains",
    ast.GeometryDisjoint: "ST_Disjoint",
    ast.GeometryEquals: "ST_Equals",
    ast.GeometryTouches: "ST_Touches",
    ast.GeometryCrosses: "ST_Crosses",
    ast.GeometryOverlaps: "ST_Overlaps",
}


def _bad(zh: str, en: str, **details: Any) -> InvalidQuery:
    return InvalidQuery(f"过滤条件（filter）无效：{zh}", f"invalid filter: {en}", details=details)


def _json_fixes(node: Any) -> Any:
    """CQL2 JSON as pygeofilter 0.4 reads it: a ``bbox`` literal as a polygon (it would
    read ``[minx, miny, maxx, maxy]`` in the wrong order) and ``between`` with its bounds
    as a pair."""
    if isinstance(node, list):
        return [_json_fixes(n) for n in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"bbox"}:
        box = node["bbox"]
        if not (isinstance(box, list) and len(box) == 4):
            raise _bad("bbox 须为 4 个数", "a bbox needs 4 numbers", value=box)
        return {"type": "Polygon", "coordinates": _box_ring(box)}
    out = {k: _json_fixes(v) for k, v in node.items()}
    args = out.get("args")
    if out.get("op") == "between" and isinstance(args, list) and len(args) == 3:
        out["args"] = [args[0], [args[1], args[2]]]
    return out


def _box_ring(box: list[Any]) -> list[list[list[Any]]]:
    x1, y1, x2, y2 = box
    return [[[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]]


def parse(text: str, lang: str | None) -> ast.Node:
    """The syntax tree of a CQL2 filter in ``lang`` (``cql2-text`` when absent)."""
    lang = lang or "cql2-text"
    if lang not in LANGUAGES:
        raise InvalidQuery(
            f"不支持的过滤语言 filter-lang={lang!r}，可选：{'、'.join(LANGUAGES[:2])}",
            f"unsupported filter-lang {lang!r}: use one of {', '.join(LANGUAGES[:2])}",
            details={"parameter": "filter-lang"},
        )
    if len(text) > MAX_FILTER_CHARS:
        raise _bad(f"超过 {MAX_FILTER_CHARS} 个字符", f"longer than {MAX_FILTER_CHARS} characters")
    try:
        if lang == "cql2-json":
            return parse_json(_json_fixes(json.loads(text)))
        return parse_text(text)
    except InvalidQuery:
        raise
    except Exception as exc:  # any parser failure on a person's text is their 400
        reason = clip(str(exc).strip().split("\n\n")[0], 300)
        raise _bad(f"无法解析（{lang}）：{reason}", f"cannot parse it as {lang}: {reason}") from exc


class _Translator:
    """One filter's translation: the SQL and its parameters."""

    def __init__(self, queryables: dict[str, Queryable], crs: OgcCrs) -> None:
        self.queryables = queryables
        self.crs = crs
        self.params: dict[str, Any] = {}
        self.nodes = 0
        self._handlers: dict[type[ast.Node], Callable[[Any], sql.Composable]] = {
            ast.And: self._combination,
            ast.Or: self._combination,
            ast.Not: self._not,
            ast.Like: self._like,
            ast.In: self._in,
            ast.Between: self._between,
            ast.IsNull: self._is_null,
            ast.Include: self._include,
            ast.BBox: self._bbox,
            **{cls: self._comparison for cls in _COMPARISONS},
            **{cls: self._spatial for cls in _SPATIAL},
        }

    # -- values -------------------------------------------------------------------

    def _param(self, value: Any) -> sql.Composable:
        name = f"cql{len(self.params)}"
        self.params[name] = value
        return sql.Placeholder(name)

    def _property(self, node: Any) -> Queryable:
        if isinstance(node, ast.Attribute):
            found = self.queryables.get(node.name)
            if found is None:
                raise _bad(
                    f"未知的属性「{node.name}」，可查询的属性：{'、'.join(self.queryables)}",
                    f"unknown property '{node.name}': "
                    f"the queryables are {', '.join(self.queryables)}",
                    property=node.name,
                    queryables=list(self.queryables),
                )
            return found
        raise _bad("比较的左边须为属性名", "the left side must be a property", value=repr(node))

    def _literal(self, prop: Queryable, value: Any) -> sql.Composable:
        """A value compared with ``prop``, checked against its type."""
        if prop.format == "date":
            return self._param(_as_date(prop, value))
        if prop.type == "boolean" and type(value) is int and value in (0, 1):
            value = bool(value)  # GDAL writes booleans as 0 and 1
        ok = {
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
        }[prop.type]
        if not ok or (isinstance(value, float) and not math.isfinite(value)):
            raise _bad(
                f"属性「{prop.name}」是 {prop.type}，不能与 {value!r} 比较",
                f"property '{prop.name}' is a {prop.type}; it cannot be compared with {value!r}",
                property=prop.name,
            )
        return self._param(value)

    def _side(self, node: Any, prop: Queryable) -> sql.Composable:
        """A property's expression, or a value of its type; ``CASEI`` lower-cases."""
        if isinstance(node, ast.Attribute):
            return sql.SQL(self._property(node).expr)
        if isinstance(node, ast.Function) and node.name == "lower" and len(node.arguments) == 1:
            return sql.SQL("lower({})").format(self._side(node.arguments[0], prop))
        return self._literal(prop, node)

    def _subject(self, node: Any) -> tuple[Queryable, sql.Composable]:
        """The property a predicate is about, and its SQL (``CASEI(name)`` allowed)."""
        if isinstance(node, ast.Function) and node.name == "lower" and len(node.arguments) == 1:
            prop = self._property(node.arguments[0])
            return prop, sql.SQL("lower({})").format(sql.SQL(prop.expr))
        prop = self._property(node)
        return prop, sql.SQL(prop.expr)

    # -- nodes --------------------------------------------------------------------

    def node(self, node: Any) -> sql.Composable:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _bad(f"超过 {MAX_NODES} 个条件", f"more than {MAX_NODES} terms")
        handler = self._handlers.get(type(node))
        if handler is None:
            name = type(node).__name__
            raise _bad(f"不支持的运算 {name}", f"unsupported operation {name}", operation=name)
        return handler(node)

    def _combination(self, node: ast.Combination) -> sql.Composable:
        op = sql.SQL(" AND " if isinstance(node, ast.And) else " OR ")
        return sql.SQL("({})").format(op.join([self.node(node.lhs), self.node(node.rhs)]))

    def _not(self, node: ast.Not) -> sql.Composable:
        return sql.SQL("(NOT {})").format(self.node(node.sub_node))

    def _include(self, node: ast.Include) -> sql.Composable:
        return sql.SQL("false" if node.not_ else "true")

    def _comparison(self, node: ast.Comparison) -> sql.Composable:
        lhs, rhs = node.lhs, node.rhs
        if not isinstance(lhs, ast.Attribute | ast.Function) and isinstance(rhs, ast.Attribute):
            lhs, rhs = rhs, lhs  # 'value' = property
            flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
            op = flipped.get(_COMPARISONS[type(node)], _COMPARISONS[type(node)])
        else:
            op = _COMPARISONS[type(node)]
        prop, subject = self._subject(lhs)
        return sql.SQL("({} {} {})").format(subject, sql.SQL(op), self._side(rhs, prop))

    def _like(self, node: ast.Like) -> sql.Composable:
        prop, subject = self._subject(node.lhs)
        if prop.type != "string" or prop.format is not None:
            raise _bad(
                f"LIKE 只能用于文字属性，「{prop.name}」不是",
                f"LIKE needs a text property; '{prop.name}' is not one",
                property=prop.name,
            )
        op = ("NOT " if node.not_ else "") + ("ILIKE" if node.nocase else "LIKE")
        pattern = self._side(node.pattern, prop)
        return sql.SQL("({} {} {})").format(subject, sql.SQL(op), pattern)

    def _in(self, node: ast.In) -> sql.Composable:
        prop, subject = self._subject(node.lhs)
        if not node.sub_nodes:
            raise _bad("IN 的列表为空", "an empty IN list")
        items = sql.SQL(", ").join(self._side(v, prop) for v in node.sub_nodes)
        return sql.SQL("({} {}IN ({}))").format(
            subject, sql.SQL("NOT " if node.not_ else ""), items
        )

    def _between(self, node: ast.Between) -> sql.Composable:
        prop, subject = self._subject(node.lhs)
        return sql.SQL("({} {}BETWEEN {} AND {})").format(
            subject,
            sql.SQL("NOT " if node.not_ else ""),
            self._side(node.low, prop),
            self._side(node.high, prop),
        )

    def _is_null(self, node: ast.IsNull) -> sql.Composable:
        _, subject = self._subject(node.lhs)
        return sql.SQL("({} IS {}NULL)").format(subject, sql.SQL("NOT " if node.not_ else ""))

    # -- space --------------------------------------------------------------------

    def _geometry_subject(self, node: Any) -> None:
        if not (isinstance(node, ast.Attribute) and node.name == GEOMETRY):
            raise _bad(
                f"空间条件的左边须为 {GEOMETRY}", f"a spatial predicate needs '{GEOMETRY}' first"
            )

    def _in_storage(self, geom: sql.Composable) -> sql.Composable:
        """A geometry of the filter's CRS in the stored WGS-84 (x = longitude)."""
        if self.crs.lat_lon:
            geom = sql.SQL("ST_FlipCoordinates({})").format(geom)
        if self.crs.srid != 4326:
            geom = sql.SQL("ST_Transform({}, 4326)").format(geom)
        return geom

    def _geometry(self, value: Any) -> sql.Composable:
        if isinstance(value, ast.Function) and value.name == "bbox":
            box = list(value.arguments)
            return self._envelope(box)
        if isinstance(value, values.Geometry):
            try:
                shape = shapely.geometry.shape(value.geometry)
            except Exception as exc:  # a malformed literal is the sender's 400
                raise _bad(f"几何无效：{exc}", f"invalid geometry: {exc}") from exc
            if shape.is_empty or not all(math.isfinite(c) for c in shape.bounds):
                raise _bad("几何为空或含非有限数", "an empty geometry or non-finite numbers")
            self._check_range(list(shape.bounds))
            shape = shapely.make_valid(shape)  # a bow-tie polygon must not reach GEOS as is
            text = self._param(shapely.to_wkt(shape, rounding_precision=-1))
            geom = sql.SQL("ST_GeomFromText({}, {})").format(text, sql.Literal(self.crs.srid))
            return self._in_storage(geom)
        raise _bad("空间条件须与几何或 BBOX 比较", "a spatial predicate needs a geometry or BBOX")

    def _envelope(self, box: list[Any]) -> sql.Composable:
        if len(box) != 4 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in box
        ):
            raise _bad("BBOX 须为 4 个有限数", "a BBOX needs 4 finite numbers", value=repr(box))
        self._check_range([float(v) for v in box])
        x1, y1, x2, y2 = (self._param(float(v)) for v in box)
        geom = sql.SQL("ST_MakeEnvelope({}, {}, {}, {}, {})").format(
            x1, y1, x2, y2, sql.Literal(self.crs.srid)
        )
        return self._in_storage(geom)

    def _check_range(self, numbers: list[float]) -> None:
        """Web Mercator metres must lie on the map (PostGIS cannot project beyond it)."""
        if self.crs.srid == 3857 and any(abs(v) > 20037508.35 for v in numbers):
            raise _bad(
                "EPSG:3857 坐标超出 ±20037508.35 米", "EPSG:3857 coordinates beyond ±20037508.35 m"
            )

    def _spatial(self, node: ast.SpatialComparisonPredicate) -> sql.Composable:
        self._geometry_subject(node.lhs)
        function = sql.SQL(_SPATIAL[type(node)])
        return sql.SQL("{}(geom, {})").format(function, self._geometry(node.rhs))

    def _bbox(self, node: ast.BBox) -> sql.Composable:
        self._geometry_subject(node.lhs)
        box = self._envelope([node.minx, node.miny, node.maxx, node.maxy])
        return sql.SQL("ST_Intersects(geom, {})").format(box)


def _as_date(prop: Queryable, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise _bad(
        f"属性「{prop.name}」是日期，{value!r} 不是日期（YYYY-MM-DD）",
        f"property '{prop.name}' is a date; {value!r} is not one (YYYY-MM-DD)",
        property=prop.name,
    )


def to_sql(
    tree: ast.Node, queryables: dict[str, Queryable], crs: OgcCrs
) -> tuple[sql.Composable, dict[str, Any]]:
    """The SQL condition of a parsed filter and its parameters (named ``cql0``, …).

    ``queryables`` is the collection's whitelist; geometry literals are read in ``crs``
    (the request's ``filter-crs``).
    """
    translator = _Translator(queryables, crs)
    return translator.node(tree), translator.params
