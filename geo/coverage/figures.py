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

# Part of every snapshot's fingerprint: snapshots stored by code that computed fewer
# figures are computed again rather than shown with figures missing.
FIGURES_VERSION = 2
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
    # A piece wholly inside a district lies in it with all its length: only the pieces
    # crossing a border need the (costly) intersection.
    shapely.prepare(city.district_geom)
    whole = shapely.contains_properly(city.district_geom[dist], geoms[piece])
    inside = shapely.length(geoms[piece])
    cut = np.flatnonzero(~whole)
    inside[cut] = shapely.length(
        shapely.intersection(geoms[piece[cut]], city.district_geom[dist[cut]])
    )
    inside *= _scale(city, iv.edge[piece])
    np.add.at(out, dist, inside)
    out[n] = max(float(length.sum() - inside.sum()), 0.0)
    return out


def reachable(city: City, distance_m: float) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which off-network street samples and which grid cells a station could ever cover.

    A station stands on the walk network; the best it can do for a point is to stand where
    the point snaps, so a point whose nearest walkway is farther than ``distance_m`` (or
    that has none) is covered by no station at all, however many are built. Main streets
    on the walk network are always reachable (a station can stand on them).

    Returns
    -------
    (samples, cells)
        Boolean masks over ``city.sample_*`` and ``city.cell_*``.
    """
    s, c = city.sample_snap, city.cell_snap
    return (s.edge >= 0) & (s.offset <= distance_m), (c.edge >= 0) & (c.offset <= distance_m)


def unreachable_streets(city: City, cov: Coverage) -> Intervals:
    """Uncovered stretches of main streets that no station could cover: the off-network
    sample pieces with no walkway within D (see :func:`reachable`)."""
    samples, _ = reachable(city, cov.distance_m)
    gaps = _uncovered_samples(city, cov)
    never = np.flatnonzero(gaps & ~samples)
    return Intervals(city.sample_owner[never], city.sample_lo[never], city.sample_hi[never])


def _uncovered_samples(city: City, cov: Coverage) -> NDArray[np.bool_]:
    """Off-network sample pieces whose middle lies in no covered interval."""
    n = city.sample_owner.size
    iv = cov.main_covered
    if n == 0 or iv.edge.size == 0:
        return np.ones(n, dtype=bool)
    span = float(city.main_length.max()) + 1.0
    key = iv.edge * span + iv.lo  # covered intervals are sorted by street, then lo
    mid = (city.sample_lo + city.sample_hi) / 2
    at = np.searchsorted(key, city.sample_owner * span + mid, side="right") - 1
    atc = np.clip(at, 0, None)
    inside = (at >= 0) & (iv.edge[atc] == city.sample_owner) & (iv.hi[atc] >= mid)
    return np.asarray(~inside)


def figures(city: City, cov: Coverage) -> dict[str, Any]:
    """Headline figures, per-district and per-street tables (JSON-ready).

    Besides covered and uncovered, each measure says how much of the uncovered part no
    station could ever cover (``*_unreachable_*``, see :func:`reachable`), the share of
    the reachable part that is covered (``*_reachable_share``) and the most any number of
    new stations could reach (``*_attainable_share``: reachable / whole).
    """
    total_m = float(city.main_length.sum())
    covered_m = float((cov.main_covered.hi - cov.main_covered.lo).sum())
    off_network = float(city.main_length[city.main_edge < 0].sum())
    never = unreachable_streets(city, cov)
    never_m = float((never.hi - never.lo).sum())
    n_d = len(city.district_name)
    d_total = _by_district(
        city,
        Intervals(
            np.arange(len(city.main_id)), np.zeros(len(city.main_id)), city.main_length.copy()
        ),
    )
    d_covered = _by_district(city, cov.main_covered)
    d_never = _by_district(city, never)
    cell_area = cell_areas(city)
    _, cell_ok = reachable(city, cov.distance_m)
    a_total = np.bincount(city.cell_owner, weights=cell_area, minlength=n_d)
    a_covered = np.bincount(
        city.cell_owner, weights=np.where(cov.cell_covered, cell_area, 0.0), minlength=n_d
    )
    a_never = np.bincount(
        city.cell_owner,
        weights=np.where(~cov.cell_covered & ~cell_ok, cell_area, 0.0),
        minlength=n_d,
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
            **_split("main_street", d_total[i], d_covered[i], d_never[i], 2),
        }
        if is_district and city.district_key[i]:
            row.update(
                area_m2=round(float(a_total[i]), 1),
                area_covered_m2=round(float(a_covered[i]), 1),
                area_share=share(a_covered[i], a_total[i]),
                **_split("area", a_total[i], a_covered[i], a_never[i], 1, unit="m2"),
            )
        districts.append(row)
    key_total, key_cov = float(a_total.sum()), float(a_covered.sum())
    key_never = float(a_never.sum())
    return {
        "summary": {
            "stations": cov.n_stations,
            "stations_reaching_network": cov.n_stations_on_network,
            "main_street_m": round(total_m, 2),
            "main_street_covered_m": round(covered_m, 2),
            "main_street_share": share(covered_m, total_m),
            "main_street_off_network_m": round(off_network, 2),
            "not_walkable_main_m": round(sum(r["length_m"] for r in city.not_walkable), 2),
            **_split("main_street", total_m, covered_m, never_m, 2),
            "key_district_area_m2": round(key_total, 1),
            "key_district_covered_m2": round(key_cov, 1),
            "key_district_share": share(key_cov, key_total),
            **_split("key_district", key_total, key_cov, key_never, 1, unit="m2"),
            "key_districts": int(city.district_key.sum()),
            "cells": len(city.cell_owner),
        },
        "districts": districts,
        "streets": _streets(city, cov, never),
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


def _split(
    prefix: str, total: float, covered: float, never: float, digits: int, unit: str = "m"
) -> dict[str, Any]:
    """Uncovered-but-reachable and unreachable amounts of one measure, the covered share of
    the reachable part and the most that any number of stations could reach."""
    reach = max(float(total) - float(never), 0.0)
    return {
        f"{prefix}_unreachable_{unit}": round(float(never), digits),
        f"{prefix}_uncovered_reachable_{unit}": round(max(reach - float(covered), 0.0), digits),
        f"{prefix}_reachable_share": share(min(float(covered), reach), reach),
        f"{prefix}_attainable_share": share(reach, total),
    }


def _streets(city: City, cov: Coverage, never: Intervals) -> list[dict[str, Any]]:
    names = pd.Series(city.main_name).replace("", UNNAMED)
    n = len(city.main_id)
    covered = np.bincount(
        cov.main_covered.edge, weights=cov.main_covered.hi - cov.main_covered.lo, minlength=n
    )
    unreachable = np.bincount(never.edge, weights=never.hi - never.lo, minlength=n)
    table = (
        pd.DataFrame(
            {
                "street": names,
                "length_m": city.main_length,
                "covered_m": covered,
                "unreachable_m": unreachable,
            }
        )
        .groupby("street", sort=False)[["length_m", "covered_m", "unreachable_m"]]
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
            "uncovered_reachable_m": round(
                max(float(r.length_m - r.covered_m - r.unreachable_m), 0.0), 2
            ),
            "unreachable_m": round(float(r.unreachable_m), 2),
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


def gaps_by_street(
    gaps: list[dict[str, Any]], streets: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Uncovered stretches (``street``, ``district``, ``measure`` in m) grouped by street
    name: uncovered metres, number of pieces, the longest piece, the districts they lie in
    and how much of it no station could reach (from the per-street table), largest first.
    """
    never = {s["street"]: s.get("unreachable_m") for s in streets}
    groups: dict[str, dict[str, Any]] = {}
    for g in gaps:
        name = g["street"] or UNNAMED
        row = groups.setdefault(
            name,
            {
                "street": name,
                "uncovered_m": 0.0,
                "pieces": 0,
                "longest_m": 0.0,
                "districts": [],
                "unreachable_m": never.get(name),
            },
        )
        row["uncovered_m"] += float(g["measure"])
        row["pieces"] += 1
        row["longest_m"] = max(row["longest_m"], float(g["measure"]))
        if g["district"] not in row["districts"]:
            row["districts"].append(g["district"])
    out = sorted(groups.values(), key=lambda r: (-r["uncovered_m"], r["street"]))
    for r in out:
        r["uncovered_m"] = round(r["uncovered_m"], 2)
    return out
