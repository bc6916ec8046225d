"""Server-rendered pages (Jinja-free: small string templates with escaping)."""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from string import Template
from typing import Any

from geo.vocab import KINDS, LEVELS, SERVICES
from maps.assets import hash_urls
from maps.map_page import vector_tiles


def _template(name: str) -> Template:
    return Template(resources.files("maps").joinpath("templates", name).read_text("utf-8"))


HEALTH_MARK = {"ok": "✓ 正常", "info": "· 提示", "warn": "! 注意"}


def render_home(summary: dict[str, Any]) -> str:
    """The home page with the loaded city's figures."""
    rows = [
        ("区域 districts", summary.get("districts", 0)),
        ("重点区域 key districts", summary.get("key_districts", 0)),
        ("街道段 street segments", summary.get("streets", 0)),
        ("主要街道 main streets (km)", f"{summary.get('main_street_m', 0) / 1000:.1f}"),
        ("步行网络 walk network edges", summary.get("walk_edges", 0)),
    ]
    pieces = summary.get("walk_network_pieces")
    if pieces:
        rows += [
            ("步行网络连通块 walk network pieces", pieces["pieces"]),
            ("最大块占长度 largest piece's share", f"{pieces['largest_piece_share']:.1%}"),
            (
                f"小于 {pieces['small_piece_m']:.0f} 米孤块上的站点 stations on pieces under "
                f"{pieces['small_piece_m']:.0f} m",
                len(pieces["stations_on_small_pieces"]),
            ),
        ]
    by_kind = summary.get("stations", {})
    rows += [(f"{t.zh} {t.en}", by_kind.get(code, 0)) for code, t in KINDS.items()]
    table = "\n".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in rows
    )
    health = summary.get("data_health") or []
    if health:
        table += '\n<tr><th colspan="2">数据健康 data health</th></tr>' + "\n".join(
            f'<tr class="health-{escape(f["level"])}"><th>{escape(HEALTH_MARK[f["level"]])}</th>'
            f"<td>{escape(f['zh'])}<br><small>{escape(f['en'])}</small></td></tr>"
            for f in health
        )
    return hash_urls(_template("home.html").substitute(table=table))


def _json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element (no "</script>", no HTML comment openers)."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def terms(vocabulary: dict[str, Any]) -> list[dict[str, str]]:
    """A vocabulary of :mod:`geo.vocab` as a page's script reads it: code, zh, en."""
    return [{"code": code, "zh": t.zh, "en": t.en} for code, t in vocabulary.items()]


def map_config(centre: tuple[float, float], tile_url: str) -> dict[str, Any]:
    """What a staff map page's script needs to draw its map: the starting (lon, lat) in
    WGS-84, the tile server (``YIZHAN_TILE_URL``) with its attribution, and the basemap
    for ``basemap.js``: our own vector tiles, or the tile server first when one is set,
    falling back to ours when its tiles fail."""
    attribution = "© OpenStreetMap contributors" if tile_url else ""
    layers = [{"url": tile_url, "attribution": attribution}] if tile_url else []
    return {
        "centre": list(centre),
        "tile_url": tile_url,
        "tile_attribution": attribution,
        "basemap": {
            "name": "tiles" if tile_url else "yizhan",
            "crs": "wgs84",
            "layers": layers,
            "vector": vector_tiles(),
            "optional": [],
        },
    }


def render_staff(
    centre: tuple[float, float],
    tile_url: str = "",
    console_links: dict[str, list[dict[str, str]]] | None = None,
    has_session: bool = True,
) -> str:
    """The field staff page; ``centre`` is the map's starting (lon, lat) in WGS-84;
    ``console_links`` the console pages of each role, shown once someone signs in.
    ``has_session``: the request carried a session cookie (the script then asks who is
    signed in; without one it shows the sign-in form at once, with no 401 to log)."""
    config = {
        **map_config(centre, tile_url),
        "kinds": terms(KINDS),
        "levels": terms(LEVELS),
        "services": terms(SERVICES),
        "console": console_links or {},
        "has_session": has_session,
    }
    return hash_urls(_template("staff.html").substitute(config=_json_for_script(config)))


def _docs_page(template: str, title: str, openapi_url: str, root: str) -> str:
    page = _template(template).substitute(
        title=escape(title), openapi_url=escape(openapi_url), root=escape(root)
    )
    return hash_urls(page)


def render_swagger(title: str, openapi_url: str, root: str = "") -> str:
    """The interactive API docs (Swagger UI) for the OpenAPI document at ``openapi_url``;
    ``root`` prefixes the asset URLs (the app's root path behind a proxy)."""
    return _docs_page("swagger.html", title, openapi_url, root)


def render_redoc(title: str, openapi_url: str, root: str = "") -> str:
    """The API reference (ReDoc) for the OpenAPI document at ``openapi_url``."""
    return _docs_page("redoc.html", title, openapi_url, root)
