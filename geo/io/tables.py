"""Reading tabular station-like files (CSV, XLSX, GeoJSON) into rows of text cells.

Shared by the station and candidate-site importers: encodings (UTF-8 with or without BOM,
GBK), title rows above the header, column names in English or Chinese, coordinate checks
and stable ids. Rows are numbered as a person sees them: in a spreadsheet the header is
row 1 (or the row it is found on) and data starts below it; GeoJSON features from 1.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import charset_normalizer
import pandas as pd

from geo.errors import InvalidFile, InvalidInput
from geo.io.geojson import load_geojson
from geo.stations.model import field_label

# Field → column names (compared case-insensitively after NFKC), in order of preference.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "站点名称", "驿站名称"),
    "address": ("address", "地址", "详细地址"),
    "district": ("district", "county", "区", "区县", "所属区域", "行政区"),
    "lon": ("lng", "lon", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "external_id": ("amap_poi_id", "poi_id", "poiid", "external_id", "id", "编号"),
    "opening_hours": ("opening_hours", "hours", "开放时间"),
    "services": ("services", "服务", "服务项目"),
    "phone": ("phone", "tel", "电话", "联系电话"),
    "host_org": ("host_org", "host", "承建单位", "依托单位"),
    "level": ("level", "级别"),
    "status": ("status", "状态"),
    "opened_on": ("opened_on", "建成日期", "开放日期"),
    "kind": ("kind", "类型"),
}
PREFIXES: dict[str, tuple[str, ...]] = {"lon": ("lng_", "lon_"), "lat": ("lat_",)}
GEOMETRY = "geometry"  # the "column" GeoJSON coordinates come from
GEOM_LON, GEOM_LAT = "\x00geometry.lon", "\x00geometry.lat"
HEADER_SCAN_ROWS = 10
GB_ENCODINGS = ("gb18030", "gbk", "gb2312", "hz")  # a detector's names for GBK-like text
RARE_SHARE_MAX = 0.3  # of non-ASCII characters outside GB2312: more is not GBK text
RARE_SHARE_WITH_OTHER_GUESS = 0.05  # ... when a detector guesses another encoding


@dataclass
class Table:
    """A file read as text cells: header, rows and the row number people see."""

    header: list[str]
    rows: list[list[str]]  # all cells as stripped strings, "" when empty
    first_row: int  # the person-visible number of rows[0]
    is_geojson: bool = False


def bad_file(path: Path, zh: str, en: str) -> InvalidFile:
    """An InvalidFile naming the file."""
    return InvalidFile(f"无法读取文件 {path.name}：{zh}", f"cannot read {path.name}: {en}")


def cell(value: Any) -> str:
    """A value as a stripped string; ``""`` for None and NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _plausible_gb(data: bytes, text: str) -> bool:
    """Whether ``text`` (``data`` decoded as GB18030) looks like real Chinese text.

    Big5 and Shift-JIS bytes also decode as GB18030, into rare characters outside the
    common GB2312 set: too many of those, or a detector sure of another encoding, means
    the file is in some other encoding.
    """
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return True
    rare = 0
    for c in wide:
        try:
            c.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    share = rare / len(wide)
    if share > RARE_SHARE_MAX:
        return False
    best = charset_normalizer.from_bytes(data).best()
    guess = best.encoding if best is not None else "gb18030"
    return guess in GB_ENCODINGS or share < RARE_SHARE_WITH_OTHER_GUESS


def _encoding_name(name: str) -> str:
    """The codec of a name a person gave (``utf-8`` also takes a BOM)."""
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        raise InvalidInput(
            f"未知的编码「{name}」，可用如 utf-8、gbk、big5、shift_jis",
            f"unknown encoding '{name}': use e.g. utf-8, gbk, big5 or shift_jis",
        ) from None
    return "utf-8-sig" if codec == "utf-8" else codec


def decode(path: Path, encoding: str | None = None) -> str:
    """The file's text, decoded strictly.

    With ``encoding`` the file must be in it (the first bad byte is named by row and
    offset). Without it: UTF-8 (with or without BOM), else GB18030 when the result
    looks like Chinese text; anything else asks for ``--encoding``.
    """
    data = path.read_bytes()
    if encoding is not None:
        codec = _encoding_name(encoding)
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            row = data.count(b"\n", 0, exc.start) + 1
            raise bad_file(
                path,
                f"第 {row} 行（字节 {exc.start}）不是有效的 {encoding} 编码",
                f"row {row} (byte {exc.start}) is not valid {encoding}",
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible_gb(data, text):
        return text
    raise bad_file(
        path,
        "编码不是 UTF-8 或 GBK（可能是 Big5、Shift-JIS 等），"
        "请用 --encoding 指定编码（如 --encoding big5）或另存为 UTF-8 CSV",
        "the encoding is neither UTF-8 nor GBK (it may be Big5, Shift-JIS ...): give it "
        "with --encoding (e.g. --encoding big5, or the encoding field of the upload) "
        "or save the file as UTF-8 CSV",
    )


def frame_table(frame: pd.DataFrame, path: Path) -> Table:
    """A table from a raw grid; the header is the first row with a name column
    among the first rows (title rows above it are skipped), else the first row."""
    grid = [[cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    for i, cells in enumerate(grid[:HEADER_SCAN_ROWS]):  # skip title rows above the header
        if find_column(cells, "name") is not None:
            return Table(cells, grid[i + 1 :], first_row=i + 2)
    if not grid:
        raise bad_file(path, "文件为空", "the file is empty")
    return Table(grid[0], grid[1:], first_row=2)


def read_csv(path: Path, encoding: str | None = None) -> Table:
    """A CSV file as a table (UTF-8 or GBK unless ``encoding`` is given)."""
    text = decode(path, encoding)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        raise bad_file(path, "文件为空", "the file is empty") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise bad_file(path, f"CSV 格式错误（{exc}）", f"malformed CSV ({exc})") from None
    return frame_table(frame, path)


def read_xlsx(path: Path) -> Table:
    """The first sheet of an Excel workbook as a table."""
    try:
        frame = pd.read_excel(
            path, sheet_name=0, header=None, dtype=str, keep_default_na=False, engine="openpyxl"
        )
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise bad_file(
            path, f"不是有效的 Excel 文件（{exc}）", f"not a valid Excel workbook ({exc})"
        ) from None
    return frame_table(frame, path)


def point_cells(geometry: Any) -> tuple[str, str, str | None]:
    """Coordinates of a GeoJSON geometry as text, plus the type when it is not a Point."""
    if not geometry:
        return "", "", None
    gtype = geometry.get("type") if isinstance(geometry, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if gtype != "Point" or not isinstance(coords, list | tuple) or len(coords) < 2:
        return "", "", str(gtype)

    def text(v: Any) -> str:
        return "" if v is None else str(v).strip()  # NaN stays "nan": a bad number

    return text(coords[0]), text(coords[1]), None


def read_geojson(path: Path, encoding: str | None = None) -> tuple[Table, list[str | None]]:
    """A GeoJSON file as a table of its properties plus the point coordinates, and
    per feature the geometry type when it is not a Point (else None)."""
    data = load_geojson(path, decode(path, encoding))
    props = [(f or {}).get("properties") or {} for f in data["features"]]
    header: list[str] = []
    for p in props:
        header.extend(k for k in p if k not in header)
    rows, wrong_types = [], []
    for feature, p in zip(data["features"], props, strict=True):
        lon, lat, wrong = point_cells((feature or {}).get("geometry"))
        rows.append([cell(p.get(k)) for k in header] + [lon, lat])
        wrong_types.append(wrong)
    table = Table(header + [GEOM_LON, GEOM_LAT], rows, first_row=1, is_geojson=True)
    return table, wrong_types


def column_key(name: str) -> str:
    """A column name as compared: NFKC-normalised, stripped, lower case."""
    return unicodedata.normalize("NFKC", name).strip().lower()


def find_column(header: Sequence[str], field_name: str) -> int | None:
    """The column of ``field_name``: by a synonym, else by a prefix; None if absent."""
    keys = [column_key(h) for h in header]
    for synonym in SYNONYMS[field_name]:
        if synonym in keys:
            return keys.index(synonym)
    for i, key in enumerate(keys):
        if key.startswith(PREFIXES.get(field_name, ())):
            return i
    return None


def named_column(header: Sequence[str], name: str, path: Path) -> int:
    """The column a person named explicitly; InvalidFile listing the columns if absent."""
    keys = [column_key(h) for h in header]
    if column_key(name) not in keys:
        found = "、".join(h for h in header if not h.startswith("\x00"))
        raise InvalidFile(
            f"文件 {path.name} 中没有列「{name}」；现有列：{found}",
            f"{path.name} has no column '{name}'; columns found: {found}",
        )
    return keys.index(column_key(name))


def parse_number(text: str) -> float | None:
    """A number from text (full-width digits and a degree sign allowed); None if not one."""
    try:
        return float(unicodedata.normalize("NFKC", text).replace("°", "").strip())
    except ValueError:
        return None


def coordinate_problem(lon_text: str, lat_text: str) -> tuple[str, str, str, str] | None:
    """(code, field, zh, en) when the coordinates are missing, unparsable or out of range."""
    if not lon_text and not lat_text:
        return (
            "no_coordinates",
            "",
            "没有坐标（只有地址），未导入；请补充经纬度",
            "no coordinates (address only); not imported: add longitude and latitude",
        )
    for f, text in (("lon", lon_text), ("lat", lat_text)):
        if not text:
            return (
                "no_coordinates",
                f,
                f"缺少{field_label(f)}，未导入",
                f"{field_label(f, 'en')} is missing; not imported",
            )
        value = parse_number(text)
        if value is None or not math.isfinite(value):
            return (
                "bad_number",
                f,
                f"{field_label(f)}「{text}」不是有效的数字",
                f"{field_label(f, 'en')} '{text}' is not a valid number",
            )
        limit = 180.0 if f == "lon" else 90.0
        if not -limit <= value <= limit:
            return (
                "out_of_range",
                f,
                f"{field_label(f)} {text} 超出范围 [-{limit:g}, {limit:g}]",
                f"{field_label(f, 'en')} {text} is outside [-{limit:g}, {limit:g}]",
            )
    return None


def hash_id(name: str, address: str) -> str:
    """A stable id from name and address, for rows without an external id (so a
    re-import updates instead of duplicating)."""

    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()

    digest = hashlib.sha1(f"{norm(name)}\x1f{norm(address)}".encode()).hexdigest()
    return f"h:{digest[:16]}"


def row_values(table: Table, cells: list[str]) -> dict[str, Any]:
    """A row's non-empty cells by column name, as shown in problem reports."""
    out: dict[str, Any] = {}
    for name, value in zip(table.header, cells, strict=False):
        if value:
            key = {GEOM_LON: "geometry.lon", GEOM_LAT: "geometry.lat"}.get(name, name)
            out[key] = value
    return out


def iter_rows(table: Table) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows with the row numbers people see."""
    for offset, cells in enumerate(table.rows):
        if any(cells):
            yield table.first_row + offset, cells
