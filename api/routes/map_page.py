"""The public map page at ``/`` (its static files are mounted by ``api/static.py``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from geo.settings import get_settings
from maps.map_page import render_map_page

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def map_page() -> str:
    """找最近的驿站 / find the nearest station (mobile first)."""
    s = get_settings()
    return render_map_page(s.serving.basemap, s.serving.tianditu_key)
