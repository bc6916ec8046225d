"""Candidate sites for new stations: read from a file, or generated along streets and
inside districts.

Files are the lists the union gathers (member workplaces, bank branches, sanitation
depots, shops willing to host): CSV (UTF-8 or GBK), XLSX or GeoJSON points, with the
datum of their coordinates given by the caller (``wgs84``, ``gcj02`` or ``bd09``). The
table readers, column detection and coordinate checks are those of the station importer
(:mod:`geo.io.stations`), so a file that imports as stations also reads as candidates. A
row without usable coordinates is reported by row number and never placed anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import parse_crs, to_wgs84, utm_epsg
from geo.errors import InvalidFile, InvalidInput
from geo.io.rows import read_table
from geo.io.stations import RowProblem
from geo.io.tables import (
    GEOM_LAT,
    GEOM_LON,
    GEOMETRY,
    Table,
    column_key,
    coordinate_problem,
    find_column,
    hash_id,
    iter_rows,
    parse_number,
    row_values,
)

# Candidate fields that the station importer does not know, by column name.
_CATEGORY = ("category", "type", "kind", "类别", "类型", "单位类型", "场所类型")
_FIELDS = ("name", "address", "external_id", "lon", "lat")
COLUMNS = ["row", "candidate_id", "name", "address", "category", "source", "given_lon", "given_lat"]


@dataclass
class CandidatesRead:
    """What :func:`read_candidates` found in a file.

    Attributes
    ----------
    sites
        One row per usable candidate, WGS-84 points, with the columns in ``COLUMNS``.
    problems
        Rows that were not used and why (row numbers as a person sees them).
    columns
        Which file column was used for which field.
    total_rows
        Data rows in the file, blank rows excluded.
    """

    sites: gpd.GeoDataFrame
    problems: list[RowProblem]
    columns: dict[str, str]
    total_rows: int
    ignored_columns: list[str] = field(default_factory=list)


def _columns(
    table: Table, path: Path, lon_field: str | None, lat_field: str | None
) -> dict[str, int]:
    header = table.header
    keys = [column_key(h) for h in header]
    mapping = {f: i for f in _FIELDS if (i := find_column(header, f)) is not None}
    category = next((keys.index(c) for c in _CATEGORY if c in keys), None)
    if category is not None:
        mapping["category"] = category
    if table.is_geojson:
        mapping["lon"], mapping["lat"] = header.index(GEOM_LON), header.index(GEOM_LAT)
    for f, name in (("lon", lon_field), ("lat", lat_field)):
        if name is not None:
            if column_key(name) not in keys:
                raise InvalidFile(
                    f"文件 {path.name} 中没有列「{name}」",
                    f"{path.name} has no column '{name}'",
                )
            mapping[f] = keys.index(column_key(name))
    if "lon" not in mapping or "lat" not in mapping:
        found = "、".join(h for h in header if h and not h.startswith("\x00")) or "（无）"
        raise InvalidFile(
            f"文件 {path.name} 缺少经度或纬度列（lng/经度、lat/纬度）；现有列：{found}",
            f"{path.name} lacks a longitude or latitude column (lng/经度, lat/纬度); "
            f"columns found: {found}",
        )
    return mapping


def read_candidates(
    path: str | Path,
    *,
    crs: str,
    source: str | None = None,
    lon_field: str | None = None,
    lat_field: str | None = None,
) -> CandidatesRead:
    """Read candidate sites from a CSV, XLSX or GeoJSON file into WGS-84.

    Parameters
    ----------
    path
        The file; its extension picks the reader.
    crs
        Datum of the coordinates in the file: ``wgs84``, ``gcj02`` or ``bd09``.
    source
        Source name of the sites (the file stem by default); ids without an id column are
        derived from name and address, so the same file gives the same ids.
    lon_field, lat_field
        Coordinate column names, instead of detection.

    Raises
    ------
    InvalidFile
        When the file cannot be read or has no coordinate columns.
    InvalidInput
        When ``crs`` is not known.
    """
    path = Path(path)
    crs_name = parse_crs(crs)
    if not path.is_file():
        raise InvalidFile(f"文件不存在：{path}", f"file not found: {path}")
    table, wrong_types = read_table(path)
    mapping = _columns(table, path, lon_field, lat_field)
    source = source or path.stem
    problems: list[RowProblem] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    total = 0
    for row, cells in iter_rows(table):
        total += 1
        problem = _row_problem(row, cells, mapping, table, wrong_types)
        if problem is not None:
            problems.append(problem)
            continue
        record = _record(row, cells, mapping, source)
        if record["candidate_id"] in seen:
            problems.append(
                RowProblem(
                    row,
                    "external_id",
                    f"与第 {seen[record['candidate_id']]} 行的编号「{record['candidate_id']}」重复",
                    f"same id '{record['candidate_id']}' as row {seen[record['candidate_id']]}",
                    row_values(table.header, cells),
                    "duplicate_id",
                )
            )
            continue
        seen[record["candidate_id"]] = row
        rows.append(record)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    lon, lat = to_wgs84(
        frame["given_lon"].to_numpy(float), frame["given_lat"].to_numpy(float), crs_name
    )
    sites = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    names = {f: table.header[i] for f, i in mapping.items()}
    for f in ("lon", "lat"):
        if names[f] in (GEOM_LON, GEOM_LAT):
            names[f] = GEOMETRY
    used = set(mapping.values())
    ignored = [h for i, h in enumerate(table.header) if i not in used and h and h[0] != "\x00"]
    return CandidatesRead(sites, problems, names, total, ignored)


def _row_problem(
    row: int,
    cells: list[str],
    mapping: dict[str, int],
    table: Table,
    wrong_types: list[str | None],
) -> RowProblem | None:
    values = row_values(table.header, cells)
    wrong = wrong_types[row - table.first_row] if wrong_types else None
    if wrong is not None:
        return RowProblem(
            row,
            None,
            f"几何类型是 {wrong}，只支持点（Point）",
            f"geometry type is {wrong}; only Point is supported",
            values,
            "not_point",
        )
    found = coordinate_problem(cell(cells, mapping, "lon"), cell(cells, mapping, "lat"))
    if found is None:
        return None
    code, f, zh, en = found
    return RowProblem(row, f or None, zh, en, values, code)


def cell(cells: list[str], mapping: dict[str, int], f: str) -> str:
    """The cell of field ``f`` in a row, ``""`` when the column is absent or the row short."""
    i = mapping.get(f)
    return cells[i] if i is not None and i < len(cells) else ""


def _record(row: int, cells: list[str], mapping: dict[str, int], source: str) -> dict[str, Any]:
    name = cell(cells, mapping, "name") or f"候选点 {row}"
    address = cell(cells, mapping, "address")
    return {
        "row": row,
        "candidate_id": cell(cells, mapping, "external_id") or hash_id(name, address),
        "name": name,
        "address": address,
        "category": cell(cells, mapping, "category"),
        "source": source,
        "given_lon": parse_number(cell(cells, mapping, "lon")),
        "given_lat": parse_number(cell(cells, mapping, "lat")),
    }


# ---------------------------------------------------------------- generated sites


def generate_candidates(
    geometries: gpd.GeoSeries | gpd.GeoDataFrame, spacing_m: float
) -> gpd.GeoDataFrame:
    """Candidate points every ``spacing_m`` metres along lines and on a grid in polygons.

    Each line gets ``ceil(length / spacing)`` points, evenly spread and centred (so no
    two lie further apart than ``spacing_m`` along it, and a short street still gets one);
    each polygon gets the points of a square grid aligned to multiples of the spacing that
    fall inside it, or one inner point when it is smaller than a grid cell. Points less
    than 1 cm apart (street ends meeting at a junction) are kept once.

    Parameters
    ----------
    geometries
        Main-street lines and/or key-district polygons, in any CRS (WGS-84 is measured
        in its UTM zone).
    spacing_m
        Distance between neighbouring candidates in metres, > 0.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate_id`` (``gen:0``, ``gen:1``…), ``source`` (``street`` or ``district``),
        ``parent`` (position of the geometry it came from) and point geometry in the
        input's CRS.
    """
    spacing = float(spacing_m)
    if not np.isfinite(spacing) or spacing <= 0:
        raise InvalidInput(
            f"候选点间距必须是正数（米），收到 {spacing_m}",
            f"the candidate spacing must be a positive number of metres, got {spacing_m}",
        )
    series = geometries.geometry if isinstance(geometries, gpd.GeoDataFrame) else geometries
    if series.crs is None:
        raise InvalidInput("几何必须带坐标系（crs）", "the geometries need a CRS")
    metric = series.crs if series.crs.is_projected else _utm(series)
    geoms = np.asarray(series.to_crs(metric).values)
    parts, parent = shapely.get_parts(geoms, return_index=True)
    dim = shapely.get_dimensions(parts)
    line_pts, line_parent = _along_lines(parts[dim == 1], parent[dim == 1], spacing)
    poly_pts, poly_parent = _in_polygons(parts[dim == 2], parent[dim == 2], spacing)
    points = np.concatenate([line_pts, poly_pts])
    frame = gpd.GeoDataFrame(
        {
            "source": ["street"] * len(line_pts) + ["district"] * len(poly_pts),
            "parent": np.concatenate([line_parent, poly_parent]).astype(np.int64),
        },
        geometry=gpd.GeoSeries(points, crs=metric),
    )
    xy = np.round(shapely.get_coordinates(points) * 100).astype(np.int64).reshape(-1, 2)
    first = np.unique(xy, axis=0, return_index=True)[1]  # one point per centimetre cell
    frame = frame.iloc[np.sort(first)].reset_index(drop=True).to_crs(series.crs)
    frame.insert(0, "candidate_id", [f"gen:{i}" for i in range(len(frame))])
    return frame


def _utm(series: gpd.GeoSeries) -> int:
    bounds = series.to_crs(4326).total_bounds
    if not np.all(np.isfinite(bounds)):
        raise InvalidInput("没有可用的几何", "there are no geometries to place candidates on")
    return utm_epsg((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)


def _along_lines(lines: np.ndarray, parent: np.ndarray, spacing: float):
    if lines.size == 0:
        return np.array([], dtype=object), np.array([], dtype=np.int64)
    length = shapely.length(lines)
    count = np.maximum(1, np.ceil(length / spacing)).astype(np.int64)
    which = np.repeat(np.arange(lines.size), count)
    step = np.arange(which.size) - np.repeat(np.cumsum(count) - count, count)
    offset = (step + 0.5) * (length / count)[which]
    return shapely.line_interpolate_point(lines[which], offset), parent[which]


def _in_polygons(polygons: np.ndarray, parent: np.ndarray, spacing: float):
    points, owners = [], []
    for poly, owner in zip(polygons, parent, strict=True):  # few districts: not a hot path
        x0, y0, x1, y1 = poly.bounds
        xs = np.arange(np.ceil(x0 / spacing), np.floor(x1 / spacing) + 1) * spacing
        ys = np.arange(np.ceil(y0 / spacing), np.floor(y1 / spacing) + 1) * spacing
        gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
        inside = shapely.contains_xy(poly, gx, gy)
        found = shapely.points(gx[inside], gy[inside])
        if found.size == 0:
            found = np.array([shapely.point_on_surface(poly)])
        points.append(found)
        owners.append(np.full(found.size, owner))
    if not points:
        return np.array([], dtype=object), np.array([], dtype=np.int64)
    return np.concatenate(points), np.concatenate(owners)
