"""The public map page at ``/``: a mobile-first page that finds the nearest stations.

Everything it loads comes from Yizhan itself: Leaflet from the ``xstatic-leaflet`` package
and the page's own script and style from ``maps/static``. The basemap is configurable;
``none`` uses only the city's own districts and main streets, for intranets.
"""

from __future__ import annotations

import json
from importlib import resources
from string import Template
from typing import Any

from geo import vocab
from geo.errors import InvalidInput
from maps.assets import hash_urls

BASEMAPS = ("osm", "tianditu", "amap", "none")

_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk="
)


def basemap_config(name: str, tianditu_key: str | None = None) -> dict[str, Any]:
    """Tile layers of a basemap and the coordinate system its tiles are drawn in."""
    name = (name or "osm").strip().lower()
    if name not in BASEMAPS:
        raise InvalidInput(
            f"未知的底图「{name}」，可选：{'、'.join(BASEMAPS)}",
            f"unknown basemap '{name}': use one of {', '.join(BASEMAPS)}",
        )
    if name == "osm":
        layers = [
            {
                "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "attribution": "© OpenStreetMap contributors",
                "subdomains": "abc",
            }
        ]
        return {"name": name, "crs": "wgs84", "layers": layers}
    if name == "tianditu":
        if not tianditu_key:
            raise InvalidInput(
                "天地图底图需要密钥：请设置 YIZHAN_TIANDITU_KEY",
                "the Tianditu basemap needs a key: set YIZHAN_TIANDITU_KEY",
            )
        layers = [
            {
                "url": _TIANDITU.replace("{layer}", layer) + tianditu_key,
                "attribution": "© 天地图 Tianditu",
                "subdomains": "01234567",
            }
            for layer in ("vec", "cva")
        ]
        return {"name": name, "crs": "wgs84", "layers": layers}
    if name == "amap":
        layers = [
            {
                "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                "&style=8&x={x}&y={y}&z={z}",
                "attribution": "© 高德地图 AutoNavi",
                "subdomains": "1234",
            }
        ]
        return {"name": name, "crs": "gcj02", "layers": layers}
    return {"name": "none", "crs": "wgs84", "layers": []}


def _json_for_script(value: Any) -> str:
    """JSON safe inside a <script> element (no ``</script>`` or ``<!--`` can appear)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_map_page(basemap: str, tianditu_key: str | None = None) -> str:
    """The map page's HTML with its configuration embedded as JSON."""
    config = {
        "basemap": basemap_config(basemap, tianditu_key),
        "kinds": {c: {"zh": t.zh, "en": t.en} for c, t in vocab.KINDS.items()},
        "services": {c: {"zh": t.zh, "en": t.en} for c, t in vocab.SERVICES.items()},
    }
    page = resources.files("maps").joinpath("templates", "map.html").read_text("utf-8")
    return hash_urls(Template(page).substitute(config=_json_for_script(config)))
