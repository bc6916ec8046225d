"""A plan's recommended sites as a file (CSV or XLSX), in the datum the planner works in.

``yizhan plan --crs gcj02 --out sites.csv`` hands the sites to people who look places up
in Amap: the positions are written in the chosen datum, in columns named for it
(``lng_gcj02``, ``lat_gcj02``, as ``yizhan import stations`` reads them) beside a ``crs``
column, so nobody can take GCJ-02 numbers for WGS-84 (#12 item 9). Numbers stay numbers:
the XLSX has typed cells with formats, a frozen header row and an autofilter.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from geo.crs import CRSName, from_wgs84, parse_crs
from geo.errors import InvalidInput
from geo.spreadsheet import cell_text

SUFFIXES = (".csv", ".xlsx")
# Column, XLSX number format (None: text), XLSX width.
_SHARE = "0.00%"


def columns(crs: CRSName) -> list[tuple[str, str | None, int]]:
    """The file's columns for sites in ``crs``: name, XLSX number format, width."""
    return [
        ("rank", "0", 6),
        (f"lng_{crs}", "0.0000000", 14),
        (f"lat_{crs}", "0.0000000", 13),
        ("crs", None, 7),
        ("street", None, 24),
        ("district", None, 12),
        ("adds_main_street_m", "0", 12),
        ("adds_key_district_m2", "0", 12),
        ("main_street_share", _SHARE, 11),
        ("key_district_share", _SHARE, 11),
        ("candidate_id", None, 14),
        ("name", None, 24),
        ("source", None, 14),
    ]


def site_records(sites: list[dict[str, Any]], crs: CRSName) -> list[list[Any]]:
    """One row per site (build order) with its position converted to ``crs``."""
    if not sites:
        return []
    x, y = from_wgs84(
        np.array([s["lon"] for s in sites], dtype=float),
        np.array([s["lat"] for s in sites], dtype=float),
        crs,
    )
    return [
        [
            s["rank"],
            round(float(a), 7),
            round(float(b), 7),
            crs,
            s["street"],
            s["district"],
            s["adds_main_street_m"],
            s["adds_key_district_m2"],
            s["main_street_share"],
            s["key_district_share"],
            s["candidate_id"],
            s["name"],
            s["source"],
        ]
        for s, a, b in zip(sites, x, y, strict=True)
    ]


def check_out(out: Path) -> None:
    """Refuse a sites file that is neither .csv nor .xlsx (before a plan is solved)."""
    if out.suffix.lower() not in SUFFIXES:
        raise InvalidInput(
            f"新址文件须为 .csv 或 .xlsx：{out.name}",
            f"the sites file must be .csv or .xlsx: {out.name}",
        )


def write_sites(answer: dict[str, Any], out: Path, crs: str = "wgs84") -> int:
    """Write the plan's sites to ``out`` (.csv or .xlsx) in ``crs``; how many were written.

    Raises
    ------
    InvalidInput
        When ``out`` is neither .csv nor .xlsx.
    UnknownCRS
        When ``crs`` is not wgs84, gcj02 or bd09.
    """
    name = parse_crs(crs)
    check_out(out)
    suffix = out.suffix.lower()
    cols = columns(name)
    rows = [[cell_text(v) for v in r] for r in site_records(answer["sites"], name)]
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow([c for c, _, _ in cols])
            writer.writerows(rows)
    else:
        _xlsx(out, cols, rows)
    return len(rows)


def _xlsx(out: Path, cols: list[tuple[str, str | None, int]], rows: list[list[Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "sites"
    sheet.append([c for c, _, _ in cols])
    for row in rows:
        sheet.append(row)
    for i, (_, fmt, width) in enumerate(cols, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = width
        if fmt is not None:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(out)
