"""The public map page at ``/`` (its static files are mounted by ``api/static.py``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.headers import page_csp, tile_source
from geo.settings import get_settings
from maps.map_page import basemap_config, render_map_page, tile_sources

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def map_page() -> HTMLResponse:
    """找最近的驿站 / find the nearest station (mobile first), with the page standard CSP
    that also lets the basemap's tile server send images."""
    s = get_settings()
    config = basemap_config(s.serving.basemap, s.serving.tianditu_key)
    csp = page_csp(tile_source(url) for url in tile_sources(config))
    page = render_map_page(
        s.serving.basemap, s.serving.tianditu_key, s.operations.phone_retention_days
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": csp})
