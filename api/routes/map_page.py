"""The public map page at ``/`` and the static files it uses (served by Yizhan itself)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from geo.errors import NotFound
from geo.settings import get_settings
from maps.map_page import LEAFLET_DIR, STATIC_DIR, render_map_page, static_file

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def map_page() -> str:
    """找最近的驿站 / find the nearest station (mobile first)."""
    s = get_settings()
    return render_map_page(s.basemap, s.tianditu_key)


def _file(root, path: str) -> FileResponse:  # type: ignore[no-untyped-def]
    found = static_file(root, path)
    if found is None:
        raise NotFound(f"没有文件 {path}", f"no file {path}")
    return FileResponse(found, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/static/leaflet/{path:path}", include_in_schema=False)
def leaflet(path: str) -> FileResponse:
    return _file(LEAFLET_DIR, path)


@router.get("/static/yizhan/{path:path}", include_in_schema=False)
def own_static(path: str) -> FileResponse:
    return _file(STATIC_DIR, path)
