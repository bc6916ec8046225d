"""Figures and geometries of a coverage result: overall, per district, per street name,
and the gaps (uncovered street stretches and uncovered areas of key districts).

Lengths are metres of the streets' own geodesic ``length_m``; areas are square metres
scaled from the projected grid to each district's geodesic area.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.coverage.city import City
from geo.coverage.engine import Intervals
from geo.coverage.evaluate import Coverage
from geo.coverage.geometry import substrings
from geo.vocab import NOT_WALKABLE_REASONS

OUTSIDE = "（区域外）outside districts"
UNNAMED = "（无名）unnamed"


def share(part: float, whole: float) -> float | None:
    """``part / whole`` rounded to 6 decimals, or None when ``whole`` is not positive."""
    return round(part / whole, 6) if whole > 0 else None


def area_scale(city: City) -> NDArray[np.float64]:
    """Geodesic m² per projected m² in each district."""
    proj = shapely.area(city.district_geom)
    return np.where(proj > 0, city.district_area_m2 / np.where(proj > 0, proj, 1), 1.0)


def cell_areas(city: City) -> NDArray[np.float64]:
    """Geodesic area of every grid cell."""
    return city.cell_area * area_scale(city)[city.cell_owner]


def _pieces(city: City, iv: Intervals) -> tuple[NDArray[np.object_], NDArray[np.float64]]:
    """Geometries (projected) of stretches ``iv`` of main streets, and their lengths."""
    length = city.main_length[iv.edge]
    safe = np.where(length > 0, length, 1.0)
    geoms = substrings(city.main_geom[iv.edge], iv.lo / safe, iv.hi / safe)
    return geoms, iv.hi - iv.lo


def _scale(city: City, streets: NDArray[np.int64]) -> NDArray[np.float64]:
    """Geodesic metres per projected metre along each street."""
    proj = shapely.length(city.main_geom[streets])
    return np.where(proj > 0, city.main_length[streets] / np.where(proj > 0, proj, 1), 1.0)


def _by_district(city: City, iv: Intervals) -> NDArray[np.float64]:
    """Length of stretches ``iv`` inside each district (last slot: outside all)."""
    n = len(city.district_name)
    out = np.zeros(n + 1)
    geoms, length = _pieces(city, iv)
    if len(geoms) == 0:
        return out
    tree = shapely.STRtree(city.district_geom)
    piece, dist = tree.query(geoms, predicate="intersects")
    inside = shapely.length(shapely.intersection(geoms[piece], city.district_geom[dist]))
    inside *= _scale(city, iv.edge[piece])
    np.add.at(out, dist, inside)
    out[n] = max(float(length.sum() - inside.sum()), 0.0)
    return out


def figures(city: City, cov: Coverage) -> dict[str, Any]:
    """Headline figures, per-district and per-street tables (JSON-ready)."""
    total_m = float(city.main_length.sum())
    covered_m = float((cov.main_covered.hi - cov.main_covered.lo).sum())
    off_network = float(city.main_length[city.main_edge < 0].sum())
    n_d = len(city.district_name)
    d_total = _by_district(
        city,
        Intervals(
            np.arange(len(city.main_id)), np.zeros(len(city.main_id)), city.main_length.copy()
        ),
    )
    d_covered = _by_district(city, cov.main_covered)
    cell_area = cell_areas(city)
    a_total = np.bincount(city.cell_owner, weights=cell_area, minlength=n_d)
    a_covered = np.bincount(
        city.cell_owner, weights=np.where(cov.cell_covered, cell_area, 0.0), minlength=n_d
    )
    districts = []
    for i in range(n_d + 1):
        is_district = i < n_d
        if not is_district and d_total[i] <= 0.5:
            continue
        row: dict[str, Any] = {
            "district": str(city.district_name[i]) if is_district else OUTSIDE,
            "is_key": bool(city.district_key[i]) if is_district else False,
            "main_street_m": round(float(d_total[i]), 2),
            "main_street_covered_m": round(float(d_covered[i]), 2),
            "main_street_share": share(d_covered[i], d_total[i]),
        }
        if is_district and city.district_key[i]:
            row.update(
                area_m2=round(float(a_total[i]), 1),
                area_covered_m2=round(float(a_covered[i]), 1),
                area_share=share(a_covered[i], a_total[i]),
            )
        districts.append(row)
    key_total, key_cov = float(a_total.sum()), float(a_covered.sum())
    return {
        "summary": {
            "stations": cov.n_stations,
            "stations_reaching_network": cov.n_stations_on_network,
            "main_street_m": round(total_m, 2),
            "main_street_covered_m": round(covered_m, 2),
            "main_street_share": share(covered_m, total_m),
            "main_street_off_network_m": round(off_network, 2),
            "not_walkable_main_m": round(sum(r["length_m"] for r in city.not_walkable), 2),
            "key_district_area_m2": round(key_total, 1),
            "key_district_covered_m2": round(key_cov, 1),
            "key_district_share": share(key_cov, key_total),
            "key_districts": int(city.district_key.sum()),
            "cells": len(city.cell_owner),
        },
        "districts": districts,
        "streets": _streets(city, cov),
        "not_walkable": not_walkable_rows(city.not_walkable),
    }


def not_walkable_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Main streets nobody walks on, per name, class and reason (Chinese and English):
    listed apart from the covered and uncovered streets, never as gaps."""
    return [
        {
            "street": r["street"] or UNNAMED,
            "highway": r["highway"],
            "reason": r["reason"],
            "reason_zh": NOT_WALKABLE_REASONS[r["reason"]][0],
            "reason_en": NOT_WALKABLE_REASONS[r["reason"]][1],
            "length_m": round(float(r["length_m"]), 2),
        }
        for r in rows
    ]


def _streets(city: City, cov: Coverage) -> list[dict[str, Any]]:
    names = pd.Series(city.main_name).replace("", UNNAMED)
    covered = np.bincount(
        cov.main_covered.edge,
        weights=cov.main_covered.hi - cov.main_covered.lo,
        minlength=len(city.main_id),
    )
    table = (
        pd.DataFrame({"street": names, "length_m": city.main_length, "covered_m": covered})
        .groupby("street", sort=False)[["length_m", "covered_m"]]
        .sum()
        .reset_index()
    )
    table["share"] = table["covered_m"] / table["length_m"].where(table["length_m"] > 0)
    table = table.sort_values(["share", "length_m"], ascending=[True, False])
    return [
        {
            "street": r.street,
            "length_m": round(float(r.length_m), 2),
            "covered_m": round(float(r.covered_m), 2),
            "share": None if pd.isna(r.share) else round(float(r.share), 6),
        }
        for r in table.itertuples()
    ]


def geometries(city: City, cov: Coverage) -> list[dict[str, Any]]:
    """Covered and uncovered street stretches (merged per street name) and uncovered
    areas of key districts (union of uncovered cells), in WGS-84, largest first."""
    return [
        *_stretches(city, cov.main_covered, "street_covered"),
        *_stretches(city, cov.main_gaps, "street_gap"),
        *_area_gaps(city, cov),
    ]


def _stretches(city: City, iv: Intervals, role: str) -> list[dict[str, Any]]:
    geoms, _ = _pieces(city, iv)
    if len(geoms) == 0:
        return []
    names = pd.Series(city.main_name[iv.edge]).replace("", UNNAMED)
    codes, labels = pd.factorize(names)
    order = np.argsort(codes, kind="stable")
    merged = shapely.line_merge(shapely.multilinestrings(geoms[order], indices=codes[order]))
    parts, owner = shapely.get_parts(merged, return_index=True)
    scale = float(city.main_length.sum() / max(shapely.length(city.main_geom).sum(), 1e-9))
    length = shapely.length(parts) * scale
    mid = shapely.line_interpolate_point(parts, 0.5, normalized=True)
    district = _district_of(city, mid)
    lonlat = city.to_lonlat(parts)
    order = np.argsort(-length, kind="stable")
    return [
        {
            "role": role,
            "street": str(labels[owner[i]]),
            "district": district[i],
            "measure": round(float(length[i]), 2),
            "geom": lonlat[i],
        }
        for i in order
        if length[i] > 0.01
    ]


def _district_of(city: City, points: NDArray[np.object_]) -> list[str]:
    out = [OUTSIDE] * len(points)
    if len(points) == 0 or len(city.district_geom) == 0:
        return out
    tree = shapely.STRtree(city.district_geom)
    pi, di = tree.query(points, predicate="intersects")
    for p, d in zip(pi[::-1], di[::-1], strict=True):  # first match wins
        out[p] = str(city.district_name[d])
    return out


def _area_gaps(city: City, cov: Coverage) -> list[dict[str, Any]]:
    open_cells = ~cov.cell_covered
    if not open_cells.any():
        return []
    owner = city.cell_owner[open_cells]
    # one union per key district (a handful), each of non-overlapping cells
    unions = [
        (int(d), shapely.coverage_union_all(city.cell_geom[open_cells][owner == d]))
        for d in np.unique(owner)
    ]
    scale = area_scale(city)
    rows = []
    for d, union in unions:
        polys = shapely.get_parts(union)
        polys = polys[shapely.get_type_id(polys) == 3]
        area = shapely.area(polys) * scale[d]
        for poly, a in zip(city.to_lonlat(polys), area, strict=True):
            rows.append(
                {
                    "role": "area_gap",
                    "street": None,
                    "district": str(city.district_name[d]),
                    "measure": round(float(a), 1),
                    "geom": poly,
                }
            )
    rows.sort(key=lambda r: -r["measure"])
    return rows
