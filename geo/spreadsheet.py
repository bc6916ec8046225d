"""Cells and CSV fields the project writes, made safe to open in Excel, WPS or LibreOffice.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return runs as a
formula when a spreadsheet opens the file (CSV or formula injection), and so does one
hidden behind leading blanks, a byte-order mark or a zero-width character, or behind a
``;`` or ``,`` that a spreadsheet in another locale reads as a field separator. Such text
gets a leading apostrophe (the OWASP advice), so it shows as the text it is. Numbers, dates
and ``None`` pass through unchanged.
"""

from __future__ import annotations

import re
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
