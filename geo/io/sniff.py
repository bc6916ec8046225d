"""Recognise a file that is not a station list from its header and first rows.

A streets file (GeoJSON LineStrings, or a table with ``highway`` or WKT line columns
and no coordinates or addresses) read as a station list would turn every row into a
"no coordinates" problem; a districts file likewise. :func:`other_layer` sees that from
the header and the first rows, before the rest of the file is read, so the import can
stop with one line that says which command imports the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from geo.io.tables import column_key, find_column

#: Rows (GeoJSON features) looked at before the rest of a file is read.
SNIFF_ROWS = 20

_LINES = ("LINESTRING", "MULTILINESTRING")
_POLYGONS = ("POLYGON", "MULTIPOLYGON")
_WKT_COLUMNS = ("geometry", "wkt", "geom", "the_geom", "shape")
_STREET_COLUMNS = ("highway", "osmid")


@dataclass(frozen=True)
class OtherLayer:
    """What a file looks like instead: ``streets`` or ``districts``, why, and the command."""

    layer: str
    why_zh: str
    why_en: str

    @property
    def command(self) -> str:
        """The command that imports such a file."""
        return f"yizhan import {self.layer}"

    @property
    def label_zh(self) -> str:
        """The layer in Chinese."""
        return {"streets": "街道", "districts": "区域"}[self.layer]


def _layer_of(kind: str) -> str | None:
    kind = kind.upper()
    if kind in _LINES:
        return "streets"
    if kind in _POLYGONS:
        return "districts"
    return None


def geojson_layer(geometry_types: Sequence[str | None]) -> OtherLayer | None:
    """Streets or districts when every one of the first features is a line (or polygon).

    ``geometry_types`` holds, per feature, its geometry type when it is not a Point
    (None for a point or no geometry).
    """
    if not geometry_types or any(t is None for t in geometry_types):
        return None
    layers = {_layer_of(t) for t in geometry_types if t is not None}
    if len(layers) != 1 or None in layers:
        return None
    [layer] = layers
    n, kind = len(geometry_types), geometry_types[0]
    return OtherLayer(
        str(layer),
        f"前 {n} 个要素都是{'线' if layer == 'streets' else '面'}（如 {kind}），没有点",
        f"its first {n} features are all {'lines' if layer == 'streets' else 'polygons'} "
        f"(e.g. {kind}), no points",
    )


def table_layer(header: Sequence[str], rows: Sequence[Sequence[str]]) -> OtherLayer | None:
    """Streets or districts when a table has no coordinate or address columns but street
    columns (``highway``, ``osmid``) or a WKT column of lines (or polygons)."""
    for f in ("lon", "lat", "address"):
        if find_column(header, f) is not None:
            return None
    keys = [column_key(h) for h in header]
    for i, key in enumerate(keys):
        if key not in _WKT_COLUMNS:
            continue
        values = [r[i] for r in rows if i < len(r) and r[i]]
        kinds = {_layer_of(v.split("(", 1)[0].strip()) for v in values}
        if values and len(kinds) == 1 and None not in kinds:
            [layer] = kinds
            shape = values[0].split("(", 1)[0].strip().upper()
            return OtherLayer(
                str(layer),
                f"「{header[i]}」列是 {shape} 等 WKT 几何，没有经纬度或地址列",
                f"column '{header[i]}' holds WKT {shape} geometries; no coordinate or "
                "address columns",
            )
    street = [header[i] for i, key in enumerate(keys) if key in _STREET_COLUMNS]
    if street:
        names = "、".join(street)
        return OtherLayer(
            "streets",
            f"有街道的列（{names}），没有经纬度或地址列",
            f"it has street columns ({', '.join(street)}) and no coordinate or address columns",
        )
    return None
