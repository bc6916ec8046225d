"""Station imports: read a station list, validate it, and store it in one transaction.

Rows with problems are reported and not stored; the rest are stored together or not at
all, audited, and the :class:`~geo.importers.ImportReport` says what happened.

When field staff import (``user`` without the right to publish), a row that matches a
stored station by (source, external id) may only change a station they registered
themselves: their own draft is updated, their own published station gets a revision for
a reviewer (:mod:`geo.stations.revisions`), and a row matching anybody else's station is
reported as a problem and changes nothing. Choosing another importer's source name
therefore cannot deface a published station.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geo.crs import parse_crs
from geo.db import network as network_db
from geo.db.connection import connect, set_actor
from geo.errors import InvalidInput
from geo.importers import ImportProgress, ImportReport
from geo.io.limits import ReadLimits
from geo.io.stations import PROGRESS_EVERY, RowProblem, StationRecord, read_stations
from geo.network import walk
from geo.settings import get_settings
from geo.stations import revisions
from geo.stations import sql as stations_sql
from geo.stations.datum import DatumCheck, check_datum
from geo.stations.edits import find_duplicates
from geo.stations.model import StationInput
from geo.vocab import KINDS


def station_row(
    station: StationInput, *, is_demo: bool = False, located: bool = True
) -> dict[str, Any]:
    """The database values of a validated station (positions in WGS-84; None for an
    address-only one, whose ``station`` lon/lat are a placeholder)."""
    values = station.model_dump()
    lon, lat = station.wgs84() if located else (None, None)
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
    field_staff: str | None = None,
    limits: ReadLimits | None = None,
    progress: ImportProgress | None = None,
    finish: Callable[[Any, ImportReport], None] | None = None,
    force: bool = False,
    preview_rows: int = 0,
) -> ImportReport:
    """Import a station list; rows with problems are reported and not stored.

    Re-importing the same file updates the stations by (source, external id) and creates
    no duplicates. Rows that look like another stored station nearby (same kind within
    50 m, or a similar name within 200 m) are listed in ``duplicates``. With ``dry_run``
    nothing is written. ``review_state`` is what new and updated stations get; when
    ``field_staff`` names the importer (someone who may not publish), the module's rule
    applies: new and own draft stations wait for review, own published ones get
    revisions, others' stations are refused row by row. ``encoding`` is the text
    encoding of a CSV or GeoJSON file, detected when None. The file is streamed within
    ``limits`` (the ``imports`` settings when None); ``progress`` hears of each phase
    (``reading``, ``checking``, ``writing``) with the rows done and, when known, the
    total. ``finish`` is called with the connection and the report inside the import's
    transaction, after the stations are written (a dry run: in a transaction of its
    own), so what it records commits or rolls back with them.

    The declared ``crs`` is checked against the stored walk network
    (:mod:`geo.stations.datum`): when the rows fit it far better in another datum the
    import stops with :class:`~geo.errors.DatumMismatch` before anything is stored,
    unless ``force``; a dry run reports the finding in its notes instead.

    A dry run's report lists the first ``preview_rows`` rows it would import, with
    their WGS-84 positions (:func:`preview`), so a person can see them on a map.
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
        records = list(read.records)
        problems = list(read.problems)
        rows = [station_row(r.station, is_demo=is_demo) for r in records]
        datum = _check_datum(conn, rows, crs, force=force, dry_run=dry_run)
        _match_keyless(conn, records, rows)
        mismatches = _assign_districts(conn, records, rows)
        drafts = [station_row(r.station, is_demo=is_demo, located=False) for r in read.unlocated]
        _match_keyless(conn, read.unlocated, drafts)
        _keep_positions(conn, drafts)
        records += read.unlocated
        rows += drafts
        proposals: list[tuple[dict[str, Any], dict[str, Any]]] = []
        if field_staff is not None:
            review_state = "pending_review"
            records, rows, proposals, refused = _field_staff_rows(conn, field_staff, records, rows)
            problems += refused
        for row in rows:
            # A station without a position is a draft, whoever imports it.
            row["review_state"] = review_state if row["lon"] is not None else "pending_review"
        unlocated = sum(row["lon"] is None for row in rows)
        report = ImportReport("stations", str(path), problems=problems, dry_run=dry_run)
        if area is None:
            report.notes.append(
                "no districts loaded: positions were not checked against the city's area"
            )
        _report_datum(report, datum)
        report.district_mismatches = mismatches
        report.notes += _mismatch_notes(mismatches)
        report.notes += _unlocated_notes(unlocated, dry_run=dry_run)
        if check_duplicates:
            report.duplicates = _duplicates(conn, records, rows, progress)
        base = {
            "rows": read.total_rows,
            "valid": len(rows) + len(proposals),
            "problems": len(problems),
            "unlocated": unlocated,
            "possible_duplicates": len(report.duplicates),
        }
        if proposals:
            base["revisions"] = len(proposals)
        if dry_run:
            existing = _existing_keys(conn, rows)
            would_update = sum(
                "id" in r or (r["source"], r["external_id"]) in existing for r in rows
            )
            report.counts = {
                **base,
                "would_create": len(rows) - would_update,
                "would_update": would_update,
            }
            report.preview = preview(records, rows, preview_rows)
            if finish is not None:
                with conn.transaction():
                    finish(conn, report)
        else:
            with conn.transaction():
                set_actor(conn, actor, f"import {Path(path).name}")
                if progress is not None:
                    progress("writing", 0, len(rows))
                result = stations_sql.upsert_many(conn, rows)
                for current, changes in proposals:
                    revisions.propose(conn, current, kind="edit", changes=changes)
                report.counts = {**base, **result.as_dict()}
                network_db.log_import(
                    conn,
                    "stations",
                    str(path),
                    actor,
                    report.counts,
                    {"kind": kind, "crs": crs, "source": source, "force": force},
                )
                if finish is not None:
                    finish(conn, report)
    report.seconds = time.perf_counter() - started
    return report


def preview(
    records: Sequence[StationRecord], rows: list[dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    """The first ``limit`` rows to import in file order: row number, name, kind and the
    WGS-84 position (None for an address-only row)."""
    pairs = sorted(zip(records, rows, strict=True), key=lambda pair: pair[0].row)[:limit]
    return [
        {
            "row": record.row,
            "name": row["name"],
            "kind": row["kind"],
            "lon": row["lon"],
            "lat": row["lat"],
        }
        for record, row in pairs
    ]


def _check_datum(
    conn: Any, rows: list[dict[str, Any]], crs: str, *, force: bool, dry_run: bool
) -> DatumCheck:
    """The declared datum judged against the stored walk network; raises
    :class:`~geo.errors.DatumMismatch` on a mismatch unless ``force`` or ``dry_run``."""
    found = check_datum(
        walk.load(conn),
        [r["lon"] for r in rows],
        [r["lat"] for r in rows],
        parse_crs(crs),
        get_settings().stations,
    )
    if found.outcome == "mismatch":
        if force:
            found.forced = True
        elif not dry_run:
            raise found.error()
    return found


def _report_datum(report: ImportReport, datum: DatumCheck) -> None:
    """The datum check into the report; a note unless the declared datum fits."""
    report.datum = datum.as_dict()
    if datum.outcome != "fits":
        report.notes.append(datum.note(dry_run=report.dry_run))


#: Columns a matching import row may propose to change on a published station.
_PROPOSABLE = tuple(f for f in stations_sql.FIELDS if f not in stations_sql.RECORD_KEY)


def _assign_districts(
    conn: Any, records: list[StationRecord], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Give each row the district its position lies in (one query for the file); a row
    in no district keeps the file's. Returns the rows whose file named another district:
    ``{"row", "name", "file_district", "district"}`` (they are still imported)."""
    found = network_db.districts_at(conn, [r["lon"] for r in rows], [r["lat"] for r in rows])
    mismatches = []
    for record, row, district in zip(records, rows, found, strict=True):
        if district is None:
            continue
        given = row.get("district")
        if given and not _same_district(given, district):
            mismatches.append(
                {
                    "row": record.row,
                    "name": row["name"],
                    "file_district": given,
                    "district": district,
                }
            )
        row["district"] = district
    return mismatches


def _keep_positions(conn: Any, drafts: list[dict[str, Any]]) -> None:
    """Address-only rows of stations that were given a position since (placed by staff,
    or by a file with coordinates) keep that position: they update the other fields,
    and are no longer unlocated."""
    stored = stations_sql.by_record_keys(
        conn, [(r["source"], r["external_id"]) for r in drafts if "id" not in r]
    )
    by_id = stations_sql.keyless_by_ids(conn, [r["id"] for r in drafts if "id" in r])
    for row in drafts:
        current = (
            by_id.get(row["id"]) if "id" in row else stored.get((row["source"], row["external_id"]))
        )
        if current is not None and current["lon"] is not None:
            row.update(lon=current["lon"], lat=current["lat"], district=current["district"])


def _unlocated_notes(unlocated: int, *, dry_run: bool = False) -> list[str]:
    """A line on the rows kept without a position (none when there are none); a dry run
    says they would be kept: it stores nothing."""
    if not unlocated:
        return []
    kept_zh = "导入后将保存为" if dry_run else "已保存为"
    kept_en = "would be kept" if dry_run else "kept"
    return [
        f"{unlocated} 行只有地址、没有坐标：{kept_zh}待定位草稿（不公开、不计入覆盖率），"
        "请在控制台「未定位」页（/console/unlocated）定位，或用 `yizhan stations unlocated` "
        "查看、`yizhan stations locate` 定位 / "
        f"{unlocated} rows give an address but no coordinates: {kept_en} as unlocated drafts "
        "(never public, not in coverage); place them in the console's Unlocated page "
        "(/console/unlocated), or list them with `yizhan stations unlocated` and place them "
        "with `yizhan stations locate`"
    ]


def _same_district(given: str, district: str) -> bool:
    """Whether a file's district names ``district`` (``福田区`` names ``福田``)."""
    a, b = given.strip(), district.strip()
    return a == b or a.rstrip("区县市") == b.rstrip("区县市")


def _mismatch_notes(mismatches: list[dict[str, Any]]) -> list[str]:
    """A line on the rows whose file district the district polygons contradict (none
    when there are none)."""
    if not mismatches:
        return []
    shown = "; ".join(
        f"row {m['row']}: {m['file_district']} → {m['district']}" for m in mismatches[:10]
    )
    more = f" … (+{len(mismatches) - 10})" if len(mismatches) > 10 else ""
    return [
        f"{len(mismatches)} 行的区县与坐标所在区域不符，已按坐标记为所在区域 / "
        f"{len(mismatches)} rows name a district other than the one their position lies "
        f"in; the position's district was stored: {shown}{more}"
    ]


def _field_staff_rows(
    conn: Any, importer: str, records: list[StationRecord], rows: list[dict[str, Any]]
) -> tuple[
    list[StationRecord],
    list[dict[str, Any]],
    list[tuple[dict[str, Any], dict[str, Any]]],
    list[RowProblem],
]:
    """Split field staff's rows: to store, to propose as revisions, and refused.

    A row matching nobody's station, or the importer's own draft, is stored (pending
    review); one matching the importer's own published station becomes a revision (when
    it changes anything); one matching anybody else's station is refused.
    """
    stored = stations_sql.by_record_keys(conn, [(r["source"], r["external_id"]) for r in rows])
    by_id = stations_sql.keyless_by_ids(conn, [r["id"] for r in rows if "id" in r])
    keep_records, keep_rows, proposals, refused = [], [], [], []
    for record, row in zip(records, rows, strict=True):
        current = (
            by_id.get(row["id"]) if "id" in row else stored.get((row["source"], row["external_id"]))
        )
        if current is None or (
            current["created_by"] == importer and current["review_state"] != "approved"
        ):
            keep_records.append(record)
            keep_rows.append(row)
        elif current["created_by"] != importer:
            refused.append(_not_yours(record, row, current))
        else:
            changes = {k: row[k] for k in _PROPOSABLE if row.get(k) != current[k]}
            if (row["lon"], row["lat"]) != (current["lon"], current["lat"]):
                changes.update(lon=row["lon"], lat=row["lat"])
            if changes:
                proposals.append((current, changes))
    return keep_records, keep_rows, proposals, refused


def _match_keyless(conn: Any, records: list[StationRecord], rows: list[dict[str, Any]]) -> None:
    """Rows of an export that name, by its ``id`` column, a stored station without a
    record key (one registered by staff) update that station: they get its ``id`` and no
    key of their own. Other rows keep the key they were read with."""
    found = stations_sql.keyless_by_ids(conn, [r.stored_id for r in records if r.stored_id])
    for record, row in zip(records, rows, strict=True):
        if record.stored_id in found:
            row.update(id=record.stored_id, source=None, external_id=None)


def _not_yours(record: StationRecord, row: dict[str, Any], current: dict[str, Any]) -> RowProblem:
    key = f"{row['source']}/{row['external_id']}" if "id" not in row else f"#{row['id']}"
    return RowProblem(
        row=record.row,
        field="external_id",
        reason_zh=(
            f"编号 {key} 已是 {current['created_by']} 登记的站点（{current['name']}），"
            "外勤人员的导入只能更新本人登记的站点；如需修改请在站点页面提交修改申请"
        ),
        reason_en=(
            f"{key} is a station registered by {current['created_by']} "
            f"({current['name']}): field staff's imports may only update stations they "
            "registered; propose a change on the station instead"
        ),
        values={"external_id": row["external_id"], "name": row["name"]},
        code="not_yours",
    )


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
        if row["lon"] is None:
            continue  # no position to be near anything
        found = find_duplicates(
            conn,
            row,
            exclude_ids=(row["id"],) if "id" in row else (),
            same_record=(row["source"], row["external_id"]),
        )
        if found:
            out.append({"row": record.row, "name": row["name"], "candidates": found})
    return out


def _existing_keys(conn: Any, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    if not rows:
        return set()
    sources = sorted({r["source"] for r in rows if r.get("source")})
    return stations_sql.existing_keys(conn, sources)
