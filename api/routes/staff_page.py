"""The field staff page (/staff): a mobile form on a Leaflet map."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.auth import SESSION_COOKIE
from api.deps import get_conn
from api.headers import page_csp, tile_source
from geo.db.network import map_centre
from geo.settings import get_settings
from maps.console import console_links
from maps.pages import render_staff

router = APIRouter(tags=["pages"])

DEFAULT_CENTRE = (114.0579, 22.5431)  # Shenzhen civic centre, until districts are loaded


@router.get("/staff", response_class=HTMLResponse, include_in_schema=False)
def staff_page(request: Request, conn: psycopg.Connection[Any] = Depends(get_conn)) -> HTMLResponse:
    """The field staff page, centred on the service area, with a strict CSP; it shows the
    sign-in form at once when the request has no session cookie."""
    centre = map_centre(conn) or DEFAULT_CENTRE
    tile_url = get_settings().serving.tile_url
    # The page standard (api/headers.py), with the tile server's images when one is set.
    csp = page_csp([tile_source(tile_url)] if tile_url else [])
    body = render_staff(
        centre,
        tile_url,
        console_links(),
        has_session=SESSION_COOKIE in request.cookies,
    )
    return HTMLResponse(body, headers={"Content-Security-Policy": csp})
