"""Reading highway ways from OpenStreetMap files (``.osm.pbf`` / ``.osm``) with pyosmium.

Ways are split at every node shared by two or more highway ways and at their ends, so the
pieces are noded at intersections. Ways that cross without a shared node (a bridge over a
street, a tunnel under it) are never joined: OSM joins ways only at shared nodes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.errors import InvalidFile
from geo.io.tags import parse_bool, split_values

#: Tags that put a way on another level (bridges and tunnels cross without joining).
LEVEL_TAGS: tuple[str, ...] = ("bridge", "tunnel", "layer")
#: Tags that close a road to people on foot or e-bike (see geo.io.streets).
ROAD_TAGS: tuple[str, ...] = ("motorroad", "expressway")
SIDEWALK_TAGS: tuple[str, ...] = ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")


def read_osm(path: Path, *, split: bool, notes: list[str], counts: dict[str, Any]) -> pd.DataFrame:
    """Highway ways of an OSM file, split at shared nodes (``split``) and at way ends."""
    ways, node_ids, lon, lat, sizes = osm_ways(path, notes)
    counts["ways"] = len(ways)
    if not ways:
        raise InvalidFile(
            f"OSM 文件 {path.name} 中没有道路（highway）", f"{path.name} holds no highway ways"
        )
    way_of_vertex = np.repeat(np.arange(len(ways)), sizes)
    valid = np.isfinite(lon)
    if not valid.all():
        notes.append(f"{int((~valid).sum())} way node(s) lie outside the extract: ways cut there")
    # A run is a stretch of consecutive nodes of one way whose positions are known.
    new_way = np.r_[True, way_of_vertex[1:] != way_of_vertex[:-1]]
    run_start = valid & (new_way | ~np.r_[False, valid[:-1]])
    run = (np.cumsum(run_start) - 1)[valid]
    run_size = np.bincount(run)
    long_enough = run_size[run] >= 2
    ids = node_ids[valid][long_enough]
    xy = np.column_stack([lon, lat])[valid][long_enough]
    run = run[long_enough]
    run_way = way_of_vertex[valid][long_enough]
    first = np.r_[True, run[1:] != run[:-1]]
    last = np.r_[run[1:] != run[:-1], True]
    cut = first | last
    if split:
        _, inverse, uses = np.unique(ids, return_inverse=True, return_counts=True)
        cut |= uses[inverse] >= 2
    geoms, piece_first, piece_last = cut_lines(xy, cut, first, last)
    degenerate = shapely.length(geoms) == 0
    if degenerate.any():
        notes.append(f"dropped {int(degenerate.sum())} zero-length OSM way piece(s)")
    frame = pd.DataFrame(ways).iloc[run_way[piece_first]].reset_index(drop=True)
    frame["u"] = ids[piece_first].astype(str)
    frame["v"] = ids[piece_last].astype(str)
    frame["geometry"] = geoms
    return frame[~degenerate].reset_index(drop=True)


def osm_ways(
    path: Path, notes: list[str]
) -> tuple[
    list[dict[str, Any]], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], list[int]
]:
    """Tags and node lists of the highway ways (``oneway=-1`` ways turned around)."""
    import osmium

    ways: list[dict[str, Any]] = []
    node_ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    sizes: list[int] = []
    areas = 0
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):  # the filters pass ways only
                continue
            tags = way.tags
            if tags.get("area") == "yes":
                areas += 1
                continue
            record, reverse = osm_record(way.id, tags)
            refs = [(n.ref, *lon_lat(n.location)) for n in way.nodes]
            if reverse:
                refs.reverse()
            ways.append(record)
            sizes.append(len(refs))
            for ref, x, y in refs:
                node_ids.append(ref)
                lons.append(x)
                lats.append(y)
    except (RuntimeError, OSError, ValueError) as exc:
        raise InvalidFile(
            f"无法读取 OSM 文件 {path.name}：文件损坏或不是 OSM 格式（{exc}）",
            f"cannot read {path.name}: damaged or not an OSM file ({exc}); "
            "give an .osm.pbf or .osm XML export",
        ) from exc
    if areas:
        notes.append(f"skipped {areas} pedestrian area(s) (highway with area=yes)")
    return (
        ways,
        np.array(node_ids, dtype=np.int64),
        np.array(lons, dtype=float),
        np.array(lats, dtype=float),
        sizes,
    )


def lon_lat(location: Any) -> tuple[float, float]:
    """A node location's (lon, lat); NaN for an invalid location (node not in the file)."""
    if location.valid():
        return location.lon, location.lat
    return np.nan, np.nan


def osm_record(way_id: int, tags: Any) -> tuple[dict[str, Any], bool]:
    """The street attributes of one way, and whether its oneway runs backwards."""
    highway = tags.get("highway", "")
    names = split_values(tags.get("name")) + split_values(tags.get("name:zh"))
    oneway_tag = (tags.get("oneway") or "").lower()
    oneway = parse_bool(oneway_tag)
    if oneway is None and (
        tags.get("junction") in ("roundabout", "circular") or highway == "motorway"
    ):
        oneway = True
    record = {
        "names": list(dict.fromkeys(names)),
        "highway_all": split_values(highway),
        "oneway": oneway,
        "osm_id": str(way_id),
        "foot": tags.get("foot"),
        "access": tags.get("access"),
        **{key: tags.get(key) for key in LEVEL_TAGS + ROAD_TAGS},
        "sidewalk": [v for key in SIDEWALK_TAGS if (v := tags.get(key)) is not None],
    }
    return record, oneway_tag in ("-1", "reverse")


def cut_lines(
    xy: NDArray[np.float64],
    cut: NDArray[np.bool_],
    first: NDArray[np.bool_],
    last: NDArray[np.bool_],
) -> tuple[NDArray[np.object_], NDArray[np.intp], NDArray[np.intp]]:
    """Cut consecutive vertex runs into LineStrings at the ``cut`` vertices.

    Returns the pieces and, per piece, the vertex index of its first and last vertex.
    An interior cut vertex ends one piece and starts the next, so it is used twice.
    """
    opens = cut & ~last
    piece = np.cumsum(opens) - 1
    inner = np.flatnonzero(cut & ~first & ~last)
    vertex = np.r_[np.arange(len(xy)), inner]
    owner = np.r_[piece, piece[inner] - 1]
    order = np.lexsort((vertex, owner))
    geoms = shapely.linestrings(xy[vertex[order]], indices=owner[order])
    return geoms, np.flatnonzero(opens), np.flatnonzero(cut & ~first)
