"""The features of an OGC collection, read with PostGIS: one query per page, built from
the collection's constants (:mod:`geo.ogc.collections`), the request's CQL2 condition
(:mod:`geo.ogc.cql2`, already parameterised) and placeholders for every value.

The public stations' predicate is :data:`geo.stations.sql.PUBLIC`, the one the map and
every public listing use; it is named here, never restated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from geo.errors import InvalidQuery
from geo.ogc.collections import Collection, Queryable
from geo.ogc.crs import CRS84, SUPPORTED, OgcCrs


@dataclass(frozen=True)
class ItemsQuery:
    """What a request for features asks: where, which, in what order and CRS, how many."""

    crs: OgcCrs = SUPPORTED[CRS84]
    #: A box in ``bbox_crs`` (min x, min y, max x, max y in that CRS's axis order).
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: OgcCrs = SUPPORTED[CRS84]
    #: Part 1 equality filters: property name to value (``services``: a list of codes).
    equals: dict[str, Any] = field(default_factory=dict)
    #: A CQL2 condition and its parameters (:func:`geo.ogc.cql2.to_sql`).
    condition: tuple[sql.Composable, dict[str, Any]] | None = None
    #: (property, descending) pairs.
    sortby: tuple[tuple[Queryable, bool], ...] = ()
    #: The properties returned (None: all).
    properties: tuple[str, ...] | None = None
    limit: int = 100
    offset: int = 0


def parse_sortby(collection: Collection, text: str | None) -> tuple[tuple[Queryable, bool], ...]:
    """``sortby`` (``name,-opened_on``; ``+`` or nothing is ascending) as properties."""
    if not text:
        return ()
    out: list[tuple[Queryable, bool]] = []
    allowed = collection.queryables()
    for part in (p.strip() for p in text.split(",")):
        name = part.lstrip("+-").strip()
        prop = allowed.get(name)
        if prop is None:
            raise InvalidQuery(
                f"sortby 中未知的属性「{name}」，可排序的属性：{'、'.join(allowed)}",
                f"sortby names an unknown property '{name}': use one of {', '.join(allowed)}",
                details={"parameter": "sortby", "property": name},
            )
        out.append((prop, part.startswith("-")))
    return tuple(out)


def parse_properties(collection: Collection, text: str | None) -> tuple[str, ...] | None:
    """``properties`` (a comma list) as the names returned; None when absent."""
    if text is None:
        return None
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in collection.by_name]
    if unknown:
        known = ", ".join(collection.by_name)
        raise InvalidQuery(
            f"properties 中未知的属性：{'、'.join(unknown)}，可选：{'、'.join(collection.by_name)}",
            f"properties names unknown properties {', '.join(unknown)}: use some of {known}",
            details={"parameter": "properties", "unknown": unknown},
        )
    return names


def _geometry(crs: OgcCrs) -> sql.Composable:
    geom: sql.Composable = sql.SQL("geom")
    if crs.srid != 4326:
        geom = sql.SQL("ST_Transform(geom, {})").format(sql.Literal(crs.srid))
    if crs.lat_lon:
        geom = sql.SQL("ST_FlipCoordinates({})").format(geom)
    return sql.SQL("ST_AsGeoJSON({}, {}) AS geometry").format(geom, sql.Literal(crs.precision))


def _box(query: ItemsQuery, params: dict[str, Any]) -> sql.Composable:
    if query.bbox is None:
        return sql.SQL("true")
    x1, y1, x2, y2 = query.bbox
    if query.bbox_crs.lat_lon:
        x1, y1, x2, y2 = y1, x1, y2, x2
    params.update(bx1=x1, by1=y1, bx2=x2, by2=y2)
    box: sql.Composable = sql.SQL("ST_MakeEnvelope(%(bx1)s, %(by1)s, %(bx2)s, %(by2)s, {})").format(
        sql.Literal(query.bbox_crs.srid)
    )
    if query.bbox_crs.srid != 4326:
        box = sql.SQL("ST_Transform({}, 4326)").format(box)
    return sql.SQL("geom && {}").format(box)


def _equals(collection: Collection, query: ItemsQuery, params: dict[str, Any]) -> sql.Composable:
    parts: list[sql.Composable] = []
    for name, value in query.equals.items():
        key = f"eq_{name}"
        params[key] = value
        if name == "services":  # every listed service
            parts.append(sql.SQL("services @> {}::text[]").format(sql.Placeholder(key)))
        else:
            expr = sql.SQL(collection.by_name[name].expr)
            parts.append(sql.SQL("{} = {}").format(expr, sql.Placeholder(key)))
    return sql.SQL(" AND ").join(parts) if parts else sql.SQL("true")


def _where(collection: Collection, query: ItemsQuery) -> tuple[sql.Composable, dict[str, Any]]:
    params = dict(collection.params())
    condition: sql.Composable = sql.SQL("true")
    if query.condition is not None:
        condition, cql_params = query.condition
        params.update(cql_params)
    where = sql.SQL("({}) AND {} AND {} AND {}").format(
        sql.SQL(collection.where),
        _box(query, params),
        _equals(collection, query, params),
        condition,
    )
    return where, params


def _columns(collection: Collection, names: tuple[str, ...] | None) -> sql.Composable:
    props = [p for p in collection.properties if names is None or p.name in names]
    return sql.SQL("").join(
        sql.SQL(", {} AS {}").format(sql.SQL(p.expr), sql.Identifier(p.name)) for p in props
    )


def page(
    conn: psycopg.Connection[Any], collection: Collection, query: ItemsQuery
) -> tuple[list[dict[str, Any]], int]:
    """A page of features (``id``, the properties asked for, ``geometry`` as GeoJSON text
    in ``query.crs``) and how many match in all."""
    where, params = _where(collection, query)
    order: list[sql.Composable] = [
        sql.SQL("{} {} NULLS LAST").format(sql.SQL(p.expr), sql.SQL("DESC" if desc else "ASC"))
        for p, desc in query.sortby
    ]
    # With a box, ``id + 0``: the planner then takes the spatial index and sorts the few
    # matches instead of walking the primary key through the whole table.
    order.append(sql.SQL("id + 0" if query.bbox is not None else "id"))
    statement = sql.SQL(
        "SELECT id{columns}, {geometry}, count(*) OVER () AS matched FROM {table}"
        " WHERE {where} ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s"
    ).format(
        columns=_columns(collection, query.properties),
        geometry=_geometry(query.crs),
        table=sql.Identifier(collection.table),
        where=where,
        order=sql.SQL(", ").join(order),
    )
    params.update(limit=query.limit, offset=query.offset)
    rows = list(conn.execute(statement, params, prepare=False).fetchall())
    if rows:
        return rows, int(rows[0]["matched"])
    if query.offset == 0:
        return rows, 0
    count = sql.SQL("SELECT count(*) AS n FROM {table} WHERE {where}").format(
        table=sql.Identifier(collection.table), where=where
    )
    row = conn.execute(count, params, prepare=False).fetchone()
    return rows, int(row["n"]) if row else 0


def feature(
    conn: psycopg.Connection[Any],
    collection: Collection,
    feature_id: int,
    crs: OgcCrs,
    properties: tuple[str, ...] | None = None,
) -> dict[str, Any] | None:
    """One feature the public may see, by id, or None."""
    where, params = _where(collection, ItemsQuery())
    statement = sql.SQL(
        "SELECT id{columns}, {geometry} FROM {table} WHERE {where} AND id = %(fid)s"
    ).format(
        columns=_columns(collection, properties),
        geometry=_geometry(crs),
        table=sql.Identifier(collection.table),
        where=where,
    )
    return conn.execute(statement, {**params, "fid": feature_id}).fetchone()


def extent(conn: psycopg.Connection[Any], collection: Collection) -> tuple[float, ...] | None:
    """The WGS-84 box of the collection's features (None when it has none)."""
    where, params = _where(collection, ItemsQuery())
    statement = sql.SQL(
        "SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax"
        " FROM (SELECT ST_Extent(geom)::geometry AS e FROM {table} WHERE {where}) s"
    ).format(table=sql.Identifier(collection.table), where=where)
    row = conn.execute(statement, params).fetchone()
    if not row or row["xmin"] is None:
        return None
    return (row["xmin"], row["ymin"], row["xmax"], row["ymax"])
