"""Cells and CSV fields the project writes, made safe to open in Excel, WPS or LibreOffice.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return runs as a
formula when a spreadsheet opens the file (CSV or formula injection), and so does one
hidden behind leading blanks, a byte-order mark or a zero-width character, or behind a
``;`` or ``,`` that a spreadsheet in another locale reads as a field separator. Such text
gets a leading apostrophe (the OWASP advice), so it shows as the text it is. Numbers, dates
and ``None`` pass through unchanged.

:func:`write_sheet` writes a table as typed cells (numbers and dates with number formats),
with a frozen header row, an autofilter and fitted column widths.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# Starts a formula in Excel/WPS/LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Stripped before looking at the first character: whitespace, byte-order mark, zero-width
# and other invisible format characters a spreadsheet may ignore.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u200e\u200f\u2060\u180e\u00ad"
_BLANK = " \t\r\n\v\f\u00a0\u3000" + _INVISIBLE
# A field separator (``;`` in many European locales, ``,`` in CSV) then a formula start.
_SEPARATED = re.compile(f"[;,][{re.escape(_BLANK)}]*[=+\\-@\t\r]")
# A plain number written as text ("-12.5") is harmless and stays as it is.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def cell_text(value: Any) -> Any:
    """``value`` safe to write as a spreadsheet cell or CSV field.

    Parameters
    ----------
    value
        Any cell value.

    Returns
    -------
    Any
        Text that a spreadsheet would run as a formula with an apostrophe first; any
        other value (numbers included) unchanged.
    """
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        return value
    if value.startswith(FORMULA_START) or value.lstrip(_BLANK).startswith(FORMULA_START):
        return "'" + value
    if _SEPARATED.search(value):
        return "'" + value
    return value


# -- typed cells ----------------------------------------------------------------------
#
# Report and export workbooks hold numbers as numbers and dates as dates, each with a
# number format, so a planner can sort, filter and sum them (issue #12 item 11). A value
# goes in as it is (a share as 0.633, metres as metres); the format says how it shows.

#: Number formats by what a column holds.
NUMBER_FORMATS: dict[str, str] = {
    "text": "General",
    "int": "0",
    "num1": "0.0",
    "pct": "0.0%",
    "m": "#,##0",
    "km": "#,##0.00",
    "m2": "#,##0",
    "km2": "#,##0.000",
    "coord": "0.000000",
    "date": "yyyy-mm-dd",
}
#: Text for the same kinds in HTML tables and terminals (None shows as a dash).
_SHOWN = {
    "int": "{:.0f}",
    "num1": "{:.1f}",
    "m": "{:,.0f}",
    "km": "{:,.2f}",
    "m2": "{:,.0f}",
    "km2": "{:,.3f}",
    "coord": "{:.6f}",
}
MIN_WIDTH, MAX_WIDTH = 8, 60


@dataclass(frozen=True)
class Cell:
    """One value with its own kind (a key of :data:`NUMBER_FORMATS`), for columns that
    mix kinds (a summary's "value" column, a target in % or in stations)."""

    value: Any
    kind: str


def shown(value: Any, kind: str = "text") -> str:
    """``value`` as text for an HTML table, as the workbook's number format shows it."""
    if isinstance(value, Cell):
        value, kind = value.value, value.kind
    if value is None:
        return "—"
    if kind == "pct" and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if kind in _SHOWN and isinstance(value, int | float) and not isinstance(value, bool):
        return _SHOWN[kind].format(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: wide (CJK) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _typed(value: Any, kind: str) -> tuple[Any, str]:
    """The cell value (safe text, or a number or date) and its number format."""
    if isinstance(value, Cell):
        value, kind = value.value, value.kind
    if isinstance(value, float) and not math.isfinite(value):
        return None, NUMBER_FORMATS["text"]
    if kind == "date" and isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return cell_text(value), NUMBER_FORMATS["text"]
    if isinstance(value, bool) or not isinstance(value, int | float | dt.date):
        return cell_text(value), NUMBER_FORMATS["text"]
    return value, NUMBER_FORMATS.get(kind, NUMBER_FORMATS["text"])


def write_sheet(
    ws: Any, head: Sequence[str], rows: Iterable[Sequence[Any]], kinds: Sequence[str]
) -> None:
    """Fill an openpyxl worksheet with a table: a bold, frozen header row, typed cells
    with number formats (``kinds``: one per column, a :class:`Cell` overrides one), an
    autofilter over the whole table and column widths fitted to the text shown."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    widths = [display_width(str(h)) for h in head]
    ws.append([cell_text(h) for h in head])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    n = 1
    for row in rows:
        n += 1
        for col, (value, kind) in enumerate(zip(row, kinds, strict=True), start=1):
            typed, fmt = _typed(value, kind)
            cell = ws.cell(row=n, column=col, value=typed)
            if fmt != "General":
                cell.number_format = fmt
            widths[col - 1] = max(widths[col - 1], display_width(shown(value, kind)))
    ws.freeze_panes = "A2"
    if head:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(head))}{n}"
    for col, w in enumerate(widths, start=1):
        # + 2 for padding and the autofilter's drop-down button
        ws.column_dimensions[get_column_letter(col)].width = min(max(w + 2, MIN_WIDTH), MAX_WIDTH)
