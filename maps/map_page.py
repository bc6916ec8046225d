"""The public map page at ``/``: a mobile-first page that finds the nearest stations.

Everything it loads comes from Yizhan itself: Leaflet from the ``xstatic-leaflet`` package
and the page's own script and style from ``maps/static``. The basemap is configurable: by
default (``yizhan``) our own vector tiles (``/tiles/{z}/{x}/{y}.mvt``, drawn by the vendored
protomaps-leaflet in ``maps/static/basemap.js``), with the internet basemaps as optional
layers; ``osm`` or ``tianditu`` start on theirs and fall back to ours when their tiles fail;
``amap`` keeps Amap's GCJ-02 tiles alone; ``none`` uses only the city's own districts and
main streets drawn from GeoJSON.
"""

from __future__ import annotations

import json
from importlib import resources
from string import Template
from typing import Any

from geo import tiles, vocab
from geo.errors import InvalidInput
from maps.assets import hash_urls

BASEMAPS = ("yizhan", "osm", "tianditu", "amap", "none")

#: Where our vector tiles are served (``api/routes/tiles.py``).
TILES_URL = "/tiles/{z}/{x}/{y}.mvt"
_OSM_LAYER = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": "© OpenStreetMap contributors",
    "subdomains": "abc",
}

_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk="
)


def vector_tiles() -> dict[str, Any]:
    """Our own vector tiles as ``basemap.js`` reads them: URL template, zooms served and
    the attribution."""
    return {
        "url": TILES_URL,
        "min_zoom": tiles.MIN_ZOOM,
        "max_zoom": tiles.MAX_ZOOM,
        "attribution": "© 驿站 Yizhan · 道路 © OpenStreetMap 贡献者 contributors",
    }


def _internet_layers(name: str, tianditu_key: str | None) -> list[dict[str, Any]]:
    if name == "osm":
        return [dict(_OSM_LAYER)]
    if name == "tianditu":
        if not tianditu_key:
            raise InvalidInput(
                "天地图底图需要密钥：请设置 YIZHAN_TIANDITU_KEY",
                "the Tianditu basemap needs a key: set YIZHAN_TIANDITU_KEY",
            )
        return [
            {
                "url": _TIANDITU.replace("{layer}", layer) + tianditu_key,
                "attribution": "© 天地图 Tianditu",
                "subdomains": "01234567",
            }
            for layer in ("vec", "cva")
        ]
    return []


def basemap_config(name: str, tianditu_key: str | None = None) -> dict[str, Any]:
    """Tile layers of a basemap and the coordinate system its tiles are drawn in:
    ``layers`` the configured internet basemap's (shown first; none for ``yizhan``),
    ``vector`` our own tiles (the fallback, and the default), ``optional`` the internet
    basemaps offered in the layer switch besides (OSM, and Tianditu with a key)."""
    name = (name or "yizhan").strip().lower()
    if name not in BASEMAPS:
        raise InvalidInput(
            f"未知的底图「{name}」，可选：{'、'.join(BASEMAPS)}",
            f"unknown basemap '{name}': use one of {', '.join(BASEMAPS)}",
        )
    if name in ("yizhan", "osm", "tianditu"):
        optional = [
            {"name": other, "layers": _internet_layers(other, tianditu_key)}
            for other in ("osm", "tianditu")
            if other != name and (other != "tianditu" or tianditu_key)
        ]
        return {
            "name": name,
            "crs": "wgs84",
            "layers": _internet_layers(name, tianditu_key),
            "vector": vector_tiles(),
            "optional": optional,
        }
    if name == "amap":
        layers = [
            {
                "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                "&style=8&x={x}&y={y}&z={z}",
                "attribution": "© 高德地图 AutoNavi",
                "subdomains": "1234",
            }
        ]
        return {"name": name, "crs": "gcj02", "layers": layers, "vector": None, "optional": []}
    return {"name": "none", "crs": "wgs84", "layers": [], "vector": None, "optional": []}


def tile_sources(config: dict[str, Any]) -> list[str]:
    """The URL templates of every internet tile layer a basemap config may show (for the
    page's CSP; our own tiles are same-origin)."""
    return [layer["url"] for layer in config["layers"]] + [
        layer["url"] for choice in config["optional"] for layer in choice["layers"]
    ]


def _json_for_script(value: Any) -> str:
    """JSON safe inside a <script> element (no ``</script>`` or ``<!--`` can appear)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_map_page(
    basemap: str, tianditu_key: str | None = None, phone_retention_days: int = 90
) -> str:
    """The map page's HTML with its configuration embedded as JSON (the problem report
    form's categories and how long a reporter's phone is kept: #15)."""
    config = {
        "basemap": basemap_config(basemap, tianditu_key),
        "kinds": {c: {"zh": t.zh, "en": t.en} for c, t in vocab.KINDS.items()},
        "services": {c: {"zh": t.zh, "en": t.en} for c, t in vocab.SERVICES.items()},
        "problem_categories": {
            c: {"zh": t.zh, "en": t.en} for c, t in vocab.PROBLEM_CATEGORIES.items()
        },
        "phone_retention_days": phone_retention_days,
    }
    page = resources.files("maps").joinpath("templates", "map.html").read_text("utf-8")
    return hash_urls(Template(page).substitute(config=_json_for_script(config)))
