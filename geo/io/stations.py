"""Read station lists from CSV, XLSX and GeoJSON files into validated stations.

Every row either becomes a :class:`~geo.stations.model.StationInput` in WGS-84 or a
:class:`RowProblem` that says, in Chinese and English, why it was not imported. A row that
gives a name and an address but no coordinates at all is an *unlocated* record
(:attr:`StationsRead.unlocated`): kept with its address and every other field so staff
can place it later, never given an invented position. A row with neither coordinates nor
an address is a problem. Rows are numbered as a person sees them: in a spreadsheet the
header is row 1 (or the row it is found on, when title rows precede it) and data starts
below it; GeoJSON features are numbered from 1.

Files do not say which datum their coordinates use (WGS-84, GCJ-02 or BD-09), so the
caller says it with ``crs``. Each record gets a stable ``(source, external_id)`` so that
importing the same file again updates rather than duplicates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import ValidationError
from shapely.geometry.base import BaseGeometry

from geo.crs import parse_crs, to_wgs84, utm_epsg
from geo.errors import InvalidFile, InvalidInput, YizhanError
from geo.io.limits import ReadLimits
from geo.io.rows import RawRow, Sniff, open_rows
from geo.io.sniff import OtherLayer, geojson_layer, table_layer
from geo.io.tables import (
    GEOM_LAT,
    GEOM_LON,
    GEOMETRY,
    SYNONYMS,
    column_key,
    coordinate_problem,
    find_column,
    hash_id,
    named_column,
    parse_number,
    row_values,
)
from geo.stations.model import StationInput, field_problems
from geo.vocab import KINDS, normalise_kind


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
    stored_id: int | None = None  # an export's database id, for a station without a key
    #: False for an address-only row: ``station``'s lon/lat are then a placeholder
    #: (0, 0) and ``given_lon``/``given_lat`` NaN; the station has no position.
    located: bool = True


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
    unlocated
        Valid rows with a name and an address but no coordinates (``located`` False),
        to be kept as unlocated drafts.
    """

    records: list[StationRecord]
    problems: list[RowProblem]
    columns: dict[str, str]
    total_rows: int
    source: str
    ignored_columns: list[str] = field(default_factory=list)
    unlocated: list[StationRecord] = field(default_factory=list)

    @property
    def stations(self) -> list[StationInput]:
        """The valid stations alone."""
        return [r.station for r in self.records]

    @property
    def problem_rows(self) -> list[int]:
        """Sorted row numbers with at least one problem."""
        return sorted({p.row for p in self.problems})


#: Called with the rows read so far while a file streams.
RowsRead = Callable[[int], None]
PROGRESS_EVERY = 1000  # rows between two progress calls


@dataclass(frozen=True)
class _Valid:
    row: int
    station: StationInput
    lon: float
    lat: float
    cells: list[str]  # for the problem report, should a later check refuse the row
    stored_id: int | None = None
    located: bool = True


# ---------------------------------------------------------------- columns


def _map_columns(
    header: list[str], is_geojson: bool, path: Path, lon_field: str | None, lat_field: str | None
) -> dict[str, int]:
    mapping = {f: i for f in SYNONYMS if (i := find_column(header, f)) is not None}
    if "name" not in mapping:
        found = "、".join(h for h in header if h and not h.startswith("\x00")) or "（无）"
        raise InvalidFile(
            f"文件 {path.name} 缺少名称列（name、名称、站点名称或驿站名称）；现有列：{found}",
            f"{path.name} has no name column (name, 名称, 站点名称 or 驿站名称); "
            f"columns found: {found}",
        )
    if is_geojson:
        mapping["lon"], mapping["lat"] = header.index(GEOM_LON), header.index(GEOM_LAT)
    if lon_field is not None:
        mapping["lon"] = named_column(header, lon_field, path)
    if lat_field is not None:
        mapping["lat"] = named_column(header, lat_field, path)
    stored = _stored_id_column(header, mapping)
    if stored is not None:
        mapping["stored_id"] = stored
    if ("lon" in mapping) != ("lat" in mapping):
        have, miss = ("经度", "纬度") if "lon" in mapping else ("纬度", "经度")
        raise InvalidFile(
            f"文件 {path.name} 有{have}列却没有{miss}列，请用 lon_field/lat_field 指定",
            f"{path.name} has only one of the longitude/latitude columns; name both "
            "with lon_field/lat_field",
        )
    return mapping


def _stored_id_column(header: list[str], mapping: dict[str, int]) -> int | None:
    """The database ``id`` column of a Yizhan export: one beside its own ``source`` and
    ``external_id`` columns (elsewhere an ``id`` column is the external id)."""
    keys = [column_key(h) for h in header]
    if "source" not in mapping or "external_id" not in mapping:
        return None
    if keys[mapping["external_id"]] != "external_id":
        return None
    return keys.index("id") if "id" in keys else None


def _stored_id(cells: list[str], mapping: dict[str, int]) -> int | None:
    """The export's database id of a row whose record key is empty, else None."""
    if "stored_id" not in mapping or cells[mapping["source"]] or cells[mapping["external_id"]]:
        return None
    text = cells[mapping["stored_id"]]
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 2**63 else None


def _column_names(header: list[str], mapping: dict[str, int]) -> dict[str, str]:
    out = {}
    for f, i in mapping.items():
        name = header[i]
        out[f] = GEOMETRY if name in (GEOM_LON, GEOM_LAT) else name
    return out


def _not_stations(path: Path, lon_field: str | None, lat_field: str | None) -> Sniff:
    """A sniff that refuses a streets or districts file in one line, naming its command."""

    def sniff(header: list[str], first: list[RawRow]) -> None:
        other: OtherLayer | None
        if header[-2:] == [GEOM_LON, GEOM_LAT]:
            other = geojson_layer([r.geometry_type for r in first])
        elif lon_field is None and lat_field is None:
            other = table_layer(header, [r.cells for r in first])
        else:
            other = None
        if other is not None:
            raise InvalidFile(
                f"文件 {path.name} 看起来是{other.label_zh}数据，不是站点列表（{other.why_zh}）；"
                f"请用 `{other.command}` 导入",
                f"{path.name} looks like a {other.layer} file, not a station list "
                f"({other.why_en}); import it with `{other.command}`",
                details={"looks_like": other.layer, "command": other.command},
            )

    return sniff


# ---------------------------------------------------------------- rows


def _station_data(
    cells: list[str], mapping: dict[str, int], kind: str, crs: str, source: Source
) -> dict[str, Any]:
    data: dict[str, Any] = {
        f: cells[i]
        for f, i in mapping.items()
        if f not in ("lon", "lat", "stored_id") and i < len(cells)
    }
    data["kind"] = data.get("kind") or kind
    data["crs"] = crs
    # A source given by the importer wins; else the file's own (an export's), else the
    # file's name.
    data["source"] = source.name if source.given else (data.get("source") or source.name)
    data["external_id"] = data.get("external_id") or hash_id(
        data.get("name", ""), data.get("address", "")
    )
    return data


@dataclass(frozen=True)
class Source:
    """The source name for rows, and whether the importer gave it (or it is the file's)."""

    name: str
    given: bool


# Vertices per run of a district ring in the distance check (see _edge_runs).
_RUN = 64


def _polygons(shape: BaseGeometry) -> NDArray[np.object_]:
    """The polygons of a polygon, multipolygon or collection of them."""
    parts = shapely.get_parts(shape)
    return shapely.get_parts(parts) if len(parts) else parts


def _edge_runs(polygons: NDArray[np.object_]) -> NDArray[np.object_]:
    """Every ring of ``polygons`` as linestrings of at most ``_RUN`` consecutive vertices,
    each starting at the last vertex of the one before: every edge is in exactly one run,
    uncut, so the nearest run gives the distance from outside, with the edges of the
    polygons themselves (not those of pieces cut from them)."""
    coords, ring = shapely.get_coordinates(shapely.get_rings(polygons), return_index=True)
    sizes = np.bincount(ring)
    pos = np.arange(len(ring)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    step = _RUN - 1
    runs = -(-(sizes - 1) // step)  # per ring
    shared = (pos > 0) & (pos % step == 0)  # ends the run before and starts the next
    last = pos == sizes[ring] - 1  # the closing vertex starts no run
    copies = 1 + (shared & ~last)
    vertex = np.repeat(np.arange(len(ring)), copies)
    key = (pos // step)[vertex]
    key[(np.cumsum(copies) - copies)[shared]] -= 1  # a shared vertex first ends a run
    line = (np.cumsum(runs) - runs)[ring[vertex]] + key
    return shapely.linestrings(coords[vertex], indices=line)


def _outside_m(lons: np.ndarray, lats: np.ndarray, area: BaseGeometry) -> np.ndarray:
    """Distance in metres of each WGS-84 point from ``area``, in the area's UTM zone.

    The points inside come from the prepared polygons and the distance of the others from
    an index of their edges in runs of 64 vertices, so a detailed district (300,000
    vertices) costs each row a few index look-ups, not a pass over every vertex; the
    answers are those of ``distance`` to the whole area.
    """
    centre = area.representative_point()
    epsg = utm_epsg(centre.x, centre.y)
    points = np.asarray(gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs=4326).to_crs(epsg))
    shape = gpd.GeoSeries([area], crs=4326).to_crs(epsg).iloc[0]
    polygons = _polygons(shape)
    out = np.zeros(len(points))
    if len(polygons) == 0 or len(points) == 0:
        return out
    shapely.prepare(polygons)
    outside = ~shapely.intersects(polygons[:, None], points[None, :]).any(axis=0)
    if outside.any():
        tree = shapely.STRtree(_edge_runs(polygons))
        (which, _), dist = tree.query_nearest(
            points[outside], return_distance=True, all_matches=False
        )
        out[np.flatnonzero(outside)[which]] = dist
    return out


# ---------------------------------------------------------------- entry point


def read_stations(  # noqa: PLR0913
    path: str | Path,
    *,
    kind: str,
    crs: str,
    source: str | None = None,
    lon_field: str | None = None,
    lat_field: str | None = None,
    service_area: BaseGeometry | None = None,
    max_outside_m: float = 5000.0,
    encoding: str | None = None,
    limits: ReadLimits | None = None,
    progress: RowsRead | None = None,
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
    encoding
        Encoding of a CSV or GeoJSON file (e.g. ``big5``); detected when None.
    limits
        Unpacked bytes, rows and columns the file may hold; the ``imports`` settings
        when None. The file is streamed: only the rows' results are kept.
    progress
        Called with the number of rows read, every ``PROGRESS_EVERY`` rows and at the end.

    Returns
    -------
    StationsRead
        Valid records in WGS-84 and the problems of every other row.

    Raises
    ------
    InvalidFile
        When the file cannot be read, has no name column, or a named column is absent;
        or when its header and first rows show a streets or districts file (GeoJSON
        lines or polygons; a table with street or WKT columns and neither coordinates
        nor addresses), before the rest of it is read.
    InvalidInput
        When ``crs``, ``kind`` or ``encoding`` is not known.
    ImportTooLarge
        When the file holds more than ``limits`` allow; nothing is returned.
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
    given = Source(source, True) if source else Source(path.stem, False)
    source = given.name
    problems: list[RowProblem] = []
    pending: list[_Valid] = []
    total = 0
    sniff = _not_stations(path, lon_field, lat_field)
    with open_rows(path, encoding=encoding, limits=limits, sniff=sniff) as rows:
        header = rows.header
        mapping = _map_columns(header, rows.is_geojson, path, lon_field, lat_field)
        for raw in rows:
            if not any(raw.cells):
                continue  # a blank row is no station
            total += 1
            checked = _check_row(raw, mapping, kind, crs_name, given, header)
            if isinstance(checked, list):
                problems.extend(checked)
            else:
                pending.append(checked)
            if progress is not None and total % PROGRESS_EVERY == 0:
                progress(total)
    if progress is not None:
        progress(total)
    used = set(mapping.values())
    ignored = [h for i, h in enumerate(header) if i not in used and h and h[0] != "\x00"]

    records, more = _finish(pending, header, crs_name, service_area, max_outside_m)
    problems.extend(more)
    problems.sort(key=lambda p: p.row)
    return StationsRead(
        records=[r for r in records if r.located],
        problems=problems,
        columns=_column_names(header, mapping),
        total_rows=total,
        source=source,
        ignored_columns=ignored,
        unlocated=[r for r in records if not r.located],
    )


def _check_row(
    raw: RawRow,
    mapping: dict[str, int],
    kind: str,
    crs: str,
    source: Source,
    header: Sequence[str],
) -> list[RowProblem] | _Valid:
    """Validate one row: its problems, or the valid station as given."""
    row, cells, wrong = raw.row, raw.cells, raw.geometry_type
    found: list[tuple[str | None, str, str, str]] = []  # field, zh, en, code
    lon_text = cells[mapping["lon"]] if "lon" in mapping else ""
    lat_text = cells[mapping["lat"]] if "lat" in mapping else ""
    if wrong is not None:
        found.append(
            (
                None,
                f"几何类型是 {wrong}，只支持点（Point）",
                f"geometry type is {wrong}; only Point is supported",
                "not_point",
            )
        )
    else:
        coords = coordinate_problem(lon_text, lat_text)
        if coords is not None:
            code, f, zh, en = coords
            found.append((f or None, zh, en, code))
    data = _station_data(cells, mapping, kind, crs, source)
    # Without usable coordinates, validate the other fields at a placeholder position.
    lon, lat = (0.0, 0.0) if found else (parse_number(lon_text), parse_number(lat_text))
    station: StationInput | None = None
    try:
        station = StationInput.model_validate({**data, "lon": lon, "lat": lat})
    except ValidationError as exc:
        found.extend((p.field, p.zh, p.en, "invalid_field") for p in field_problems(exc))
    except YizhanError as exc:  # defensive: a domain error raised inside validation
        found.append((None, exc.zh, exc.en, "invalid_field"))
    stored = _stored_id(cells, mapping)
    if wrong is None and not lon_text and not lat_text:  # no coordinates at all
        if not str(data.get("address") or "").strip():
            found[0] = (None, *_NO_POSITION)
        elif len(found) == 1 and station is not None:  # only the position is missing
            return _Valid(row, station, math.nan, math.nan, cells, stored, located=False)
    if found or station is None:
        values = row_values(header, cells)
        return [RowProblem(row, f, zh, en, values, code) for f, zh, en, code in found]
    return _Valid(row, station, lon, lat, cells, stored)  # type: ignore[arg-type]  # lon/lat checked


#: The problem of a row with neither coordinates nor an address.
_NO_POSITION = (
    "没有坐标也没有地址，未导入；请补充经纬度或地址（只有地址的行保存为待定位草稿）",
    "neither coordinates nor an address; not imported: add longitude and latitude, or an "
    "address (a row with an address is kept as an unlocated draft)",
    "no_coordinates",
)


def _finish(
    pending: list[_Valid],
    header: Sequence[str],
    crs: str,
    service_area: BaseGeometry | None,
    max_outside_m: float,
) -> tuple[list[StationRecord], list[RowProblem]]:
    """Convert valid rows to WGS-84 at once, then check the area and duplicate ids."""
    if not pending:
        return [], []
    lons = np.array([p.lon if p.located else 0.0 for p in pending])
    lats = np.array([p.lat if p.located else 0.0 for p in pending])
    wlons, wlats = to_wgs84(lons, lats, crs)
    located = np.array([p.located for p in pending])
    outside = np.zeros(len(pending))
    if service_area is not None and located.any():
        outside[located] = _outside_m(wlons[located], wlats[located], service_area)
    records: list[StationRecord] = []
    problems: list[RowProblem] = []
    first_row: dict[str, int] = {}
    for item, wlon, wlat, dist in zip(pending, wlons, wlats, outside, strict=True):
        row, station = item.row, item.station
        if dist > max_outside_m:
            km = dist / 1000.0
            problems.append(
                RowProblem(
                    row,
                    "lon",
                    f"位置在服务区域外 {km:.1f} 公里（允许 {max_outside_m / 1000:g} 公里）",
                    f"position is {km:.1f} km outside the service area "
                    f"(allowed {max_outside_m / 1000:g} km)",
                    row_values(header, item.cells),
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
                    row_values(header, item.cells),
                    "duplicate_id",
                )
            )
            continue
        first_row[ext] = row
        if not item.located:  # kept as given: no position to convert
            records.append(
                StationRecord(row, station, item.lon, item.lat, crs, item.stored_id, located=False)
            )
            continue
        wgs = station.model_copy(update={"lon": float(wlon), "lat": float(wlat), "crs": "wgs84"})
        records.append(StationRecord(row, wgs, item.lon, item.lat, crs, item.stored_id))
    return records, problems
