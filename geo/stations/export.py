"""Export stations to files planners open elsewhere: GeoJSON, GeoPackage, CSV, XLSX.

Coordinates can be written in WGS-84, GCJ-02 or BD-09. The CSV and XLSX columns are the
ones ``yizhan import stations`` reads (``lng``/``lat``, ``services`` as a comma list), so an
export can be imported again with the same ``--crs``. A station without a position (an
unlocated draft) has empty ``lng``/``lat`` (no geometry in GeoJSON and GeoPackage), and
imports again as one.

A file never claims a datum its numbers are not in (#12 item 9). GCJ-02 and BD-09 have
no EPSG code, and a GIS takes the numbers of a file tagged EPSG:4326 (or any GeoJSON:
RFC 7946 knows only WGS-84, and GDAL reads a ``crs`` member it cannot resolve as
EPSG:4326 too) as WGS-84, 300–600 m from where they are. So:

- GeoJSON is written in WGS-84 only; GCJ-02 or BD-09 GeoJSON is refused with a message
  naming the formats that can carry them;
- a GeoPackage in GCJ-02 or BD-09 gets its own spatial reference system, named so
  (``GCJ-02 (Amap/Tencent)``, ``BD-09 (Baidu)``, organisation ``NONE``), never 4326,
  and every feature a ``crs`` property;
- CSV and XLSX carry a ``crs`` column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import psycopg
from pyproj import CRS

from geo.crs import CRSName, from_wgs84, parse_crs
from geo.errors import InvalidInput
from geo.spreadsheet import cell_text, write_sheet
from geo.stations import sql as stations_sql

Format = Literal["geojson", "gpkg", "csv", "xlsx"]
FORMATS: tuple[str, ...] = ("geojson", "gpkg", "csv", "xlsx")
#: XLSX number formats of the typed columns (others are text).
XLSX_KINDS = {"id": "int", "lng": "coord", "lat": "coord", "opened_on": "date", "closed_on": "date"}

#: The name of each datum's own spatial reference system in a GeoPackage.
SRS_NAMES = {"gcj02": "GCJ-02 (Amap/Tencent)", "bd09": "BD-09 (Baidu)"}


def datum_srs(crs: CRSName) -> CRS:
    """The spatial reference system a file in ``crs`` is labelled with: EPSG:4326 for
    WGS-84; for GCJ-02 and BD-09 a geographic system of their own name (WGS 84's
    ellipsoid, its own datum name, no authority code), so no reader mistakes it for 4326."""
    if crs == "wgs84":
        return CRS.from_epsg(4326)
    name = SRS_NAMES[crs]
    deg = 'ANGLEUNIT["degree",0.0174532925199433]'
    return CRS.from_wkt(
        f'GEOGCRS["{name}",DATUM["{name} datum",'
        'ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]]],'
        f'PRIMEM["Greenwich",0,{deg}],CS[ellipsoidal,2],'
        f'AXIS["longitude",east,ORDER[1],{deg}],AXIS["latitude",north,ORDER[2],{deg}]]'
    )


def stations_frame(rows: list[dict[str, Any]], crs: CRSName) -> pd.DataFrame:
    """Station rows as a table with ``lng``/``lat`` in ``crs``."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=[*stations_sql.EXPORT_COLUMNS, "lon", "lat"])
    # An unlocated station's None becomes NaN: an empty cell, no geometry.
    lng, lat = from_wgs84(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float), crs)
    frame = frame.drop(columns=["lon", "lat"])
    frame["services"] = [",".join(s or []) for s in frame["services"]]
    frame["lng"], frame["lat"] = lng, lat
    return frame


def export_stations(conn: psycopg.Connection[Any], out: Path, fmt: str, crs: str = "wgs84") -> int:
    """Write every station to ``out`` in ``fmt``; returns how many were written."""
    if fmt not in FORMATS:
        raise InvalidInput(
            f"未知的导出格式「{fmt}」，可选：{'、'.join(FORMATS)}",
            f"unknown export format '{fmt}': use one of {', '.join(FORMATS)}",
        )
    name = parse_crs(crs)
    if fmt == "geojson" and name != "wgs84":
        raise InvalidInput(
            f"GeoJSON 只能使用 WGS-84（RFC 7946），任何 GIS 都会把其中的坐标当作 WGS-84；"
            f"{name} 坐标请导出为 gpkg（标注为 {SRS_NAMES[name]}）、csv 或 xlsx，"
            "或使用 --crs wgs84",
            f"GeoJSON is WGS-84 only (RFC 7946): every GIS reads its numbers as WGS-84. "
            f"For {name} coordinates export --format gpkg (labelled {SRS_NAMES[name]}), csv "
            "or xlsx, or use --crs wgs84",
            details={"format": fmt, "crs": name},
        )
    frame = stations_frame(stations_sql.all_stations(conn), name)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame["crs"] = name
    if fmt == "csv":
        _defuse_formulas(frame).to_csv(out, index=False, encoding="utf-8-sig")
    elif fmt == "xlsx":
        _write_xlsx(frame, out)  # write_sheet defuses the text cells
    else:
        geo = gpd.GeoDataFrame(frame, geometry=_points(frame), crs=datum_srs(name))
        driver = "GeoJSON" if fmt == "geojson" else "GPKG"
        if out.exists():
            out.unlink()
        geo.to_file(out, driver=driver, layer="stations" if fmt == "gpkg" else None)
    return len(frame)


def _points(frame: pd.DataFrame) -> Any:
    """The stations' points; none for a station without a position."""
    points = gpd.points_from_xy(frame["lng"], frame["lat"])
    points[frame["lng"].isna().to_numpy()] = None
    return points


def _defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell through :func:`geo.spreadsheet.cell_text` (formula text gets an apostrophe)."""
    out = frame.copy()
    out.columns = [cell_text(c) for c in out.columns]
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = [cell_text(v) for v in out[col]]
    return out


def _write_xlsx(frame: pd.DataFrame, out: Path) -> None:
    """The stations as one sheet: ids, coordinates (6 decimals) and dates as typed cells,
    frozen header, autofilter, fitted widths; text that reads as a formula gets an
    apostrophe (:func:`geo.spreadsheet.write_sheet`)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "stations"
    head = [str(c) for c in frame.columns]
    kinds = [XLSX_KINDS.get(c, "text") for c in head]
    rows = ([_plain(v) for v in row] for row in frame.itertuples(index=False, name=None))
    write_sheet(ws, head, rows, kinds)
    wb.save(out)


def _plain(value: Any) -> Any:
    """A frame value as a cell value: numpy scalars as Python numbers, NaN/NaT as empty."""
    if value is None or (not isinstance(value, str | list) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
