"""The field staff page (/staff): a mobile form on a Leaflet map."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import psycopg
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from api.deps import get_conn
from geo.db.network import service_centre
from geo.settings import get_settings
from maps.pages import render_staff

router = APIRouter(tags=["pages"])

DEFAULT_CENTRE = (114.0579, 22.5431)  # Shenzhen civic centre, until districts are loaded


def _csp(tile_url: str) -> str:
    """Only our own scripts and API; images also from the tile server when one is set."""
    parts = urlsplit(tile_url) if tile_url else None
    tiles = f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}" if parts else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:{tiles}; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )


@router.get("/staff", response_class=HTMLResponse, include_in_schema=False)
def staff_page(conn: psycopg.Connection[Any] = Depends(get_conn)) -> HTMLResponse:
    """The field staff page, centred on the service area, with a strict CSP."""
    centre = service_centre(conn) or DEFAULT_CENTRE
    tile_url = get_settings().serving.tile_url
    return HTMLResponse(
        render_staff(centre, tile_url),
        headers={
            "Content-Security-Policy": _csp(tile_url),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )
