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
from geo.spreadsheet import cell_text, write_sheet

SUFFIXES = (".csv", ".xlsx")


def columns(crs: CRSName) -> list[tuple[str, str]]:
    """The file's columns for sites in ``crs``: name and kind (a key of
    :data:`geo.spreadsheet.NUMBER_FORMATS`, the XLSX number format)."""
    return [
        ("rank", "int"),
        (f"lng_{crs}", "coord"),
        (f"lat_{crs}", "coord"),
        ("crs", "text"),
        ("street", "text"),
        ("district", "text"),
        ("adds_main_street_m", "m"),
        ("adds_key_district_m2", "m2"),
        ("main_street_share", "pct"),
        ("key_district_share", "pct"),
        ("sliver", "text"),
        ("candidate_id", "text"),
        ("name", "text"),
        ("source", "text"),
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
            "yes" if s.get("sliver") else "",
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
    records = site_records(answer["sites"], name)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow([c for c, _ in cols])
            writer.writerows([[cell_text(v) for v in r] for r in records])
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "sites"
        write_sheet(sheet, [c for c, _ in cols], records, [k for _, k in cols])
        book.save(out)
    return len(records)
