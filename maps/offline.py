"""The map page installable and usable offline (#14): its web app manifest, its service
worker (``maps/templates/sw.js``, served at ``/sw.js``) with the list of what it caches,
and the offline page shown instead of the browser's error page."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

from maps.assets import asset_url, hash_urls, page_assets

THEME = "#c0392b"
BACKGROUND = "#fafafa"
ICONS = ("/static/yizhan/icons/icon-192.png", "/static/yizhan/icons/icon-512.png")
OFFLINE_PAGE = "/offline"
MANIFEST = "/manifest.webmanifest"
LEAFLET_IMAGES = (
    "layers.png",
    "layers-2x.png",
    "marker-icon.png",
    "marker-icon-2x.png",
    "marker-shadow.png",
)


def web_manifest() -> dict[str, Any]:
    """The manifest: Chinese name first, the icons (also maskable), the page's red."""
    icons = []
    for url in ICONS:
        size = url.rsplit("-", 1)[1].split(".")[0]
        for purpose in ("any", "maskable"):
            icons.append(
                {
                    "src": asset_url(url),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": purpose,
                }
            )
    return {
        "id": "/",
        "name": "驿站 Yizhan · 找最近的驿站 nearest station",
        "short_name": "驿站",
        "description": "爱心驿站、母婴室、职工书屋 — 找最近的驿站。"
        "Find the nearest station for outdoor workers.",
        "lang": "zh-CN",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": icons,
    }


def shell_urls(map_page: str) -> list[str]:
    """What the service worker caches on install: the map page and everything it links
    (as the rendered page links it), Leaflet's images, the icons, the manifest and the
    offline page."""
    urls = ["/", OFFLINE_PAGE, MANIFEST]
    urls += page_assets(map_page)
    urls += page_assets(render_offline_page())
    urls += [asset_url(u) for u in ICONS]
    images = [f"/static/leaflet/images/{name}" for name in LEAFLET_IMAGES]
    # Leaflet's stylesheet asks for its images by their plain names (layers.png for the
    # layer switch): both names are kept.
    urls += [asset_url(u) for u in images] + images
    return list(dict.fromkeys(urls))


def render_service_worker(map_page: str) -> str:
    """The service worker's script: its configuration, then ``maps/templates/sw.js``. Its
    version (and so its cache's name) is a hash of the script and of the cached URLs,
    which carry the assets' content hashes: any changed asset makes a new version."""
    script = resources.files("maps").joinpath("templates", "sw.js").read_text("utf-8")
    shell = shell_urls(map_page)
    version = hashlib.sha256("\n".join([script, *shell]).encode()).hexdigest()[:12]
    config = {"version": version, "shell": shell, "offline": OFFLINE_PAGE}
    return f"self.YIZHAN_SW = {json.dumps(config)};\n{script}"


def render_offline_page() -> str:
    """The page a phone sees offline for a page it has not kept (Chinese first)."""
    page = resources.files("maps").joinpath("templates", "offline.html").read_text("utf-8")
    return hash_urls(page)
