"""The rows of a station-like file (CSV, XLSX, GeoJSON), streamed one at a time.

No file is loaded whole into rows: a CSV is decoded and split as it is read, an XLSX
sheet is read by openpyxl in read-only mode (its XML parsed as a stream), and GeoJSON
features are decoded one at a time. The limits of :mod:`geo.io.limits` are checked before
parsing (sizes) and while streaming (rows, columns, line lengths), so a file that is too
big stops at the first excess, having cost at most the rows read until then.

The header is the first row with a name column among the first rows (title rows above it
are skipped), else the first row. Rows are numbered as a person sees them: in a
spreadsheet the header is row 1 (or the row it is found on) and data starts below it;
GeoJSON features from 1.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from geo.errors import ImportTooLarge, YizhanError
from geo.io.encoding import bad_file, file_codec, read_text
from geo.io.geojson import iter_features
from geo.io.limits import (
    MAX_LINE_CHARS,
    ReadLimits,
    check_file_size,
    check_xlsx,
    too_many_columns,
    too_many_rows,
)
from geo.io.sniff import SNIFF_ROWS
from geo.io.tables import GEOM_LAT, GEOM_LON, Table, cell, find_column, point_cells

HEADER_SCAN_ROWS = 10
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
GEOJSON_SUFFIXES = (".geojson", ".json")

Grid = Iterator[tuple[int, list[str]]]
_Sheet = Generator[tuple[int, list[str]], None, None]


@dataclass(frozen=True)
class RawRow:
    """One row below the header: its number, its cells as stripped text (``""`` when
    empty, as many as the header has at least) and, for a GeoJSON feature whose geometry
    is not a Point, the geometry type."""

    row: int
    cells: list[str]
    geometry_type: str | None = None


#: Called with the header and the first rows (at most ``SNIFF_ROWS``; GeoJSON: with the
#: property names seen so far) before the rest of the file is read; it may raise to
#: refuse the file.
Sniff = Callable[[list[str], list["RawRow"]], None]


class RowSource:
    """A file's header and the rows below it, read as they are iterated (once).

    Iterating stops with :class:`~geo.errors.ImportTooLarge` at the first row past
    ``limits.max_rows``.
    """

    def __init__(
        self,
        path: Path,
        header: list[str],
        header_row: int,
        rows: Iterator[RawRow],
        limits: ReadLimits,
        *,
        is_geojson: bool = False,
    ) -> None:
        self.path = path
        self.header = header
        self.header_row = header_row
        self.first_row = header_row + 1
        self.is_geojson = is_geojson
        self._rows = rows
        self._limits = limits

    def sniff(self, sniff: Sniff) -> None:
        """Show ``sniff`` the header and the first rows; they are still iterated after."""
        first = list(islice(self._rows, SNIFF_ROWS))
        sniff(self.header, first)
        self._rows = chain(first, self._rows)

    def __iter__(self) -> Iterator[RawRow]:
        width = len(self.header)
        for raw in self._rows:
            if raw.row - self.header_row > self._limits.max_rows:
                raise too_many_rows(self.path, self._limits.max_rows)
            if len(raw.cells) < width:
                raw.cells.extend([""] * (width - len(raw.cells)))
            yield raw


def suffix_kind(path: Path) -> str:
    """``csv``, ``xlsx`` or ``geojson`` by the file's extension; InvalidFile otherwise."""
    suffix = path.suffix.lower()
    for kind, suffixes in (
        ("csv", CSV_SUFFIXES),
        ("xlsx", XLSX_SUFFIXES),
        ("geojson", GEOJSON_SUFFIXES),
    ):
        if suffix in suffixes:
            return kind
    raise bad_file(
        path,
        "不支持的文件类型，请使用 CSV、XLSX 或 GeoJSON",
        "unsupported file type; use CSV, XLSX or GeoJSON",
    )


@contextmanager
def open_rows(
    path: Path,
    *,
    encoding: str | None = None,
    limits: ReadLimits | None = None,
    sniff: Sniff | None = None,
) -> Iterator[RowSource]:
    """The rows of a CSV, XLSX or GeoJSON file, streamed; the file is closed on exit.

    Parameters
    ----------
    path
        The file; its extension picks the reader.
    encoding
        Encoding of a CSV or GeoJSON file; detected (UTF-8 or GBK) when None.
    limits
        The read limits; the ``imports`` settings when None.
    sniff
        Shown the header and the first rows before the rest is read (see :data:`Sniff`);
        what it raises stops the read.

    Raises
    ------
    ImportTooLarge
        When the file holds more than ``limits`` allow (before parsing, or while
        iterating).
    InvalidFile
        When the file cannot be read.
    """
    limits = limits or ReadLimits.from_settings()
    if not path.is_file():
        raise bad_file(path, "文件不存在", "file not found")
    kind = suffix_kind(path)
    if kind == "geojson":
        yield _geojson_source(path, encoding, limits, sniff)
        return
    if kind == "csv":
        check_file_size(path, limits)
        codec = file_codec(path, encoding)
        with path.open(encoding=codec, newline="", errors="strict") as text:
            yield _sniffed(_with_header(path, _csv_grid(path, text, limits), limits), sniff)
        return
    check_xlsx(path, limits)
    grid = _xlsx_grid(path, limits)
    try:
        yield _sniffed(_with_header(path, grid, limits), sniff)
    finally:
        grid.close()


def _sniffed(source: RowSource, sniff: Sniff | None) -> RowSource:
    if sniff is not None:
        source.sniff(sniff)
    return source


def count_rows(path: Path, *, encoding: str | None = None, limits: ReadLimits | None = None) -> int:
    """The non-blank rows below the header (GeoJSON: features), checking every limit on
    the way; nothing but the count is kept."""
    with open_rows(path, encoding=encoding, limits=limits) as rows:
        return sum(1 for raw in rows if any(raw.cells))


def read_table(
    path: Path, *, encoding: str | None = None, limits: ReadLimits | None = None
) -> tuple[Table, list[str | None]]:
    """The whole file as a :class:`~geo.io.tables.Table` (for small lists such as
    candidate sites), with per row the geometry type when it is not a Point."""
    with open_rows(path, encoding=encoding, limits=limits) as source:
        raws = list(source)
        table = Table(source.header, [r.cells for r in raws], source.first_row, source.is_geojson)
    return table, [r.geometry_type for r in raws] if table.is_geojson else []


# ---------------------------------------------------------------- header


def _with_header(path: Path, grid: Grid, limits: ReadLimits) -> RowSource:
    """The source whose header is the first row with a name column among the first
    rows (title rows above it skipped), else the first row."""
    seen: list[tuple[int, list[str]]] = []
    for n, cells in grid:
        seen.append((n, cells))
        if find_column(cells, "name") is not None:
            return _source(path, seen[-1], grid, limits)
        if len(seen) >= HEADER_SCAN_ROWS:
            break
    if not seen:
        raise bad_file(path, "文件为空", "the file is empty")
    return _source(path, seen[0], _rest(seen[1:], grid), limits)


def _rest(buffered: list[tuple[int, list[str]]], grid: Grid) -> Grid:
    yield from buffered
    yield from grid


def _source(path: Path, header: tuple[int, list[str]], grid: Grid, limits: ReadLimits) -> RowSource:
    rows = (RawRow(n, cells) for n, cells in grid)
    return RowSource(path, header[1], header[0], rows, limits)


# ---------------------------------------------------------------- CSV


def _lines(path: Path, text: IO[str]) -> Iterator[str]:
    """The physical lines of a CSV; one longer than MAX_LINE_CHARS stops the read."""
    n = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        n += 1
        if len(line) > MAX_LINE_CHARS:
            raise ImportTooLarge(
                f"文件 {path.name} 第 {n} 行超过 {MAX_LINE_CHARS:,} 个字符",
                f"{path.name}: line {n} is longer than {MAX_LINE_CHARS:,} characters",
                details={"limit": MAX_LINE_CHARS, "line": n},
            )
        yield line


def _csv_grid(path: Path, text: IO[str], limits: ReadLimits) -> Grid:
    reader = csv.reader(_lines(path, text), strict=True)
    try:
        for n, cells in enumerate(reader, start=1):
            if len(cells) > limits.max_columns:
                raise too_many_columns(path, n, len(cells), limits.max_columns)
            yield n, [c.strip() for c in cells]
    except csv.Error as exc:
        line = reader.line_num
        raise bad_file(
            path, f"CSV 格式错误（第 {line} 行：{exc}）", f"malformed CSV (line {line}: {exc})"
        ) from None


# ---------------------------------------------------------------- XLSX


def xlsx_cell(value: Any) -> str:
    """A cell value as text, as a spreadsheet shows it: whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()  # a date cell (openpyxl reads it as a datetime)
    if isinstance(value, dt.datetime | dt.date | dt.time | bool | int | float):
        return str(value)
    return str(value).strip()


def _xlsx_grid(path: Path, limits: ReadLimits) -> _Sheet:
    """The first sheet's rows, numbered as in the sheet (rows it skips come as empty
    rows); openpyxl stops reading past the last row the row limit can accept."""
    import openpyxl  # lazy: only XLSX imports need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise _not_excel(path, exc) from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # declared dimensions may lie (A1:XFD1048576)
        last = HEADER_SCAN_ROWS + limits.max_rows + 1
        for n, values in enumerate(sheet.iter_rows(max_row=last, values_only=True), start=1):
            if len(values) > limits.max_columns:
                raise too_many_columns(path, n, len(values), limits.max_columns)
            cells = [xlsx_cell(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            yield n, cells
    except YizhanError:
        raise
    except Exception as exc:  # a damaged sheet, or XML with entities (defusedxml)
        raise _not_excel(path, exc) from None
    finally:
        book.close()


def _not_excel(path: Path, exc: Exception) -> YizhanError:
    reason = f"{type(exc).__name__}: {exc}"[:300]
    return bad_file(
        path, f"不是有效的 Excel 文件（{reason}）", f"not a valid Excel workbook ({reason})"
    )


# ---------------------------------------------------------------- GeoJSON


def _feature_row(n: int, feature: dict[str, Any], header: list[str]) -> RawRow:
    props = feature.get("properties") or {}
    lon, lat, wrong = point_cells(feature.get("geometry"))
    return RawRow(n, [cell(props.get(k)) for k in header] + [lon, lat], wrong)


def _geojson_source(
    path: Path, encoding: str | None, limits: ReadLimits, sniff: Sniff | None = None
) -> RowSource:
    """Features as rows of their properties plus the point coordinates.

    The features are walked twice over the decoded text, never held together: first for
    the property names (the header) and the limits, then for the rows. ``sniff`` sees
    the first features (with the property names found so far) before the rest is walked.
    """
    check_file_size(path, limits)
    text = read_text(path, encoding)
    names: dict[str, None] = {}
    first: list[tuple[int, dict[str, Any]]] = []
    for n, feature in iter_features(path, text):
        if sniff is not None and len(first) < SNIFF_ROWS:
            first.append((n, feature))
            if len(first) == SNIFF_ROWS:
                _sniff_features(sniff, first)
        if n > limits.max_rows:
            raise too_many_rows(path, limits.max_rows)
        for key in feature.get("properties") or {}:
            if key not in names:
                names[key] = None
                if len(names) > limits.max_columns:
                    raise too_many_columns(path, n, len(names), limits.max_columns)
    if sniff is not None and 0 < len(first) < SNIFF_ROWS:
        _sniff_features(sniff, first)
    header = list(names)

    def rows() -> Iterator[RawRow]:
        for n, feature in iter_features(path, text):
            yield _feature_row(n, feature, header)

    return RowSource(path, header + [GEOM_LON, GEOM_LAT], 0, rows(), limits, is_geojson=True)


def _sniff_features(sniff: Sniff, first: list[tuple[int, dict[str, Any]]]) -> None:
    names = list(dict.fromkeys(k for _, f in first for k in f.get("properties") or {}))
    sniff([*names, GEOM_LON, GEOM_LAT], [_feature_row(n, f, names) for n, f in first])
