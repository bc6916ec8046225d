"""The map page installable and offline (#14): ``/manifest.webmanifest``, the service
worker at ``/sw.js`` (at the root, so its scope is the whole site) and ``/offline``."""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from geo.settings import get_settings
from maps.map_page import render_map_page
from maps.offline import render_offline_page, render_service_worker, web_manifest

router = APIRouter(tags=["pages"])


@router.get("/manifest.webmanifest", include_in_schema=False)
def manifest() -> Response:
    """The web app manifest (installs the map page as 驿站)."""
    body = json.dumps(web_manifest(), ensure_ascii=False)
    return Response(body, media_type="application/manifest+json")


@router.get("/sw.js", include_in_schema=False)
def service_worker() -> Response:
    """The service worker; ``no-cache`` so that a browser checks for a new version."""
    s = get_settings()
    page = render_map_page(
        s.serving.basemap, s.serving.tianditu_key, s.operations.phone_retention_days
    )
    return Response(
        render_service_worker(page),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/offline", response_class=HTMLResponse, include_in_schema=False)
def offline_page() -> HTMLResponse:
    """当前离线 / offline: what the service worker shows for a page it has not kept."""
    return HTMLResponse(render_offline_page())
