"""Reading vector files (GeoJSON, Shapefile, GeoPackage ...) with clear errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from geo.errors import InvalidFile
from geo.io.geojson import load_geojson

GEOJSON_SUFFIXES = (".geojson", ".json")
CHECK_GEOJSON_MAX_BYTES = 64 << 20  # larger files are left to GDAL, which limits nesting too


def read_vector(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file into EPSG:4326.

    A file without a CRS is taken as WGS-84 only when its coordinates are plausible
    longitudes/latitudes; otherwise the person is told to give the file a CRS.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidFile(f"文件不存在：{path}", f"file not found: {path}")
    if (
        path.suffix.lower() in GEOJSON_SUFFIXES
        and path.is_file()
        and path.stat().st_size <= CHECK_GEOJSON_MAX_BYTES
    ):
        load_geojson(path, path.read_bytes().decode("utf-8", errors="replace"))
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types for unreadable files
        reason = str(exc)[:300]  # GDAL may quote the whole offending text
        raise InvalidFile(
            f"无法读取文件 {path.name}：不是可识别的 GeoJSON/Shapefile/GeoPackage 文件（{reason}）",
            f"cannot read {path.name}: not a readable GeoJSON/Shapefile/GeoPackage ({reason})",
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf:
        raise InvalidFile(f"文件 {path.name} 没有几何图形", f"{path.name} has no geometry column")
    if gdf.crs is None:
        bounds = gdf.total_bounds
        if np.all(np.isfinite(bounds)) and (
            bounds[0] < -180 or bounds[2] > 180 or bounds[1] < -90 or bounds[3] > 90
        ):
            raise InvalidFile(
                f"文件 {path.name} 没有坐标系信息，且坐标不是经纬度；请为文件指定坐标系（如 .prj）",
                f"{path.name} has no CRS and its coordinates are not longitude/latitude: "
                "give the file a CRS (e.g. a .prj)",
            )
        gdf = gdf.set_crs("EPSG:4326")
    elif gdf.crs.to_epsg() != 4326:
        try:
            gdf = gdf.to_crs("EPSG:4326")
        except Exception as exc:
            raise InvalidFile(
                f"无法识别文件 {path.name} 的坐标系：{exc}",
                f"unknown coordinate system in {path.name}: {exc}",
            ) from exc
    return gdf
