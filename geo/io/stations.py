"""Read station lists from CSV, XLSX and GeoJSON files into validated stations.

Every row either becomes a :class:`~geo.station_model.StationInput` in WGS-84 or a
:class:`RowProblem` that says, in Chinese and English, why it was not imported — a row
without coordinates is reported, never dropped silently and never given an invented
position. Rows are numbered as a person sees them: in a spreadsheet the header is row 1
(or the row it is found on, when title rows precede it) and data starts below it; GeoJSON
features are numbered from 1.

Files do not say which datum their coordinates use (WGS-84, GCJ-02 or BD-09), so the
caller says it with ``crs``. Each record gets a stable ``(source, external_id)`` so that
importing the same file again updates rather than duplicates.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import ValidationError
from shapely.geometry.base import BaseGeometry

from geo.crs import parse_crs, to_wgs84, utm_epsg
from geo.errors import InvalidFile, InvalidInput, YizhanError
from geo.station_model import StationInput, field_label, field_problems
from geo.vocab import KINDS, normalise_kind

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
_GEOM_LON, _GEOM_LAT = "\x00geometry.lon", "\x00geometry.lat"
_HEADER_SCAN_ROWS = 10
_ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8 (with or without BOM), then GBK's superset


@dataclass(frozen=True)
class RowProblem:
    """Why one row of a file was not imported.

    Attributes
    ----------
    row
        Row number as a person sees it (spreadsheet row, or GeoJSON feature from 1).
    field
        The StationInput field at fault, or None for the whole row.
    reason_zh, reason_en
        The reason in Chinese and English.
    values
        The row's non-empty values, by file column name.
    code
        ``no_coordinates``, ``bad_number``, ``out_of_range``, ``not_point``,
        ``invalid_field``, ``outside_area`` or ``duplicate_id``.
    """

    row: int
    field: str | None
    reason_zh: str
    reason_en: str
    values: dict[str, Any]
    code: str = "invalid_field"


@dataclass(frozen=True)
class StationRecord:
    """One importable row: the station in WGS-84 and the coordinates as the file gave them."""

    row: int
    station: StationInput
    given_lon: float
    given_lat: float
    given_crs: str


@dataclass
class StationsRead:
    """What :func:`read_stations` found in a file.

    Attributes
    ----------
    records
        Valid stations (WGS-84) with their row numbers.
    problems
        Rows, or fields of rows, that were not imported and why.
    columns
        Which file column was used for which field (``lon``/``lat`` → ``geometry`` for
        GeoJSON points).
    total_rows
        Data rows in the file, blank rows excluded.
    source
        The source name given to every record.
    ignored_columns
        File columns that matched no field.
    """

    records: list[StationRecord]
    problems: list[RowProblem]
    columns: dict[str, str]
    total_rows: int
    source: str
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def stations(self) -> list[StationInput]:
        """The valid stations alone."""
        return [r.station for r in self.records]

    @property
    def problem_rows(self) -> list[int]:
        """Sorted row numbers with at least one problem."""
        return sorted({p.row for p in self.problems})


@dataclass(frozen=True)
class _Valid:
    row: int
    station: StationInput
    lon: float
    lat: float
    values: dict[str, Any]


@dataclass
class _Table:
    header: list[str]
    rows: list[list[str]]  # all cells as stripped strings, "" when empty
    first_row: int  # the person-visible number of rows[0]
    is_geojson: bool = False


# ---------------------------------------------------------------- file formats


def _bad_file(path: Path, zh: str, en: str) -> InvalidFile:
    return InvalidFile(f"无法读取文件 {path.name}：{zh}", f"cannot read {path.name}: {en}")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _bad_file(
        path, "编码不是 UTF-8 或 GBK，请另存为 UTF-8 CSV", "encoding is neither UTF-8 nor GBK"
    )


def _frame_table(frame: pd.DataFrame, path: Path) -> _Table:
    grid = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    for i, cells in enumerate(grid[:_HEADER_SCAN_ROWS]):  # skip title rows above the header
        if _find_column(cells, "name") is not None:
            return _Table(cells, grid[i + 1 :], first_row=i + 2)
    if not grid:
        raise _bad_file(path, "文件为空", "the file is empty")
    return _Table(grid[0], grid[1:], first_row=2)


def _read_csv(path: Path) -> _Table:
    text = _decode(path)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        raise _bad_file(path, "文件为空", "the file is empty") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise _bad_file(path, f"CSV 格式错误（{exc}）", f"malformed CSV ({exc})") from None
    return _frame_table(frame, path)


def _read_xlsx(path: Path) -> _Table:
    try:
        frame = pd.read_excel(
            path, sheet_name=0, header=None, dtype=str, keep_default_na=False, engine="openpyxl"
        )
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise _bad_file(
            path, f"不是有效的 Excel 文件（{exc}）", f"not a valid Excel workbook ({exc})"
        ) from None
    return _frame_table(frame, path)


def _point_cells(geometry: Any) -> tuple[str, str, str | None]:
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


def _read_geojson(path: Path) -> tuple[_Table, list[str | None]]:
    try:
        data = json.loads(_decode(path))
    except json.JSONDecodeError as exc:
        raise _bad_file(path, f"不是有效的 JSON（{exc}）", f"not valid JSON ({exc})") from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise _bad_file(path, "不是 GeoJSON FeatureCollection", "not a GeoJSON FeatureCollection")
    props = [(f or {}).get("properties") or {} for f in data["features"]]
    header: list[str] = []
    for p in props:
        header.extend(k for k in p if k not in header)
    rows, wrong_types = [], []
    for feature, p in zip(data["features"], props, strict=True):
        lon, lat, wrong = _point_cells((feature or {}).get("geometry"))
        rows.append([_cell(p.get(k)) for k in header] + [lon, lat])
        wrong_types.append(wrong)
    table = _Table(header + [_GEOM_LON, _GEOM_LAT], rows, first_row=1, is_geojson=True)
    return table, wrong_types


# ---------------------------------------------------------------- columns


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lower()


def _find_column(header: Sequence[str], field_name: str) -> int | None:
    keys = [_key(h) for h in header]
    for synonym in SYNONYMS[field_name]:
        if synonym in keys:
            return keys.index(synonym)
    for i, key in enumerate(keys):
        if key.startswith(PREFIXES.get(field_name, ())):
            return i
    return None


def _named_column(header: Sequence[str], name: str, path: Path) -> int:
    keys = [_key(h) for h in header]
    if _key(name) not in keys:
        found = "、".join(h for h in header if not h.startswith("\x00"))
        raise InvalidFile(
            f"文件 {path.name} 中没有列「{name}」；现有列：{found}",
            f"{path.name} has no column '{name}'; columns found: {found}",
        )
    return keys.index(_key(name))


def _map_columns(
    table: _Table, path: Path, lon_field: str | None, lat_field: str | None
) -> dict[str, int]:
    header = table.header
    mapping = {f: i for f in SYNONYMS if (i := _find_column(header, f)) is not None}
    if "name" not in mapping:
        found = "、".join(h for h in header if h and not h.startswith("\x00")) or "（无）"
        raise InvalidFile(
            f"文件 {path.name} 缺少名称列（name、名称、站点名称或驿站名称）；现有列：{found}",
            f"{path.name} has no name column (name, 名称, 站点名称 or 驿站名称); "
            f"columns found: {found}",
        )
    if table.is_geojson:
        mapping["lon"], mapping["lat"] = header.index(_GEOM_LON), header.index(_GEOM_LAT)
    if lon_field is not None:
        mapping["lon"] = _named_column(header, lon_field, path)
    if lat_field is not None:
        mapping["lat"] = _named_column(header, lat_field, path)
    if ("lon" in mapping) != ("lat" in mapping):
        have, miss = ("经度", "纬度") if "lon" in mapping else ("纬度", "经度")
        raise InvalidFile(
            f"文件 {path.name} 有{have}列却没有{miss}列，请用 lon_field/lat_field 指定",
            f"{path.name} has only one of the longitude/latitude columns; name both "
            "with lon_field/lat_field",
        )
    return mapping


def _column_names(table: _Table, mapping: dict[str, int]) -> dict[str, str]:
    out = {}
    for f, i in mapping.items():
        name = table.header[i]
        out[f] = GEOMETRY if name in (_GEOM_LON, _GEOM_LAT) else name
    return out


# ---------------------------------------------------------------- rows


def _parse_number(text: str) -> float | None:
    try:
        return float(unicodedata.normalize("NFKC", text).replace("°", "").strip())
    except ValueError:
        return None


def _coordinate_problem(lon_text: str, lat_text: str) -> tuple[str, str, str, str] | None:
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
        value = _parse_number(text)
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


def _hash_id(name: str, address: str) -> str:
    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()

    digest = hashlib.sha1(f"{norm(name)}\x1f{norm(address)}".encode()).hexdigest()
    return f"h:{digest[:16]}"


def _row_values(table: _Table, cells: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in zip(table.header, cells, strict=False):
        if value:
            key = {_GEOM_LON: "geometry.lon", _GEOM_LAT: "geometry.lat"}.get(name, name)
            out[key] = value
    return out


def _station_data(
    cells: list[str], mapping: dict[str, int], kind: str, crs: str, source: str
) -> dict[str, Any]:
    data: dict[str, Any] = {
        f: cells[i] for f, i in mapping.items() if f not in ("lon", "lat") and i < len(cells)
    }
    data["kind"] = data.get("kind") or kind
    data["crs"] = crs
    data["source"] = source
    data["external_id"] = data.get("external_id") or _hash_id(
        data.get("name", ""), data.get("address", "")
    )
    return data


def _iter_rows(table: _Table) -> Iterator[tuple[int, list[str]]]:
    for offset, cells in enumerate(table.rows):
        if any(cells):
            yield table.first_row + offset, cells


def _outside_m(lons: np.ndarray, lats: np.ndarray, area: BaseGeometry) -> np.ndarray:
    """Distance in metres of each WGS-84 point from ``area``, in the area's UTM zone."""
    centre = area.representative_point()
    epsg = utm_epsg(centre.x, centre.y)
    points = gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs=4326).to_crs(epsg)
    shape = gpd.GeoSeries([area], crs=4326).to_crs(epsg).iloc[0]
    return points.distance(shape).to_numpy()


# ---------------------------------------------------------------- entry point


def read_stations(
    path: str | Path,
    *,
    kind: str,
    crs: str,
    source: str | None = None,
    lon_field: str | None = None,
    lat_field: str | None = None,
    service_area: BaseGeometry | None = None,
    max_outside_m: float = 5000.0,
) -> StationsRead:
    """Read and validate the stations of a CSV, XLSX or GeoJSON file.

    Parameters
    ----------
    path
        The file; its extension (``.csv``, ``.xlsx``, ``.geojson``/``.json``) picks the
        reader. CSV may be UTF-8 (with or without BOM) or GBK/GB18030.
    kind
        Station kind for rows without a kind column value (code or label).
    crs
        Datum of the coordinates in the file: ``wgs84``, ``gcj02`` or ``bd09``.
    source
        Source name of the records; the file stem by default.
    lon_field, lat_field
        Column names to use for coordinates instead of detection.
    service_area
        WGS-84 geometry; rows more than ``max_outside_m`` metres outside are reported.
    max_outside_m
        Allowed distance outside ``service_area`` in metres.

    Returns
    -------
    StationsRead
        Valid records in WGS-84 and the problems of every other row.

    Raises
    ------
    InvalidFile
        When the file cannot be read, has no name column, or a named column is absent.
    InvalidInput
        When ``crs`` or ``kind`` is not known.
    """
    path = Path(path)
    crs_name = parse_crs(crs)
    if normalise_kind(kind) is None:
        codes = ", ".join(KINDS)
        raise InvalidInput(
            f"未知的驿站类型「{kind}」，可选：{codes}",
            f"unknown station kind '{kind}'; use one of: {codes}",
        )
    if not path.is_file():
        raise InvalidFile(f"文件不存在：{path}", f"file not found: {path}")
    suffix = path.suffix.lower()
    wrong_types: list[str | None] = []
    if suffix in (".csv", ".txt"):
        table = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(path)
    elif suffix in (".geojson", ".json"):
        table, wrong_types = _read_geojson(path)
    else:
        raise InvalidFile(
            f"不支持的文件类型：{path.name}，请使用 CSV、XLSX 或 GeoJSON",
            f"unsupported file type: {path.name}; use CSV, XLSX or GeoJSON",
        )
    source = source or path.stem
    mapping = _map_columns(table, path, lon_field, lat_field)
    used = set(mapping.values())
    ignored = [h for i, h in enumerate(table.header) if i not in used and h and h[0] != "\x00"]

    problems: list[RowProblem] = []
    pending: list[_Valid] = []
    total = 0
    for row, cells in _iter_rows(table):
        total += 1
        values = _row_values(table, cells)
        row_problems = _check_row(
            row, cells, mapping, values, kind, crs_name, source, wrong_types, table
        )
        if isinstance(row_problems, list):
            problems.extend(row_problems)
        else:
            pending.append(row_problems)

    records, more = _finish(pending, table, crs_name, service_area, max_outside_m)
    problems.extend(more)
    problems.sort(key=lambda p: p.row)
    return StationsRead(
        records=records,
        problems=problems,
        columns=_column_names(table, mapping),
        total_rows=total,
        source=source,
        ignored_columns=ignored,
    )


def _check_row(
    row: int,
    cells: list[str],
    mapping: dict[str, int],
    values: dict[str, Any],
    kind: str,
    crs: str,
    source: str,
    wrong_types: list[str | None],
    table: _Table,
) -> list[RowProblem] | _Valid:
    """Validate one row: its problems, or the valid station as given."""
    found: list[RowProblem] = []
    wrong = wrong_types[row - table.first_row] if wrong_types else None
    lon_text = cells[mapping["lon"]] if "lon" in mapping else ""
    lat_text = cells[mapping["lat"]] if "lat" in mapping else ""
    if wrong is not None:
        found.append(
            RowProblem(
                row,
                None,
                f"几何类型是 {wrong}，只支持点（Point）",
                f"geometry type is {wrong}; only Point is supported",
                values,
                "not_point",
            )
        )
        coords = None
    else:
        coords = _coordinate_problem(lon_text, lat_text)
        if coords is not None:
            code, f, zh, en = coords
            found.append(RowProblem(row, f or None, zh, en, values, code))
    data = _station_data(cells, mapping, kind, crs, source)
    # Without usable coordinates, validate the other fields at a placeholder position.
    lon, lat = (0.0, 0.0) if found else (_parse_number(lon_text), _parse_number(lat_text))
    try:
        station = StationInput.model_validate({**data, "lon": lon, "lat": lat})
    except ValidationError as exc:
        found.extend(
            RowProblem(row, p.field, p.zh, p.en, values, "invalid_field")
            for p in field_problems(exc)
        )
    except YizhanError as exc:  # defensive: a domain error raised inside validation
        found.append(RowProblem(row, None, exc.zh, exc.en, values, "invalid_field"))
    if found:
        return found
    return _Valid(row, station, lon, lat, values)  # type: ignore[arg-type]  # lon/lat checked above


def _finish(
    pending: list[_Valid],
    table: _Table,
    crs: str,
    service_area: BaseGeometry | None,
    max_outside_m: float,
) -> tuple[list[StationRecord], list[RowProblem]]:
    """Convert valid rows to WGS-84 at once, then check the area and duplicate ids."""
    if not pending:
        return [], []
    lons = np.array([p.lon for p in pending])
    lats = np.array([p.lat for p in pending])
    wlons, wlats = to_wgs84(lons, lats, crs)
    outside = (
        _outside_m(wlons, wlats, service_area)
        if service_area is not None
        else np.zeros(len(pending))
    )
    records: list[StationRecord] = []
    problems: list[RowProblem] = []
    first_row: dict[str, int] = {}
    for item, wlon, wlat, dist in zip(pending, wlons, wlats, outside, strict=True):
        row, station, values = item.row, item.station, item.values
        if dist > max_outside_m:
            km = dist / 1000.0
            problems.append(
                RowProblem(
                    row,
                    "lon",
                    f"位置在服务区域外 {km:.1f} 公里（允许 {max_outside_m / 1000:g} 公里）",
                    f"position is {km:.1f} km outside the service area "
                    f"(allowed {max_outside_m / 1000:g} km)",
                    values,
                    "outside_area",
                )
            )
            continue
        ext = station.external_id or ""
        if ext in first_row:
            problems.append(
                RowProblem(
                    row,
                    "external_id",
                    f"与第 {first_row[ext]} 行的编号「{ext}」重复，未导入",
                    f"same id '{ext}' as row {first_row[ext]}; not imported",
                    values,
                    "duplicate_id",
                )
            )
            continue
        first_row[ext] = row
        wgs = station.model_copy(update={"lon": float(wlon), "lat": float(wlat), "crs": "wgs84"})
        records.append(StationRecord(row, wgs, item.lon, item.lat, crs))
    return records, problems
