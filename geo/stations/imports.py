"""Station imports: read a station list, validate it, and store it in one transaction.

Rows with problems are reported and not stored; the rest are stored together or not at
all, audited, and the :class:`~geo.importers.ImportReport` says what happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geo.db import network as network_db
from geo.db.connection import connect, set_actor
from geo.errors import InvalidInput
from geo.importers import ImportProgress, ImportReport
from geo.io.limits import ReadLimits
from geo.io.stations import PROGRESS_EVERY, read_stations
from geo.settings import get_settings
from geo.stations import sql as stations_sql
from geo.stations.edits import find_duplicates
from geo.stations.model import StationInput
from geo.vocab import KINDS


def station_row(station: StationInput, *, is_demo: bool = False) -> dict[str, Any]:
    """The database values of a validated station (positions in WGS-84)."""
    values = station.model_dump()
    lon, lat = station.wgs84()
    values.update(lon=lon, lat=lat, is_demo=is_demo)
    values.setdefault("review_state", "approved")
    values["services"] = list(values.get("services") or [])
    return values


# Keyword-only options of the public import (CLI and API pass them through).
def import_stations(  # noqa: PLR0913
    path: str | Path,
    *,
    kind: str,
    crs: str,
    dry_run: bool = False,
    source: str | None = None,
    lon_field: str | None = None,
    lat_field: str | None = None,
    is_demo: bool = False,
    actor: str = "cli",
    url: str | None = None,
    review_state: str = "approved",
    check_duplicates: bool = True,
    encoding: str | None = None,
    limits: ReadLimits | None = None,
    progress: ImportProgress | None = None,
    finish: Callable[[Any, ImportReport], None] | None = None,
) -> ImportReport:
    """Import a station list; rows with problems are reported and not stored.

    Re-importing the same file updates the stations by (source, external id) and creates
    no duplicates. Rows that look like another stored station nearby (same kind within
    50 m, or a similar name within 200 m) are listed in ``duplicates``. With ``dry_run``
    nothing is written. ``review_state`` is what new and updated stations get
    (``pending_review`` when field staff import). ``encoding`` is the text encoding of a
    CSV or GeoJSON file, detected when None. The file is streamed within ``limits`` (the
    ``imports`` settings when None); ``progress`` hears of each phase (``reading``,
    ``checking``, ``writing``) with the rows done and, when known, the total. ``finish``
    is called with the connection and the report inside the import's transaction, after
    the stations are written (a dry run: in a transaction of its own), so what it
    records commits or rolls back with them.
    """
    if kind not in KINDS:
        raise InvalidInput(
            f"未知的站点类型「{kind}」，可选：{', '.join(KINDS)}",
            f"unknown station kind '{kind}': use one of {', '.join(KINDS)}",
        )
    started = time.perf_counter()
    with connect(url) as conn:
        area = network_db.service_area(conn)
        read = read_stations(
            path,
            kind=kind,
            crs=crs,
            source=source,
            lon_field=lon_field,
            lat_field=lat_field,
            service_area=area,
            max_outside_m=get_settings().stations.max_outside_m,
            encoding=encoding,
            limits=limits,
            progress=(lambda n: progress("reading", n, None)) if progress else None,
        )
        rows = [station_row(r.station, is_demo=is_demo) for r in read.records]
        for row in rows:
            row["review_state"] = review_state
        report = ImportReport("stations", str(path), problems=list(read.problems), dry_run=dry_run)
        if area is None:
            report.notes.append(
                "no districts loaded: positions were not checked against the city's area"
            )
        if check_duplicates:
            report.duplicates = _duplicates(conn, read.records, rows, progress)
        base = {
            "rows": read.total_rows,
            "valid": len(rows),
            "problems": len(read.problems),
            "possible_duplicates": len(report.duplicates),
        }
        if dry_run:
            existing = _existing_keys(conn, rows)
            would_update = sum((r["source"], r["external_id"]) in existing for r in rows)
            report.counts = {
                **base,
                "would_create": len(rows) - would_update,
                "would_update": would_update,
            }
            if finish is not None:
                with conn.transaction():
                    finish(conn, report)
        else:
            with conn.transaction():
                set_actor(conn, actor, f"import {Path(path).name}")
                if progress is not None:
                    progress("writing", 0, len(rows))
                result = stations_sql.upsert_many(conn, rows)
                report.counts = {**base, **result.as_dict()}
                network_db.log_import(
                    conn,
                    "stations",
                    str(path),
                    actor,
                    report.counts,
                    {"kind": kind, "crs": crs, "source": source},
                )
                if finish is not None:
                    finish(conn, report)
    report.seconds = time.perf_counter() - started
    return report


def _duplicates(
    conn: Any,
    records: Sequence[Any],
    rows: list[dict[str, Any]],
    progress: ImportProgress | None = None,
) -> list[dict[str, Any]]:
    """Stored stations each row may duplicate (not the one it re-imports)."""
    out = []
    for i, (record, row) in enumerate(zip(records, rows, strict=True)):
        if progress is not None and i % PROGRESS_EVERY == 0:
            progress("checking", i, len(rows))
        found = find_duplicates(conn, row, same_record=(row["source"], row["external_id"]))
        if found:
            out.append({"row": record.row, "name": row["name"], "candidates": found})
    return out


def _existing_keys(conn: Any, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    if not rows:
        return set()
    sources = sorted({r["source"] for r in rows if r.get("source")})
    return stations_sql.existing_keys(conn, sources)
