"""Rows of text cells from station-like files (CSV, XLSX, GeoJSON): what they mean.

Shared by the station and candidate-site importers: column names in English or Chinese,
cells as text, coordinate checks and stable ids. Reading the files is :mod:`geo.io.rows`,
their encodings :mod:`geo.io.encoding`. Rows are numbered as a person sees them: in a
spreadsheet the header is row 1 (or the row it is found on) and data starts below it;
GeoJSON features from 1.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.errors import InvalidFile
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
    "source": ("source", "数据来源"),
}
PREFIXES: dict[str, tuple[str, ...]] = {"lon": ("lng_", "lon_"), "lat": ("lat_",)}
GEOMETRY = "geometry"  # the "column" GeoJSON coordinates come from
GEOM_LON, GEOM_LAT = "\x00geometry.lon", "\x00geometry.lat"


@dataclass
class Table:
    """A file read as text cells: header, rows and the row number people see."""

    header: list[str]
    rows: list[list[str]]  # all cells as stripped strings, "" when empty
    first_row: int  # the person-visible number of rows[0]
    is_geojson: bool = False


def cell(value: Any) -> str:
    """A value as a stripped string; ``""`` for None and NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


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


def row_values(header: Sequence[str], cells: list[str]) -> dict[str, Any]:
    """A row's non-empty cells by column name, as shown in problem reports."""
    out: dict[str, Any] = {}
    for name, value in zip(header, cells, strict=False):
        if value:
            key = {GEOM_LON: "geometry.lon", GEOM_LAT: "geometry.lat"}.get(name, name)
            out[key] = value
    return out


def iter_rows(table: Table) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows with the row numbers people see."""
    for offset, cells in enumerate(table.rows):
        if any(cells):
            yield table.first_row + offset, cells
