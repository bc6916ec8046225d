"""SQL for stations: the one module that reads and writes the ``stations`` table.

* the field list: :data:`FIELDS` (those of :class:`~geo.stations.model.StationInput`),
  from which every column list below is derived;
* the two predicates: :data:`PUBLIC` (what the public sees now) and :data:`OPERATING_ON`
  (what served people on a date, for coverage), both from the statuses of :mod:`geo.vocab`;
* imports (upserts), staff reads and versioned writes, duplicate checks, review, audit;
* public reads (nearest, by id, pages), exports, and the inputs of coverage.

Every query is parameterised. Writes happen inside the caller's transaction, after
``set_actor``, so the audit triggers of migration 0001 record who changed what and why.
Updates name the version they were based on (``WHERE id = %s AND version = %s``), so two
people editing at once can never overwrite each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from geo import clock, vocab
from geo.stations.model import StationInput

# ----------------------------------------------------------------- fields

#: StationInput fields that give the position rather than a column.
POSITION_FIELDS = ("lon", "lat", "crs")
#: The station's fields: the columns a validated StationInput sets (file imports, staff
#: edits), in the model's order.
FIELDS: tuple[str, ...] = tuple(f for f in StationInput.model_fields if f not in POSITION_FIELDS)
#: Fields that only a status change sets (``edits.change_status``), not an edit.
STATUS_FIELDS = ("status", "closed_on")
#: The record's identity in its source, kept across re-imports.
RECORD_KEY = ("source", "external_id")
#: Fields a staff edit (PATCH) may change.
PATCHABLE: tuple[str, ...] = tuple(f for f in FIELDS if f not in (*STATUS_FIELDS, *RECORD_KEY))
#: Fields the public never sees.
_NOT_PUBLIC = ("host_org", *STATUS_FIELDS, *RECORD_KEY)

#: Columns an import writes: the fields plus the review state and the demo flag.
IMPORT_COLUMNS = (*FIELDS, "review_state", "is_demo")
#: Columns of an export file (besides the position).
EXPORT_COLUMNS = ("id", *FIELDS, "review_state")
#: Columns the public sees (besides the position).
PUBLIC_COLUMNS = ("id", *(f for f in FIELDS if f not in _NOT_PUBLIC))
#: Columns staff see (besides the position).
STAFF_COLUMNS = (
    "id",
    *FIELDS,
    "status_reason",
    "review_state",
    "review_comment",
    "is_demo",
    "version",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
)
_LON_LAT = "ST_X(geom) AS lon, ST_Y(geom) AS lat"
_POINT = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)"


def _select(columns: Iterable[str]) -> str:
    return ", ".join(columns) + ", " + _LON_LAT


# ----------------------------------------------------------------- predicates

#: A station is public on ``%(today)s`` (the city's today, :func:`geo.clock.today`, passed
#: as a parameter so a frozen clock moves it; never SQL ``now()``) when it is approved, has
#: opened by then (or has no opening date) and is open then: open and not past its
#: ``closed_on``, or closed from a ``closed_on`` still to come, as :data:`OPERATING_ON`.
#: Needs :func:`public_params`.
PUBLIC = """
    geom IS NOT NULL AND review_state = 'approved' AND (opened_on IS NULL OR opened_on <= %(today)s)
    AND ((status = ANY(%(operating_statuses)s) AND (closed_on IS NULL OR closed_on > %(today)s))
         OR (status = ANY(%(closed_statuses)s) AND closed_on > %(today)s))
"""

#: A station operates on ``%(as_of)s`` when it is approved, had opened by then and was not
#: closed then (planned and under-construction stations never count). Needs
#: ``status_params()`` and ``as_of``. Both predicates name ``geom IS NOT NULL`` too: an
#: unlocated draft (migration 0010) can never be approved, and is never public either way.
OPERATING_ON = """
    geom IS NOT NULL AND review_state = 'approved' AND opened_on <= %(as_of)s
    AND (status = ANY(%(operating_statuses)s)
         OR (status = ANY(%(closed_statuses)s) AND closed_on > %(as_of)s))
"""


def status_params() -> dict[str, list[str]]:
    """The status lists of :mod:`geo.vocab` that the predicates name."""
    return {
        "operating_statuses": sorted(vocab.OPERATING_STATUSES),
        "closed_statuses": sorted(vocab.CLOSED_STATUSES),
        "not_yet_open_statuses": sorted(vocab.NOT_YET_OPEN_STATUSES),
    }


def public_params(today: dt.date | None = None) -> dict[str, Any]:
    """The parameters of :data:`PUBLIC`: the status lists and the city's today (default
    :func:`geo.clock.today`)."""
    return {**status_params(), "today": today or clock.today()}


# ----------------------------------------------------------------- imports

_UPSERT = (
    "INSERT INTO stations ("
    + ", ".join(IMPORT_COLUMNS)
    + ", geom) VALUES ("
    + ", ".join(["%s"] * len(IMPORT_COLUMNS))
    + f", {_POINT})"
    " ON CONFLICT (source, external_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in IMPORT_COLUMNS if c not in RECORD_KEY)
    # An address-only row never takes away the position a station was given since.
    + ", geom = coalesce(EXCLUDED.geom, stations.geom)"
    " RETURNING id, (xmax = 0) AS inserted"
)

# A station without a record key (registered by staff), matched by the id of an export.
_UPDATE_KEYLESS = (
    "UPDATE stations SET "
    + ", ".join(f"{c} = %s" for c in IMPORT_COLUMNS if c not in RECORD_KEY)
    + f", geom = coalesce({_POINT}, geom)"
    " WHERE id = %s AND source IS NULL AND external_id IS NULL"
    " RETURNING id"
)


@dataclass
class UpsertCounts:
    """How many stations an upsert created, updated and left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts by name."""
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def upsert_many(conn: psycopg.Connection[Any], rows: Iterable[Mapping[str, Any]]) -> UpsertCounts:
    """Insert stations or update them by (source, external_id).

    Each row maps the names in ``IMPORT_COLUMNS`` plus ``lon``/``lat`` (WGS-84; both None
    for an unlocated draft, which keeps a position stored since). A row whose
    values equal the stored ones changes nothing: no new version, no audit row. A row with
    an ``id`` updates that station, which has no record key (see :func:`keyless_by_ids`).
    """
    rows = list(rows)
    counts = UpsertCounts()
    by_id = [r for r in rows if r.get("id") is not None]
    if by_id:
        columns = [c for c in IMPORT_COLUMNS if c not in RECORD_KEY]
        with conn.cursor() as cur:
            for keyless in by_id:
                values = (
                    *(keyless.get(c) for c in columns),
                    keyless["lon"],
                    keyless["lat"],
                    keyless["id"],
                )
                if cur.execute(_UPDATE_KEYLESS, values).fetchone() is not None:
                    counts.updated += 1
                else:
                    counts.unchanged += 1
    params = [
        tuple(row.get(c) for c in IMPORT_COLUMNS) + (row["lon"], row["lat"])
        for row in rows
        if row.get("id") is None
    ]
    if not params:
        return counts
    with conn.cursor() as cur:
        cur.executemany(_UPSERT, params, returning=True)
        returned = 0
        while True:
            row = cur.fetchone()
            if row is not None:
                returned += 1
                if row["inserted"]:
                    counts.created += 1
                else:
                    counts.updated += 1
            if not cur.nextset():
                break
    counts.unchanged += len(params) - returned
    return counts


def count(conn: psycopg.Connection[Any], **where: Any) -> int:
    """Number of stations, optionally filtered by equality on columns (kind, status, ...)."""
    clauses = [sql.SQL("{} = %s").format(sql.Identifier(k)) for k in where]
    query: sql.SQL | sql.Composed = sql.SQL("SELECT count(*) AS n FROM stations")
    if clauses:
        query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses)
    row = conn.execute(query, tuple(where.values())).fetchone()
    return int(row["n"]) if row else 0


def counts_by_kind(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """The number of stored stations of each kind (all review states)."""
    rows = conn.execute("SELECT kind, count(*) AS n FROM stations GROUP BY kind").fetchall()
    return {r["kind"]: int(r["n"]) for r in rows}


def keyless_by_ids(conn: psycopg.Connection[Any], ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The stored stations with these ids that have no (source, external id), as staff see
    them: those an export lists by its ``id`` column alone."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(
        _VIEW + " WHERE id = ANY(%s) AND source IS NULL AND external_id IS NULL", (wanted,)
    ).fetchall()
    return {r["id"]: r for r in rows}


def existing_keys(conn: psycopg.Connection[Any], sources: list[str]) -> set[tuple[str, str]]:
    """The (source, external id) of the stored stations from ``sources``."""
    found = conn.execute(
        "SELECT source, external_id FROM stations WHERE source = ANY(%s)", (sources,)
    ).fetchall()
    return {(r["source"], r["external_id"]) for r in found}


# ----------------------------------------------------------------- staff reads

_VIEW = "SELECT " + _select(STAFF_COLUMNS) + " FROM stations"


def get(
    conn: psycopg.Connection[Any], station_id: int, *, for_update: bool = False
) -> dict[str, Any] | None:
    """One station as staff see it (any review state), or None."""
    query = _VIEW + " WHERE id = %s" + (" FOR UPDATE" if for_update else "")
    return conn.execute(query, (station_id,)).fetchone()


def _equal(filters: Iterable[tuple[str, Any]]) -> tuple[str, list[Any]]:
    """`` WHERE column = %s AND …`` for the filters whose value is given (column names are
    this module's constants, never input), and their parameters."""
    given = [(column, value) for column, value in filters if value is not None]
    where = " AND ".join(f"{column} = %s" for column, _ in given)
    return (" WHERE " + where if where else ""), [value for _, value in given]


#: The staff list's orders: each sort key and its column (the id breaks ties). A column of
#: a vocabulary (:data:`STAFF_SORT_TERMS`) sorts in the vocabulary's order (a status
#: from planned to closed), not by its codes' spelling.
STAFF_SORT_COLUMNS: dict[str, str] = {
    "name": "name",
    "kind": "kind",
    "status": "status",
    "district": "district",
    "review_state": "review_state",
    "updated": "updated_at",
}


STAFF_SORT_TERMS: dict[str, tuple[str, ...]] = {
    "kind": tuple(vocab.KINDS),
    "status": tuple(vocab.STATUSES),
    "review_state": tuple(vocab.REVIEW_STATES),
}


def like_pattern(text: str) -> str:
    r"""``%text%`` for ``LIKE … ESCAPE '\'`` with the text's own ``\``, ``%`` and ``_``
    taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_for_staff(  # noqa: PLR0913 - the registry's filters
    conn: psycopg.Connection[Any],
    *,
    created_by: str | None = None,
    review_state: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    district: str | None = None,
    unlocated: bool | None = None,
    text: str | None = None,
    sort: str = "updated",
    descending: bool = True,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of stations in any review state, and how many match in all.

    Filters: one creator, review state, kind, status or district (equal); ``unlocated``
    (True: without a position, False: with one); ``text`` in the name or the address
    (case-insensitive, taken literally). Ordered by :data:`STAFF_SORT_COLUMNS` ``[sort]``
    (a vocabulary's in its order; empty values last), then by id, both ``descending`` or
    not.
    """
    where, params = _equal(
        (
            ("created_by", created_by),
            ("review_state", review_state),
            ("kind", kind),
            ("status", status),
            ("district", district),
        )
    )
    clauses = [where.removeprefix(" WHERE ")] if where else []
    if unlocated is not None:
        clauses.append("geom IS NULL" if unlocated else "geom IS NOT NULL")
    if text:
        clauses.append("(name ILIKE %s ESCAPE '\\' OR address ILIKE %s ESCAPE '\\')")
        params += [like_pattern(text)] * 2
    condition = sql.SQL(" WHERE " + " AND ".join(clauses) if clauses else "")
    direction = sql.SQL("DESC" if descending else "ASC")
    column: sql.Composable = sql.Identifier(STAFF_SORT_COLUMNS[sort])
    order_params: list[Any] = []
    if sort in STAFF_SORT_TERMS:
        column = sql.SQL("array_position(%s::text[], {})").format(column)
        order_params = [list(STAFF_SORT_TERMS[sort])]
    query = sql.SQL(
        "SELECT {columns}, count(*) OVER () AS matched FROM stations{where}"
        " ORDER BY {column} {direction} NULLS LAST, id {direction} LIMIT %s OFFSET %s"
    ).format(
        columns=sql.SQL(_select(STAFF_COLUMNS)),
        where=condition,
        column=column,
        direction=direction,
    )
    rows = conn.execute(query, (*params, *order_params, limit, offset)).fetchall()
    if rows:
        return rows, int(rows[0]["matched"])
    total = conn.execute(sql.SQL("SELECT count(*) AS n FROM stations{}").format(condition), params)
    row = total.fetchone()
    return rows, int(row["n"]) if row else 0


def district_names(conn: psycopg.Connection[Any]) -> list[str]:
    """The districts a station list may be filtered by: those loaded and those stations
    name (a file's district for a station without a position), in order."""
    rows = conn.execute(
        "SELECT name FROM districts UNION"
        " SELECT district FROM stations WHERE district IS NOT NULL AND district <> ''"
        " ORDER BY 1"
    ).fetchall()
    return [r["name"] for r in rows]


def unlocated(
    conn: psycopg.Connection[Any],
    *,
    created_by: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Stations without a position (address-only drafts), oldest first, optionally only
    one creator's or one kind; and how many match in all."""
    where, params = _equal((("created_by", created_by), ("kind", kind)))
    where = (where + " AND" if where else " WHERE") + " geom IS NULL"
    rows = conn.execute(
        "SELECT "
        + _select(STAFF_COLUMNS)
        + ", count(*) OVER () AS matched FROM stations"
        + where
        + " ORDER BY created_at, id LIMIT %s OFFSET %s",
        (*params, limit, offset),
    ).fetchall()
    if rows:
        return rows, int(rows[0]["matched"])
    row = conn.execute("SELECT count(*) AS n FROM stations" + where, params).fetchone()
    return rows, int(row["n"]) if row else 0


def pending_review(conn: psycopg.Connection[Any], limit: int = 200) -> list[dict[str, Any]]:
    """Stations waiting for review, oldest submission first."""
    return conn.execute(
        _VIEW + " WHERE review_state = 'pending_review' ORDER BY created_at, id LIMIT %s",
        (limit,),
    ).fetchall()


def nearby(
    conn: psycopg.Connection[Any], lon: float, lat: float, radius_m: float, limit: int = 50
) -> list[dict[str, Any]]:
    """Stations within ``radius_m`` of a WGS-84 point (not rejected ones), nearest first."""
    return conn.execute(
        "SELECT id, kind, name, address, status, review_state, ST_X(geom) AS lon,"
        " ST_Y(geom) AS lat, ST_Distance(geom::geography, p.g) AS distance_m"
        " FROM stations, (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS g) p"
        " WHERE review_state <> 'rejected' AND ST_DWithin(geom::geography, p.g, %s)"
        " ORDER BY distance_m LIMIT %s",
        (lon, lat, radius_m, limit),
    ).fetchall()


# ----------------------------------------------------------------- duplicate checks


def lock_keys(kind: str, lon: float, lat: float, radius_m: float) -> list[int]:
    """Advisory-lock keys for ``kind`` in the grid cell of a point and its 8 neighbours.

    Cells are square in degrees and at least ``2 * radius_m`` tall, so at latitudes below
    60° any two points within ``radius_m`` of each other share a cell among their
    neighbourhoods: whoever checks for duplicates near one of them waits for the other.
    """
    size = max(0.01, 2.0 * radius_m / 111_320.0)
    i, j = math.floor(lon / size), math.floor(lat / size)
    keys = set()
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            digest = hashlib.blake2b(f"{kind}:{i + di}:{j + dj}".encode(), digest_size=8)
            keys.add(int.from_bytes(digest.digest(), "big", signed=True))
    return sorted(keys)  # always the same order, so two lockers never deadlock


def lock_cells(conn: psycopg.Connection[Any], keys: Iterable[int]) -> None:
    """Hold transaction-scoped advisory locks on ``keys`` (released at commit/rollback)."""
    for key in keys:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))


@dataclass(frozen=True)
class DuplicateRule:
    """What counts as a possible duplicate: the same kind within ``radius_m``, or a similar
    name (pg_trgm similarity of at least ``similarity``) within ``name_radius_m``."""

    radius_m: float
    name_radius_m: float
    similarity: float


def duplicate_candidates(
    conn: psycopg.Connection[Any],
    *,
    kind: str,
    lon: float,
    lat: float,
    name: str,
    rule: DuplicateRule,
    exclude_ids: Iterable[int] = (),
    same_record: tuple[str | None, str | None] | None = None,
) -> list[dict[str, Any]]:
    """Same-kind stations within ``rule.radius_m``, or with a similar name within
    ``rule.name_radius_m``.

    Names are compared by ``yizhan_name_key`` (migration 0002): equal keys, one key inside
    the other, or pg_trgm similarity of at least ``rule.similarity``. Rejected submissions
    are not candidates.
    """
    return conn.execute(
        """
        WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS g,
                          yizhan_name_key(%(name)s) AS k)
        SELECT s.id, s.kind, s.name, s.address, s.status, s.review_state,
               round(ST_Distance(s.geom::geography, p.g)::numeric, 1)::float AS distance_m,
               round(similarity(yizhan_name_key(s.name), p.k)::numeric, 2)::float
                   AS name_similarity
        FROM stations s, p
        WHERE s.kind = %(kind)s AND s.review_state <> 'rejected' AND NOT s.id = ANY(%(ex)s)
          AND (%(src)s::text IS NULL
               OR (s.source, s.external_id) IS DISTINCT FROM (%(src)s::text, %(ext)s::text))
          AND ST_DWithin(s.geom::geography, p.g, %(far)s)
          AND (ST_DWithin(s.geom::geography, p.g, %(near)s)
               OR yizhan_name_key(s.name) = p.k
               OR (p.k <> '' AND strpos(yizhan_name_key(s.name), p.k) > 0)
               OR (yizhan_name_key(s.name) <> '' AND strpos(p.k, yizhan_name_key(s.name)) > 0)
               OR similarity(yizhan_name_key(s.name), p.k) >= %(sim)s)
        ORDER BY distance_m, s.id
        """,
        {
            "lon": lon,
            "lat": lat,
            "name": name,
            "kind": kind,
            "ex": list(exclude_ids),
            "src": (same_record or (None, None))[0],
            "ext": (same_record or (None, None))[1],
            "far": max(rule.radius_m, rule.name_radius_m),
            "near": rule.radius_m,
            "sim": rule.similarity,
        },
    ).fetchall()


# ----------------------------------------------------------------- writes


def insert(conn: psycopg.Connection[Any], values: Mapping[str, Any], review_state: str) -> int:
    """Insert a station (``values``: FIELDS plus WGS-84 ``lon``/``lat``)."""
    columns = [c for c in FIELDS if c in values]
    query = sql.SQL(
        "INSERT INTO stations ({cols}, review_state, geom)"
        " VALUES ({vals}, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id"
    ).format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        vals=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    params = [values[c] for c in columns] + [review_state, values["lon"], values["lat"]]
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(row["id"])


def update_versioned(
    conn: psycopg.Connection[Any], station_id: int, version: int, changes: Mapping[str, Any]
) -> bool:
    """Apply ``changes`` if the station is still at ``version``; False when it is not.

    ``changes`` maps column names (and ``lon``/``lat`` together for the position). A
    change that alters nothing is skipped by the trigger and also returns False: the
    caller tells the cases apart by reading the current version.
    """
    sets: list[sql.SQL | sql.Composed] = [
        sql.SQL("{} = %s").format(sql.Identifier(c)) for c in changes if c not in ("lon", "lat")
    ]
    params: list[Any] = [v for c, v in changes.items() if c not in ("lon", "lat")]
    if "lon" in changes:
        sets.append(sql.SQL("geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326)"))
        params += [changes["lon"], changes["lat"]]
    if not sets:
        return False
    query = sql.SQL("UPDATE stations SET {} WHERE id = %s AND version = %s RETURNING id").format(
        sql.SQL(", ").join(sets)
    )
    return conn.execute(query, (*params, station_id, version)).fetchone() is not None


# Every station inside a loaded district gets that district's name (on a shared border the
# older district's, as ``network.districts_at``); a station in none keeps the district it
# was given. Only the stations whose district changes are written (and audited).
_ASSIGN_DISTRICTS = """
UPDATE stations s SET district = a.name
FROM stations st
CROSS JOIN LATERAL (
    SELECT d.name FROM district_parts dp JOIN districts d ON d.id = dp.district_id
    WHERE ST_Intersects(dp.geom, st.geom) ORDER BY d.id LIMIT 1
) a
WHERE s.id = st.id AND s.district IS DISTINCT FROM a.name
"""


def assign_districts(conn: psycopg.Connection[Any]) -> int:
    """Give every station the district its position lies in (after districts change), in
    one statement; returns how many stations changed district."""
    with conn.cursor() as cur:
        cur.execute(_ASSIGN_DISTRICTS)
        return cur.rowcount


def current_version(conn: psycopg.Connection[Any], station_id: int) -> int | None:
    """The station's version (its ETag), or None if there is no such station."""
    row = conn.execute("SELECT version FROM stations WHERE id = %s", (station_id,)).fetchone()
    return None if row is None else int(row["version"])


def set_review(
    conn: psycopg.Connection[Any], station_id: int, state: str, comment: str | None
) -> bool:
    """Approve or reject a pending station; False when it is not pending (or absent)."""
    row = conn.execute(
        "UPDATE stations SET review_state = %s, review_comment = %s"
        " WHERE id = %s AND review_state = 'pending_review' RETURNING id",
        (state, comment, station_id),
    ).fetchone()
    return row is not None


def audit_rows(conn: psycopg.Connection[Any], station_id: int) -> list[dict[str, Any]]:
    """The station's audit rows, oldest first."""
    return conn.execute(
        "SELECT id, action, actor, reason, at, version, before, after FROM station_audit"
        " WHERE station_id = %s ORDER BY id",
        (station_id,),
    ).fetchall()


# ----------------------------------------------------------------- revisions

_REVISION_COLUMNS = (
    "r.id, r.station_id, r.kind, r.base_version, r.changes, r.before, r.applied, r.state,"
    " r.reason, r.created_by, r.created_at, r.decided_by, r.decided_at, r.comment,"
    " s.name AS station_name, s.kind AS station_kind, s.version AS station_version"
)
_REVISIONS = (
    f"SELECT {_REVISION_COLUMNS} FROM station_revisions r JOIN stations s ON s.id = r.station_id"
)


def insert_revision(  # noqa: PLR0913 - one column each
    conn: psycopg.Connection[Any],
    station_id: int,
    *,
    kind: str,
    base_version: int,
    changes: Mapping[str, Any],
    before: Mapping[str, Any],
    applied: bool,
    reason: str | None,
) -> int:
    """Store a proposed change (JSON-ready ``changes``/``before``); returns its id.

    The proposer (``created_by``) is the transaction's actor, set by the caller.
    """
    row = conn.execute(
        "INSERT INTO station_revisions"
        " (station_id, kind, base_version, changes, before, applied, reason, created_by)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, '') RETURNING id",
        (
            station_id,
            kind,
            base_version,
            Jsonb(dict(changes)),
            Jsonb(dict(before)),
            applied,
            reason,
        ),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def get_revision(
    conn: psycopg.Connection[Any], revision_id: int, *, for_update: bool = False
) -> dict[str, Any] | None:
    """One revision with its station's name, kind and current version, or None."""
    query = _REVISIONS + " WHERE r.id = %s" + (" FOR UPDATE OF r" if for_update else "")
    return conn.execute(query, (revision_id,)).fetchone()


def list_revisions(  # noqa: PLR0913 - filters
    conn: psycopg.Connection[Any],
    *,
    state: str | None = None,
    station_id: int | None = None,
    created_by: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Revisions, oldest first when listing pending ones, newest first otherwise."""
    where, params = _equal(
        (("r.state", state), ("r.station_id", station_id), ("r.created_by", created_by))
    )
    order = "r.created_at, r.id" if state == "pending" else "r.id DESC"
    query = _REVISIONS + where + f" ORDER BY {order} LIMIT %s OFFSET %s"
    return conn.execute(query, (*params, limit, offset)).fetchall()


def pending_revision_counts(
    conn: psycopg.Connection[Any], station_ids: Iterable[int]
) -> dict[int, int]:
    """How many pending revisions each of ``station_ids`` has (absent: none)."""
    rows = conn.execute(
        "SELECT station_id, count(*) AS n FROM station_revisions"
        " WHERE state = 'pending' AND station_id = ANY(%s) GROUP BY station_id",
        (list(station_ids),),
    ).fetchall()
    return {int(r["station_id"]): int(r["n"]) for r in rows}


def decide_revision(
    conn: psycopg.Connection[Any], revision_id: int, state: str, comment: str | None
) -> bool:
    """Mark a pending revision approved/rejected/withdrawn; False when not pending.

    The decider and time are the transaction's actor and now (set by the trigger).
    """
    row = conn.execute(
        "UPDATE station_revisions SET state = %s, comment = %s, decided_by = ''"
        " WHERE id = %s AND state = 'pending' RETURNING id",
        (state, comment, revision_id),
    ).fetchone()
    return row is not None


def by_record_keys(
    conn: psycopg.Connection[Any], keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored stations with these (source, external id) pairs, as staff see them."""
    pairs = [k for k in keys if k[0] is not None and k[1] is not None]
    if not pairs:
        return {}
    rows = conn.execute(
        _VIEW + " WHERE (source, external_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
        ([p[0] for p in pairs], [p[1] for p in pairs]),
    ).fetchall()
    return {(r["source"], r["external_id"]): r for r in rows}


# ----------------------------------------------------------------- public reads

_FILTERS = (
    " AND (%(kind)s::text IS NULL OR kind = %(kind)s)"
    " AND services @> %(services)s::text[]"
    " AND (%(district)s::text IS NULL OR district = %(district)s)"
)
_IN_BBOX = (
    " AND (%(xmin)s::float8 IS NULL OR"
    " geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326))"
)
_PUBLIC_FIELDS = _select(PUBLIC_COLUMNS)

# Planar KNN on the geometry index (much faster than geography KNN) in degrees; the caller
# turns ``deg`` into a lower bound in metres to know when the candidates suffice.
_NEAREST = f"""
SELECT {_PUBLIC_FIELDS},
       ST_Distance(geom::geography, q.g::geography) AS straight_m,
       geom <-> q.g AS deg
FROM stations, (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g) q
WHERE {PUBLIC}{_FILTERS}
ORDER BY geom <-> q.g
LIMIT %(k)s
"""

_BY_ID = f"SELECT {_PUBLIC_FIELDS} FROM stations WHERE id = %(id)s AND {PUBLIC}"

# One public station with its straight distance from a point, measured as _NEAREST does.
_FROM_POINT = f"""
SELECT {_PUBLIC_FIELDS},
       ST_Distance(geom::geography, q.g::geography) AS straight_m
FROM stations, (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g) q
WHERE id = %(id)s AND {PUBLIC}
"""

_PAGE = f"""
SELECT {_PUBLIC_FIELDS}, count(*) OVER () AS matched
FROM stations
WHERE {PUBLIC}{_FILTERS}{_IN_BBOX}
ORDER BY id
LIMIT %(limit)s OFFSET %(offset)s
"""

# With a box, order by ``id + 0`` so the planner cannot walk the primary key through the
# whole table filtering by the box; it takes the spatial index and sorts the few matches.
_PAGE_IN_BOX = _PAGE.replace("ORDER BY id", "ORDER BY id + 0")

_COUNT = f"SELECT count(*) AS n FROM stations WHERE {PUBLIC}{_FILTERS}{_IN_BBOX}"


@dataclass(frozen=True)
class StationFilter:
    """Which public stations: kind, required services, district, bounding box."""

    kind: str | None = None
    services: tuple[str, ...] = ()
    district: str | None = None
    bbox: tuple[float, float, float, float] | None = None

    def params(self) -> dict[str, Any]:
        """The query parameters of the filter (with the status parameters)."""
        xmin, ymin, xmax, ymax = self.bbox or (None, None, None, None)
        return {
            **public_params(),
            "kind": self.kind,
            "services": list(self.services),
            "district": self.district,
            "xmin": xmin,
            "ymin": ymin,
            "xmax": xmax,
            "ymax": ymax,
        }


def nearest(
    conn: psycopg.Connection[Any],
    lon: float,
    lat: float,
    where: StationFilter,
    *,
    k: int,
) -> list[dict[str, Any]]:
    """The ``k`` public stations nearest to a WGS-84 point in lon/lat degrees (KNN on the
    geometry index), with ``straight_m`` (geodesic metres) and ``deg`` (degrees).

    Never a prepared statement: PostgreSQL would soon switch a prepared one to a generic
    plan, which cannot see ``k`` or the filters and so sorts the whole table (a parallel
    sequential scan, over 100 ms with 100,000 stations, instead of an index walk of about
    0.3 ms). Planning each time costs about 0.2 ms.
    """
    params = where.params() | {"lon": lon, "lat": lat, "k": k}
    return list(conn.execute(_NEAREST, params, prepare=False).fetchall())


# The stations' version token (migration 0022): changes with any change to stations.
_STATION_SET_VERSION = "SELECT token::text AS token FROM station_set_version"

# The public stations chosen from the nearest table, with their straight distance measured
# as _NEAREST does, and the two version tokens the table must have been built for: one
# query per request, whose tokens say whether its rows may be used at all.
_CHOSEN = f"""
SELECT v.network_token, v.station_token, x.*
FROM (SELECT (SELECT token::text FROM walk_network_version) AS network_token,
             (SELECT token::text FROM station_set_version) AS station_token) v
LEFT JOIN LATERAL (
    SELECT {_PUBLIC_FIELDS},
           ST_Distance(geom::geography, q.g::geography) AS straight_m
    FROM stations, (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g) q
    WHERE id = ANY(%(ids)s) AND {PUBLIC}
) x ON true
"""


def station_set_version(conn: psycopg.Connection[Any]) -> str:
    """A token that changes whenever any station changes (in the same transaction)."""
    row = conn.execute(_STATION_SET_VERSION).fetchone()
    assert row is not None, "station_set_version has no row: run `yizhan db migrate`"
    return str(row["token"])


def chosen(
    conn: psycopg.Connection[Any], lon: float, lat: float, ids: list[int], today: dt.date
) -> tuple[str, str, list[dict[str, Any]]]:
    """(network token, station token, rows): the public stations among ``ids`` on
    ``today`` with ``straight_m`` from the WGS-84 point, and the current version tokens
    of the walk network and the stations, read in the same statement."""
    params = public_params(today) | {"lon": lon, "lat": lat, "ids": ids}
    rows = conn.execute(_CHOSEN, params).fetchall()
    first = rows[0]
    return (
        str(first["network_token"]),
        str(first["station_token"]),
        [r for r in rows if r["id"] is not None],
    )


_PUBLIC_POSITIONS = f"SELECT id, name, kind, {_LON_LAT} FROM stations WHERE {PUBLIC} ORDER BY id"


def public_positions(
    conn: psycopg.Connection[Any], today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Every station public on ``today`` (default the city's today): id, name, kind and
    WGS-84 lon/lat, by id."""
    return list(conn.execute(_PUBLIC_POSITIONS, public_params(today)).fetchall())


def station(conn: psycopg.Connection[Any], station_id: int) -> dict[str, Any] | None:
    """One public station by id, or None when there is none the public may see."""
    return conn.execute(_BY_ID, {"id": station_id, **StationFilter().params()}).fetchone()


def station_from(
    conn: psycopg.Connection[Any], station_id: int, lon: float, lat: float
) -> dict[str, Any] | None:
    """One public station by id with ``straight_m``, its geodesic metres from a WGS-84
    point (as :func:`nearest` measures it), or None when the public may not see it."""
    params = {"id": station_id, "lon": lon, "lat": lat, **StationFilter().params()}
    return conn.execute(_FROM_POINT, params).fetchone()


def stations_page(
    conn: psycopg.Connection[Any], where: StationFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of public stations ordered by id, and how many match in all."""
    params = where.params() | {"limit": limit, "offset": offset}
    rows = list(conn.execute(_PAGE if where.bbox is None else _PAGE_IN_BOX, params).fetchall())
    if rows:
        return rows, int(rows[0]["matched"])
    row = conn.execute(_COUNT, params).fetchone()
    return rows, int(row["n"]) if row else 0


def extent(conn: psycopg.Connection[Any]) -> tuple[float, ...] | None:
    """The WGS-84 bounding box of all stations (None when there are none)."""
    row = conn.execute(
        "SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax"
        " FROM (SELECT ST_Extent(geom)::geometry AS e FROM stations) s"
    ).fetchone()
    if not row or row["xmin"] is None:
        return None
    return (row["xmin"], row["ymin"], row["xmax"], row["ymax"])


_ALL = "SELECT " + _select(EXPORT_COLUMNS) + " FROM stations ORDER BY id"


def all_stations(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every station, public or not (for exports by staff), with WGS-84 lon/lat."""
    return list(conn.execute(_ALL).fetchall())


# ----------------------------------------------------------------- coverage inputs


def _kind_on(kind: str, as_of: dt.date) -> dict[str, Any]:
    return {"kind": kind, "as_of": as_of, **status_params()}


def _operating(
    conn: psycopg.Connection[Any], columns: str, kind: str, as_of: dt.date
) -> list[dict[str, Any]]:
    """``columns`` and the WGS-84 position of the stations of ``kind`` operating on
    ``as_of``, by id."""
    return conn.execute(
        "SELECT "
        + columns
        + ", "
        + _LON_LAT
        + " FROM stations WHERE kind = %(kind)s AND "
        + OPERATING_ON
        + " ORDER BY id",
        _kind_on(kind, as_of),
    ).fetchall()


def operating_stations(conn: psycopg.Connection[Any], kind: str, as_of: dt.date) -> dict[str, Any]:
    """Operating stations of ``kind`` on ``as_of``: ids, versions and WGS-84 positions."""
    rows = _operating(conn, "id, version, name", kind, as_of)
    return {
        "id": np.array([r["id"] for r in rows], dtype=np.int64),
        "version": np.array([r["version"] for r in rows], dtype=np.int64),
        "name": [r["name"] for r in rows],
        "lon": np.array([r["lon"] for r in rows], dtype=float),
        "lat": np.array([r["lat"] for r in rows], dtype=float),
    }


#: A station is planned on the registry: approved and located, not yet open (planned or
#: under construction), so it never counts for coverage (:data:`OPERATING_ON` names only
#: operating and closed statuses). Needs ``status_params()`` and ``kind``.
PLANNED = """
    geom IS NOT NULL AND review_state = 'approved' AND kind = %(kind)s
    AND status = ANY(%(not_yet_open_statuses)s)
"""


def planned_stations(conn: psycopg.Connection[Any], kind: str) -> list[dict[str, Any]]:
    """The planned and under-construction stations of ``kind`` (:data:`PLANNED`), by id:
    id, name, status, the registered opening date (expected; may be None) and the WGS-84
    position. What a what-if scenario may switch on as planned (issue 16)."""
    rows = conn.execute(
        "SELECT id, name, status, opened_on, "
        + _LON_LAT
        + " FROM stations WHERE "
        + PLANNED
        + " ORDER BY id",
        {"kind": kind, **status_params()},
    ).fetchall()
    return [dict(r) for r in rows]


def operating_all_kinds(conn: psycopg.Connection[Any], as_of: dt.date) -> list[dict[str, Any]]:
    """Every station operating on ``as_of``, all kinds (for maps)."""
    return [
        dict(r) for kind in vocab.KINDS for r in _operating(conn, "id, kind, name", kind, as_of)
    ]


def undated_open_stations(conn: psycopg.Connection[Any], kind: str, as_of: dt.date) -> int:
    """Stations of ``kind`` public on ``as_of`` without an opening date (they never
    count)."""
    row = conn.execute(
        "SELECT count(*) AS n FROM stations WHERE kind = %(kind)s AND "
        + PUBLIC
        + " AND opened_on IS NULL",
        {"kind": kind, **public_params(as_of)},
    ).fetchone()
    return int(row["n"]) if row else 0


_EVER_OPENED = (
    "kind = %(kind)s AND review_state = 'approved' AND NOT status = ANY(%(not_yet_open_statuses)s)"
)


def first_opened(conn: psycopg.Connection[Any], kind: str) -> dt.date | None:
    """The earliest opening date of an approved station of ``kind`` (None: none dated)."""
    row = conn.execute(
        "SELECT min(opened_on) AS d FROM stations WHERE " + _EVER_OPENED,
        {"kind": kind, **status_params()},
    ).fetchone()
    return row["d"] if row else None


def opened_between(
    conn: psycopg.Connection[Any], kind: str, start: dt.date, end: dt.date
) -> list[dt.date]:
    """Opening dates of approved stations of ``kind`` opened in ``[start, end]`` (sorted)."""
    rows = conn.execute(
        "SELECT opened_on FROM stations WHERE "
        + _EVER_OPENED
        + " AND opened_on BETWEEN %(start)s AND %(end)s ORDER BY opened_on",
        {"kind": kind, "start": start, "end": end, **status_params()},
    ).fetchall()
    return [r["opened_on"] for r in rows]


def stations_fingerprint(conn: psycopg.Connection[Any], kind: str, as_of: dt.date) -> str:
    """A hash of the stations operating on ``as_of`` (id, version, position)."""
    row = conn.execute(
        "SELECT md5(coalesce(string_agg(id || ':' || version || ':' || ST_AsText(geom), ','"
        " ORDER BY id), '')) AS f FROM stations WHERE kind = %(kind)s AND " + OPERATING_ON,
        _kind_on(kind, as_of),
    ).fetchone()
    return str(row["f"]) if row else ""


def health_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Stations the data-health check counts: ``unlocated`` (no position yet) and
    ``without_district`` (a position outside every loaded district; 0 with no districts)."""
    row = conn.execute(
        """SELECT count(*) FILTER (WHERE geom IS NULL) AS unlocated,
                  count(*) FILTER (WHERE geom IS NOT NULL AND district IS NULL
                                   AND EXISTS (SELECT 1 FROM districts)) AS without_district
             FROM stations"""
    ).fetchone()
    return {k: int(v) for k, v in dict(row or {}).items()}


# ----------------------------------------------------------------- basemap tiles

#: The stations layer of a vector tile (:mod:`geo.db.tiles`): the public stations (the
#: one :data:`PUBLIC` predicate) in the tile ``tile`` (a CTE with ``env``, the EPSG:3857
#: envelope, and ``env4326``, the same in WGS-84), with their kind alone. Needs
#: :func:`public_params` and ``extent``/``buffer``.
TILE_LAYER = f"""
SELECT kind, ST_AsMVTGeom(ST_Transform(s.geom, 3857), tile.env, %(extent)s, %(buffer)s, true)
       AS geom
FROM stations s, tile
WHERE s.geom && tile.env4326 AND {PUBLIC}
"""


# ----------------------------------------------------------------- the station's own page

#: The station's own page (``/s/{id}``, what its QR poster opens, issue 15) shows a public
#: station and also one that is temporarily closed now (approved, placed, opened): a
#: worker who scans the poster on a closed door must read that it is closed, not "no such
#: station". Drafts, rejected, planned and closed-for-good stations stay unseen.
_STATION_PAGE = f"""
SELECT {_PUBLIC_FIELDS}, status, closed_on, ({PUBLIC}) AS public
FROM stations
WHERE id = %(id)s AND (({PUBLIC}) OR (
    geom IS NOT NULL AND review_state = 'approved'
    AND (opened_on IS NULL OR opened_on <= %(today)s)
    AND status = 'temporarily_closed' AND (closed_on IS NULL OR closed_on <= %(today)s)))
"""


def station_page(
    conn: psycopg.Connection[Any], station_id: int, today: dt.date | None = None
) -> dict[str, Any] | None:
    """One station for its own page: the public columns with ``status``, ``closed_on``
    and ``public`` (false: temporarily closed now), or None when the page is not shown."""
    return conn.execute(_STATION_PAGE, {"id": station_id, **public_params(today)}).fetchone()
