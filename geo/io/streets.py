"""Reading street lines into one noded, attributed table, and the walk network.

Streets come from OpenStreetMap (``.osm.pbf`` / ``.osm`` XML, read with pyosmium) or from
GIS files (GeoJSON, Shapefile, GeoPackage, e.g. an OSMnx export). Either way the result
is one LineString per street piece between intersections, in EPSG:4326, with the same
columns (see :data:`STREET_COLUMNS`), so that the walk network can join pieces by their
end points. OSM ways are split at every node shared by two or more highway ways; GIS
lines without ``u``/``v`` columns are split where they cross, but only where the two lines
are on the same level (``bridge``/``tunnel``/``layer``, as OSM means them) or share a
vertex.

Roads where nobody walks or rides an e-bike (:data:`NOT_WALKABLE_REASONS`) are kept out
of the walk network and out of the main streets; a main street by class or name that is
one of them is marked ``excluded_main``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from numpy.typing import NDArray

from geo.errors import InvalidFile
from geo.io.doubled import merge_doubled
from geo.io.files import read_vector
from geo.io.osm import LEVEL_TAGS, ROAD_TAGS, SIDEWALK_TAGS, cut_lines, read_osm
from geo.io.tags import (
    is_backwards,
    is_yes,
    join_ids,
    parse_oneway,
    single_id,
    split_values,
    street_level,
    tag_text,
    tag_text_lower,
    tag_values,
)
from geo.measure import geodesic_lengths
from geo.vocab import MAIN_CLASSES, NOT_WALKABLE_REASONS

Progress = Callable[[int, int], None]

STREET_COLUMNS: tuple[str, ...] = (
    "name",
    "names",
    "highway",
    "highway_all",
    "is_main",
    "walkable",
    "not_walkable",
    "excluded_main",
    "oneway",
    "osm_id",
    "u",
    "v",
    "length_m",
    "geometry",
)
CLASS_COLUMNS: tuple[str, ...] = ("highway", "fclass", "type", "class")
NAME_COLUMNS: tuple[str, ...] = ("name", "名称", "name:zh", "name_zh")
ID_COLUMNS: tuple[str, ...] = ("osmid", "osm_id")
OSM_SUFFIXES: tuple[str, ...] = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2")

# Most important first; a street with several classes is shown as its most important.
CLASS_RANK: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
    "living_street",
    "service",
    "pedestrian",
    "busway",
    "track",
    "road",
    "footway",
    "cycleway",
    "bridleway",
    "steps",
    "corridor",
    "path",
)
NOT_WALKABLE = frozenset(
    {
        "motorway",
        "motorway_link",
        "construction",
        "proposed",
        "raceway",
        "busway",
        "bus_guideway",
        "abandoned",
        "disused",
    }
)
MOTORWAYS = frozenset({"motorway", "motorway_link"})
_WALK_ALLOWED = ("yes", "designated", "permissive")
_SIDEWALK_YES = frozenset({"yes", "both", "left", "right"})
UNKNOWN_CLASS = "road"  # OSM's own value for a road of unknown class
_NODE_ROUND = 1e7  # node identity: end points equal to 1e-7 degree (about 1 cm)
_MIN_LOOP_M = 0.01  # self-loops shorter than this are rounding artefacts
_STAGES = 4
_NOTE_STREETS = 10  # not-walkable main streets named in the import notes


@dataclass
class StreetsRead:
    """Streets read from a file, with what was skipped or fixed on the way."""

    streets: gpd.GeoDataFrame  # columns: STREET_COLUMNS, EPSG:4326, RangeIndex
    notes: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass
class NodedStreets:
    """The walkable streets noded into a graph, as imported: nodes are street end points,
    edges the streets (what :func:`geo.db.network.replace_streets` stores; the walk
    network read back is :class:`geo.network.walk.WalkNetwork`)."""

    nodes: gpd.GeoDataFrame  # node_id (int64, 0..n-1), geometry (Point)
    edges: gpd.GeoDataFrame  # street_index, source, target, length_m, geometry


def read_streets(
    path: str | Path,
    *,
    main_classes: Sequence[str] = MAIN_CLASSES,
    main_names: Sequence[str] = (),
    layer: str | None = None,
    node: bool | None = None,
    unwalkable_names: str | None = None,
    progress: Progress | None = None,
) -> StreetsRead:
    """Read streets from an OSM or GIS file, noded at intersections.

    Parameters
    ----------
    path : str or Path
        ``.osm.pbf``/``.osm`` (OpenStreetMap), GeoJSON, Shapefile or GeoPackage.
    main_classes : sequence of str
        Highway classes that make a street a main street (主干道). ``*_link`` roads are
        never main, even when named in ``main_names``.
    main_names : sequence of str
        Street names that are main streets whatever their class.
    layer : str, optional
        GeoPackage layer; by default the only line layer.
    node : bool, optional
        Split lines at intersections. None (auto): OSM input is split at shared nodes,
        GIS files with ``u``/``v`` columns are taken as already noded, other GIS files
        are split where lines on the same level cross (and at vertices shared by lines
        on different levels).
    unwalkable_names : str, optional
        A regular expression: streets with a name it matches (``re.search``) are not
        walkable (e.g. ``高架|快速路``). None or empty: no name rule.
    progress : callable(done, total), optional
        Called after each stage of the read.

    Returns
    -------
    StreetsRead
        ``streets`` with columns name, names, highway, highway_all, is_main, walkable,
        not_walkable, excluded_main, oneway, osm_id, u, v, length_m, geometry;
        ``notes``; ``counts`` (with ``crossings_noded``/``crossings_kept_apart`` when GIS
        lines were noded, and the not-walkable roads).

    Raises
    ------
    InvalidFile
        When the file cannot be read, has no class column, holds non-line geometries,
        lines of fewer than two distinct points, or projected coordinates without a CRS.
    """
    path = Path(path)
    notes: list[str] = []
    counts: dict[str, Any] = {}
    if not path.exists():
        raise InvalidFile(f"文件不存在：{path}", f"file not found: {path}")
    if path.name.lower().endswith(OSM_SUFFIXES):
        raw = _merge_doubled(
            read_osm(path, split=node is not False, notes=notes, counts=counts), notes, counts
        )
        _tick(progress, 2)
    else:
        raw = _merge_doubled(_read_gis(path, layer, notes=notes, counts=counts), notes, counts)
        _tick(progress, 1)
        has_uv = raw["u"].notna().any() and raw["v"].notna().any()
        if node or (node is None and not has_uv):
            raw = _node_gis(raw, notes=notes, counts=counts, forced=bool(node))
        elif node is None:
            notes.append("u/v columns present: lines taken as already noded")
        _tick(progress, 2)
    streets = _attributes(raw, main_classes, main_names, unwalkable_names, notes=notes)
    _tick(progress, 3)
    streets["length_m"] = geodesic_lengths(streets.geometry.to_numpy())
    for col in ("name", "highway", "not_walkable", "oneway", "osm_id", "u", "v"):
        # plain Python values, None when missing (not pandas' NaN/NA)
        streets[col] = pd.Series(
            [None if pd.isna(x) else x for x in streets[col].tolist()],
            index=streets.index,
            dtype=object,
        )
    streets = gpd.GeoDataFrame(streets[list(STREET_COLUMNS)], geometry="geometry", crs=4326)
    counts.update(
        streets=len(streets),
        main=int(streets["is_main"].sum()),
        walkable=int(streets["walkable"].sum()),
    )
    _count_not_walkable(streets, notes, counts)
    _tick(progress, _STAGES)
    return StreetsRead(streets.reset_index(drop=True), notes, counts)


def build_walk_network(streets: gpd.GeoDataFrame) -> NodedStreets:
    """The walk network of the walkable streets.

    Two street ends are the same node when their coordinates agree to 1e-7 degree.
    Self-loops shorter than 1 cm are dropped.

    Parameters
    ----------
    streets : GeoDataFrame
        As returned in :attr:`StreetsRead.streets` (needs walkable, length_m, geometry).

    Returns
    -------
    NodedStreets
        ``nodes`` (node_id, geometry) and ``edges`` (street_index, source, target,
        length_m, geometry), both in EPSG:4326.
    """
    walk = streets[streets["walkable"].astype(bool)]
    geoms = walk.geometry.to_numpy()
    ends = np.vstack(
        [
            shapely.get_coordinates(shapely.get_point(geoms, 0)),
            shapely.get_coordinates(shapely.get_point(geoms, -1)),
        ]
    )
    keys = np.round(ends * _NODE_ROUND).astype(np.int64)
    n = len(geoms)
    length = walk["length_m"].to_numpy(dtype=float)
    loop = np.all(keys[:n] == keys[n:], axis=1) & (length < _MIN_LOOP_M)
    keep = np.r_[~loop, ~loop]
    _, first, inverse = np.unique(keys[keep], axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1).astype(np.int64)
    m = int((~loop).sum())
    nodes = gpd.GeoDataFrame(
        {"node_id": np.arange(len(first), dtype=np.int64)},
        geometry=shapely.points(ends[keep][first]),
        crs=4326,
    )
    edges = gpd.GeoDataFrame(
        {
            "street_index": walk.index.to_numpy()[~loop].astype(np.int64),
            "source": inverse[:m],
            "target": inverse[m:],
            "length_m": length[~loop],
        },
        geometry=geoms[~loop],
        crs=4326,
    )
    return NodedStreets(nodes, edges)


def _merge_doubled(raw: pd.DataFrame, notes: list[str], counts: dict[str, Any]) -> pd.DataFrame:
    """Segments written twice merged into one (see :mod:`geo.io.doubled`), counted."""
    raw, merged = merge_doubled(raw)
    counts["doubled_segments_merged"] = merged.segments
    counts["doubled_m_merged"] = round(merged.metres, 1)
    if merged.segments:
        notes.append(
            f"merged {merged.segments} doubled segment(s) ({merged.metres:.1f} m) "
            "written twice in the file"
        )
    return raw


# --- GIS files ----------------------------------------------------------------------


def _read_gis(
    path: Path, layer: str | None, *, notes: list[str], counts: dict[str, Any]
) -> pd.DataFrame:
    """Lines of a GIS file in EPSG:4326 with parsed attributes, one row per LineString."""
    frame = read_vector(path, layer=_pick_layer(path, layer))
    counts["features"] = len(frame)
    columns = {str(c).lower(): c for c in frame.columns if c != frame.geometry.name}
    class_col = next((columns[c] for c in CLASS_COLUMNS if c in columns), None)
    if class_col is None:
        have = ", ".join(map(str, columns.values())) or "（无）"
        raise InvalidFile(
            f"文件 {path.name} 没有道路等级字段（highway、fclass、type 或 class）；"
            f"现有字段：{have}",
            f"{path.name} has no road class column (highway, fclass, type or class); "
            f"columns present: {have}",
        )
    geoms = _check_lines(path, frame.geometry.to_numpy(), notes)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    if len(parts) > int((~shapely.is_missing(geoms)).sum()):
        notes.append(f"split MultiLineStrings into {len(parts)} LineStrings")
    short = np.flatnonzero(shapely.length(parts) == 0)
    if len(short):
        i = int(owner[short[0]]) + 1
        raise InvalidFile(
            f"第 {i} 个要素的线少于两个不同的点，请删除或修正它",
            f"feature {i} is a line with fewer than two distinct points: remove or fix it",
        )
    rows = frame.iloc[owner]
    raw = pd.DataFrame(
        {
            "names": _coalesce_names(rows, columns),
            "highway_all": _map_unique(rows[class_col], split_values),
            "oneway": _column(rows, columns, ("oneway",), parse_oneway),
            "osm_id": _column(rows, columns, ID_COLUMNS, join_ids),
            "u": _column(rows, columns, ("u",), single_id),
            "v": _column(rows, columns, ("v",), single_id),
            "foot": _column(rows, columns, ("foot",), tag_text),
            "access": _column(rows, columns, ("access",), tag_text),
            **{tag: _column(rows, columns, (tag,), _as_is) for tag in (*LEVEL_TAGS, *ROAD_TAGS)},
            "sidewalk": _sidewalks(rows, columns),
        }
    )
    backwards = np.array(_column(rows, columns, ("oneway",), is_backwards), dtype=bool)
    if backwards.any():
        notes.append(f"turned {int(backwards.sum())} oneway=-1 line(s) round")
        raw.loc[backwards, ["u", "v"]] = raw.loc[backwards, ["v", "u"]].to_numpy()
    raw["geometry"] = np.where(backwards, shapely.reverse(parts), parts)
    return raw


def _pick_layer(path: Path, layer: str | None) -> str | None:
    """The asked layer (checked), else the only line layer of a multi-layer file.

    None lets the reader decide (single-layer files, or files it will report unreadable).
    """
    try:
        layers = pyogrio.list_layers(path)
    except Exception:  # unreadable files are reported by read_vector
        return layer
    names = [str(name) for name, _ in layers]
    listed = ", ".join(names)
    if layer is not None:
        if layer not in names:
            raise InvalidFile(
                f"文件 {path.name} 中没有图层「{layer}」；现有图层：{listed}",
                f"{path.name} has no layer '{layer}'; layers present: {listed}",
            )
        return layer
    if len(layers) <= 1:
        return None
    lines = [str(name) for name, kind in layers if kind and "LineString" in str(kind)]
    if len(lines) == 1:
        return lines[0]
    raise InvalidFile(
        f"文件 {path.name} 有多个图层，请用 layer 指定道路图层；图层：{listed}",
        f"{path.name} has several layers: give the street layer with `layer`; layers: {listed}",
    )


def _check_lines(path: Path, geoms: NDArray[np.object_], notes: list[str]) -> NDArray[np.object_]:
    """Drop missing geometries (noted) and refuse anything that is not a line."""
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        notes.append(f"skipped {int(missing.sum())} feature(s) without geometry")
    kinds = shapely.get_type_id(geoms)
    bad = np.flatnonzero(~missing & ~np.isin(kinds, (1, 5)))  # LineString, MultiLineString
    if len(bad):
        i = int(bad[0])
        kind = geoms[i].geom_type
        raise InvalidFile(
            f"第 {i + 1} 个要素是 {kind}，道路必须是线（LineString/MultiLineString）",
            f"feature {i + 1} is a {kind}; streets must be lines (LineString/MultiLineString)",
        )
    geoms = np.asarray(np.where(missing, None, shapely.force_2d(geoms)), dtype=object)
    if (~missing).any() and not np.isfinite(shapely.get_coordinates(geoms)).all():
        raise InvalidFile(
            f"文件 {path.name} 的坐标无法转换为经纬度，请检查坐标系",
            f"coordinates of {path.name} cannot be converted to longitude/latitude: "
            "check the file's CRS",
        )
    if not (~missing).any():
        raise InvalidFile(f"文件 {path.name} 中没有道路线", f"{path.name} holds no lines")
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
        # GeoJSON is taken as WGS-84 by definition, so a missing CRS shows up only here
        raise InvalidFile(
            f"文件 {path.name} 的坐标不是经纬度：坐标系缺失或有误，请为文件指定正确的坐标系",
            f"{path.name} has coordinates outside the longitude/latitude range: its CRS is "
            "missing or wrong; give the file its CRS (e.g. a .prj, or save as GeoPackage)",
        )
    return geoms


def _node_gis(
    raw: pd.DataFrame, *, notes: list[str], counts: dict[str, Any], forced: bool
) -> pd.DataFrame:
    """Split lines where they cross on the same level; each piece keeps the attributes of
    its line.

    A line's level is OSM's: ``layer`` (default 0), a bridge without one 1, a tunnel -1.
    Lines on different levels join only at vertices both have (as OSM ways join only at
    shared nodes), so a bridge over a street stays apart from it. The crossings are
    counted (``crossings_noded``, ``crossings_kept_apart``, ``crossings_at_shared_vertices``);
    a file without level columns whose crossings were noded gets a note on how to choose.
    """
    lines = raw["geometry"].to_numpy()
    levels = _levels(raw)
    noded, apart, shared = _crossings(lines, levels)
    counts.update(
        crossings_noded=noded, crossings_kept_apart=apart, crossings_at_shared_vertices=shared
    )
    groups = [np.flatnonzero(levels == level) for level in np.unique(levels)]
    out = pd.concat(
        [_node_level(raw.iloc[i].reset_index(drop=True)) for i in groups], ignore_index=True
    )
    if len(groups) > 1:
        out = _split_at_joints(out, lines, levels)
    notes.append(
        f"noded {len(lines)} line(s) into {len(out)} piece(s) at {noded} crossing(s)"
        + (f"; kept {apart} crossing(s) of lines on different levels apart" if apart else "")
    )
    has_levels = bool(raw[list(LEVEL_TAGS)].notna().to_numpy().any())
    if noded and not has_levels:
        notes.append(_no_levels_note(noded, shared, forced))
    return out


def _no_levels_note(noded: int, shared: int, forced: bool) -> str:
    """What noding did to a file without level columns, and how to choose."""
    hint_zh = hint_en = ""
    if shared > noded:
        hint_zh = f"文件中多数交叉（{shared} 处）在共用顶点上，其余 {noded} 处很可能是立交；"
        hint_en = (
            f" Most crossings ({shared}) are at vertices both lines share, so the other "
            f"{noded} are likely bridges or tunnels."
        )
    used = "--node（本次指定）" if forced else "自动打断（本次做法，同 --node）"
    return (
        f"文件没有 bridge/tunnel/layer 字段：已在 {noded} 处没有共用顶点的交叉打断并连通"
        f"（另有 {shared} 处交叉在共用顶点上），桥梁、隧道可能被接到它跨越的街道上。{hint_zh}"
        f"{used}在每个交叉处打断；若线已在路口断开，请用 --no-node 重新导入；"
        "或为文件补上 bridge/tunnel/layer 字段以区分上下层。"
        f" / The file has no bridge/tunnel/layer columns: {noded} crossing(s) without a "
        f"shared vertex were noded and joined ({shared} more are at vertices both lines "
        f"share), so a bridge or tunnel may have been joined to the street it crosses.{hint_en}"
        f" {'--node (given)' if forced else 'Automatic noding (as --node)'} splits at every "
        "crossing; if the lines already end at every junction, import again with --no-node; "
        "or add bridge/tunnel/layer columns to keep levels apart."
    )


def _node_level(raw: pd.DataFrame) -> pd.DataFrame:
    """Lines of one level split where they cross; each piece keeps the attributes of its
    line.

    Overlapping stretches of several lines become one piece (with the attributes of the
    first line). ``u``/``v`` survive only at the piece ends that are line ends.
    """
    lines = raw["geometry"].to_numpy()
    pieces = shapely.get_parts(shapely.union_all(lines))
    tree = shapely.STRtree(lines)
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    piece_i, line_i = tree.query_nearest(mid, all_matches=True)
    order = np.lexsort((line_i, piece_i))
    lowest = np.r_[True, piece_i[order][1:] != piece_i[order][:-1]]
    source = line_i[order][lowest]
    source_lines = lines[source]
    # Orient each piece as its source line (oneway streets keep their direction).
    along = [
        shapely.line_locate_point(
            source_lines, shapely.line_interpolate_point(pieces, f, normalized=True)
        )
        for f in (0.25, 0.75)
    ]
    pieces = np.where(along[0] > along[1], shapely.reverse(pieces), pieces)
    out = raw.iloc[source].reset_index(drop=True)
    out["geometry"] = pieces
    starts = shapely.equals(shapely.get_point(pieces, 0), shapely.get_point(source_lines, 0))
    ends = shapely.equals(shapely.get_point(pieces, -1), shapely.get_point(source_lines, -1))
    out["u"] = out["u"].where(starts, None)
    out["v"] = out["v"].where(ends, None)
    return out


def _levels(raw: pd.DataFrame) -> NDArray[np.int64]:
    """Each line's level from its bridge/tunnel/layer tags (0 when it has none)."""
    return np.array(
        [
            street_level(b, t, layer)
            for b, t, layer in zip(raw["bridge"], raw["tunnel"], raw["layer"], strict=True)
        ],
        dtype=np.int64,
    )


def _vertex_keys(geoms: NDArray[np.object_]) -> tuple[pd.MultiIndex, NDArray[np.float64]]:
    """(geometry index, x key, y key) of every vertex (keys: coordinates to 1e-7 degree),
    and the coordinates."""
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    keys = np.round(xy * _NODE_ROUND).astype(np.int64)
    return pd.MultiIndex.from_arrays([owner, keys[:, 0], keys[:, 1]]), xy


def _crossings(lines: NDArray[np.object_], levels: NDArray[np.int64]) -> tuple[int, int, int]:
    """How many distinct points two lines meet at without a vertex both have, on the same
    level (noded) and on different levels (kept apart), and at vertices both have."""
    tree = shapely.STRtree(lines)
    a, b = tree.query(lines, predicate="intersects")
    pair = a < b
    a, b = a[pair], b[pair]
    if len(a) == 0:
        return 0, 0, 0
    parts, owner = shapely.get_parts(shapely.intersection(lines[a], lines[b]), return_index=True)
    point = shapely.get_type_id(parts) == 0
    parts, owner = parts[point], owner[point]
    if len(parts) == 0:
        return 0, 0, 0
    keys = np.round(shapely.get_coordinates(parts) * _NODE_ROUND).astype(np.int64)
    vertices, _ = _vertex_keys(lines)

    def is_vertex(line: NDArray[np.intp]) -> NDArray[np.bool_]:
        probe = pd.MultiIndex.from_arrays([line, keys[:, 0], keys[:, 1]])
        return np.asarray(probe.isin(vertices), dtype=bool)

    shared = is_vertex(a[owner]) & is_vertex(b[owner])
    same = levels[a[owner]] == levels[b[owner]]

    def distinct(mask: NDArray[np.bool_]) -> int:
        return len(np.unique(keys[mask], axis=0)) if mask.any() else 0

    return distinct(~shared & same), distinct(~shared & ~same), distinct(shared)


def _split_at_joints(
    pieces: pd.DataFrame, lines: NDArray[np.object_], levels: NDArray[np.int64]
) -> pd.DataFrame:
    """Pieces also split at the vertices that lines of different levels share (where a
    ramp meets the bridge, or a bridge lands on a street), so they join there."""
    vertices, _ = _vertex_keys(lines)
    at = pd.DataFrame(
        {
            "x": vertices.get_level_values(1),
            "y": vertices.get_level_values(2),
            "level": levels[vertices.get_level_values(0)],
        }
    )
    per_point = at.drop_duplicates().groupby(["x", "y"]).size()
    joints = per_point.index[per_point.to_numpy() >= 2]
    if len(joints) == 0:
        return pieces
    geoms = pieces["geometry"].to_numpy()
    keys, xy = _vertex_keys(geoms)
    owner = keys.get_level_values(0).to_numpy()
    first = np.r_[True, owner[1:] != owner[:-1]]
    last = np.r_[owner[1:] != owner[:-1], True]
    joint = np.asarray(
        pd.MultiIndex.from_arrays([keys.get_level_values(1), keys.get_level_values(2)]).isin(
            joints
        ),
        dtype=bool,
    )
    cut = first | last | joint
    if not (cut & ~first & ~last).any():
        return pieces
    split, piece_first, piece_last = cut_lines(xy, cut, first, last)
    out = pieces.iloc[owner[piece_first]].reset_index(drop=True)
    out["geometry"] = split
    out["u"] = out["u"].where(first[piece_first], None)
    out["v"] = out["v"].where(last[piece_last], None)
    return out


# --- attributes ---------------------------------------------------------------------


def _attributes(
    raw: pd.DataFrame,
    main_classes: Sequence[str],
    main_names: Sequence[str],
    unwalkable_names: str | None = None,
    *,
    notes: list[str],
) -> pd.DataFrame:
    """name, highway, is_main, walkable, not_walkable and excluded_main from the parsed
    lists and tags."""
    out = raw.copy()
    no_class = out["highway_all"].map(len) == 0
    if no_class.any():
        notes.append(f"{int(no_class.sum())} street(s) without a class taken as '{UNKNOWN_CLASS}'")
        out.loc[no_class, "highway_all"] = pd.Series(
            [[UNKNOWN_CLASS] for _ in range(int(no_class.sum()))],
            index=out.index[no_class],
            dtype=object,
        )
    classes = out["highway_all"].explode()
    rank = {c: i for i, c in enumerate(CLASS_RANK)}
    order = classes.map(lambda c: rank.get(c, len(rank)))
    frame = pd.DataFrame({"cls": classes, "rank": order.astype(int)})
    frame["pos"] = np.arange(len(frame))
    top = frame.sort_values(["rank", "pos"], kind="stable").groupby(level=0).head(1)
    out["highway"] = top["cls"].reindex(out.index)
    all_links = frame["cls"].str.endswith("_link").groupby(level=0).all()
    by_class = frame["cls"].isin(set(main_classes)).groupby(level=0).any()
    names = out["names"].explode()
    by_name = names.isin(set(main_names)).groupby(level=0).any() if main_names else False
    is_main = (by_class | by_name) & ~all_links
    out["name"] = out["names"].map(lambda n: n[0] if n else None)
    walk_class = (~frame["cls"].isin(NOT_WALKABLE)).groupby(level=0).any()
    foot = out["foot"].map(tag_text_lower)
    access = out["access"].map(tag_text_lower)
    allowed = foot.isin(_WALK_ALLOWED)
    barred = access.isin(["no", "private"]) & ~allowed
    motorway = ~walk_class & frame["cls"].isin(MOTORWAYS).groupby(level=0).any()
    reason = _not_walkable(out, motorway, foot, allowed, unwalkable_names)
    out["not_walkable"] = reason
    out["walkable"] = (walk_class & ~barred & reason.isna()).astype(bool)
    out["excluded_main"] = (is_main & reason.notna()).astype(bool)
    out["is_main"] = (is_main & reason.isna()).astype(bool)
    return out


def _not_walkable(
    out: pd.DataFrame,
    motorway: pd.Series,
    foot: pd.Series,
    allowed: pd.Series,
    unwalkable_names: str | None,
) -> pd.Series:
    """The first reason of :data:`NOT_WALKABLE_REASONS` that applies to each street, or
    None. An explicit ``foot=yes``/``designated``/``permissive`` overrides every reason
    but the motorway class."""
    yes = {tag: out[tag].map(is_yes).astype(bool) for tag in ROAD_TAGS}
    sidewalk = out["sidewalk"].map(
        lambda v: any(str(x).strip().lower() in _SIDEWALK_YES for x in tag_values(v))
    )
    elevated = (
        (out["highway"] == "trunk")
        & out["bridge"].map(is_yes).astype(bool)
        & foot.isna()
        & ~sidewalk.astype(bool)
    )
    by_name = pd.Series(False, index=out.index)
    if unwalkable_names:
        pattern = re.compile(unwalkable_names)
        by_name = out["names"].map(lambda names: any(pattern.search(n) for n in names))
    rules = [
        ("motorway", motorway),
        ("motorroad", yes["motorroad"] & ~allowed),
        ("expressway", yes["expressway"] & ~allowed),
        ("foot_no", foot == "no"),
        ("elevated_trunk", elevated),
        ("name", by_name.astype(bool) & ~allowed),
    ]
    reason = pd.Series(None, index=out.index, dtype=object)
    for code, applies in rules:
        reason = reason.where(reason.notna() | ~applies.astype(bool), code)
    return reason


def _count_not_walkable(
    streets: gpd.GeoDataFrame, notes: list[str], counts: dict[str, Any]
) -> None:
    """The not-walkable roads into the counts (by reason) and, for the main streets they
    take out of the main-street denominator, a note per street name."""
    marked = streets[streets["not_walkable"].notna()]
    excluded = marked[marked["excluded_main"].astype(bool)]
    counts.update(
        not_walkable_roads=len(marked),
        not_walkable_km=round(float(marked["length_m"].sum()) / 1000.0, 3),
        not_walkable_by_reason={
            str(k): int(v) for k, v in marked["not_walkable"].value_counts().items()
        },
        not_walkable_main_streets=len(excluded),
        not_walkable_main_km=round(float(excluded["length_m"].sum()) / 1000.0, 3),
    )
    if excluded.empty:
        return
    table = (
        excluded.assign(name=excluded["name"].fillna("（无名）unnamed"))
        .groupby(["name", "not_walkable"], sort=False)["length_m"]
        .sum()
        .sort_values(ascending=False)
    )
    listed = [
        f"{name} {NOT_WALKABLE_REASONS[code][0]}/{NOT_WALKABLE_REASONS[code][1]} "
        f"{metres / 1000:.2f} km"
        for (name, code), metres in table.head(_NOTE_STREETS).items()
    ]
    more = len(table) - _NOTE_STREETS
    notes.append(
        f"不可步行、不计入主要街道的道路 {len(table)} 条 / not walkable, out of the main "
        f"streets: {len(table)} road(s): "
        + "; ".join(listed)
        + (f"; … 另有 {more} 条 / {_NOTE_STREETS} of {len(table)}" if more > 0 else "")
    )


def _as_is(value: Any) -> Any:
    """A tag value unchanged (parsed where it is used)."""
    return value


def _sidewalks(rows: pd.DataFrame, columns: dict[str, Hashable]) -> list[list[Any]]:
    """The values of every sidewalk column of each row (``sidewalk``, ``sidewalk:left`` …)."""
    present = [columns[c] for c in SIDEWALK_TAGS if c in columns]
    if not present:
        return [[] for _ in range(len(rows))]
    return [
        [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
        for values in zip(*(rows[c].tolist() for c in present), strict=True)
    ]


def _coalesce_names(rows: pd.DataFrame, columns: dict[str, Hashable]) -> list[list[str]]:
    """Names from the first name column that has a value, per row."""
    present = [columns[c.lower()] for c in NAME_COLUMNS if c.lower() in columns]
    if not present:
        return [[] for _ in range(len(rows))]
    lists = [_map_unique(rows[c], split_values) for c in present]
    return [next((v for v in values if v), []) for values in zip(*lists, strict=True)]


def _column(
    rows: pd.DataFrame,
    columns: dict[str, Hashable],
    candidates: Iterable[str],
    parse: Callable[[Any], Any],
) -> list[Any]:
    """Parsed values of the first candidate column present, or None throughout."""
    col = next((columns[c] for c in candidates if c in columns), None)
    if col is None:
        return [None] * len(rows)
    return _map_unique(rows[col], parse)


def _map_unique(values: pd.Series, parse: Callable[[Any], Any]) -> list[Any]:
    """``parse`` applied once per distinct value (tags repeat a lot)."""
    cache: dict[Any, Any] = {}
    out = []
    for value in values.tolist():
        key = value if isinstance(value, str | int | float | bool) or value is None else None
        if key is None and value is not None:
            out.append(parse(value))
            continue
        if key not in cache:
            cache[key] = parse(value)
        hit = cache[key]
        out.append(list(hit) if isinstance(hit, list) else hit)  # rows never share a list
    return out


def _tick(progress: Progress | None, done: int) -> None:
    if progress is not None:
        progress(done, _STAGES)
