"""Reading district polygons (GeoJSON, Shapefile, GeoPackage) for import."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely

from geo.errors import InvalidFile
from geo.io.files import read_vector
from geo.measure import geodesic_area


@dataclass
class DistrictsRead:
    """Districts ready to store: one row per name, MultiPolygons in EPSG:4326."""

    districts: gpd.GeoDataFrame  # columns: name, code, geometry, area_m2
    notes: list[str] = field(default_factory=list)


def read_districts(
    path: str | Path,
    *,
    name_field: str,
    code_field: str | None = None,
    layer: str | None = None,
) -> DistrictsRead:
    """Read district polygons, keyed by the values of ``name_field``.

    Raises
    ------
    InvalidFile
        When the file is unreadable, the name field is missing, a geometry is not a
        polygon, or two features share a name.
    """
    gdf = read_vector(path, layer=layer)
    missing = [f for f in (name_field, code_field) if f and f not in gdf.columns]
    if missing:
        fields = ", ".join(c for c in gdf.columns if c != "geometry")
        raise InvalidFile(
            f"文件中没有字段 {missing[0]}；现有字段：{fields}",
            f"field '{missing[0]}' is not in the file; fields present: {fields}",
        )
    notes: list[str] = []
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        rows = ", ".join(str(i + 1) for i in gdf.index[empty][:10])
        raise InvalidFile(f"第 {rows} 个要素没有几何图形", f"feature(s) {rows} have no geometry")
    kinds = gdf.geometry.geom_type
    bad = ~kinds.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        i = int(gdf.index[bad][0])
        raise InvalidFile(
            f"第 {i + 1} 个要素是 {kinds[bad].iloc[0]}，区域必须是面（Polygon/MultiPolygon）",
            f"feature {i + 1} is a {kinds[bad].iloc[0]}; districts must be polygons",
        )
    names = gdf[name_field].astype("string").str.strip()
    if names.isna().any() or (names == "").any():
        i = int(names.index[names.isna() | (names == "")][0])
        raise InvalidFile(
            f"第 {i + 1} 个要素的 {name_field} 为空", f"feature {i + 1} has an empty {name_field}"
        )
    dupes = names[names.duplicated()].unique().tolist()
    if dupes:
        raise InvalidFile(
            f"区域名称重复：{', '.join(dupes[:5])}",
            f"district names are repeated: {', '.join(dupes[:5])}",
        )
    geoms = gdf.geometry.values
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        notes.append(f"repaired {int(invalid.sum())} invalid polygon(s) with make_valid")
        geoms = shapely.make_valid(geoms)
        # make_valid may return collections; keep their polygonal parts only
        geoms = [
            shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type.endswith("Polygon")])
            if g.geom_type == "GeometryCollection"
            else g
            for g in geoms
        ]
    multi = [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in geoms]
    out = gpd.GeoDataFrame(
        {
            "name": names.to_numpy(dtype=object),
            "code": gdf[code_field].astype("string").to_numpy(dtype=object) if code_field else None,
        },
        geometry=gpd.GeoSeries(multi, crs="EPSG:4326").values,
        crs="EPSG:4326",
    )
    out["area_m2"] = geodesic_area(out.geometry.values)
    return DistrictsRead(out, notes)
