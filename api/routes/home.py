"""The home page: what is loaded, in Chinese first with English."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import get_conn
from geo.db import network
from geo.health import data_health
from geo.stations import sql as stations
from geo.stations.reach import network_health
from maps.pages import render_home

router = APIRouter(tags=["pages"])


@router.get("/api/v1/summary")
def summary(request: Request, conn: psycopg.Connection[Any] = Depends(get_conn)) -> dict[str, Any]:
    """Counts of what is loaded: districts, streets, walk network, stations by kind; and
    how the walk network holds together (``walk_network_pieces``: its connected pieces,
    the share of its length in the largest, the public stations on small pieces; null
    with no network); and the data health (``data_health``: one finding per line, each
    with ``level`` ok/info/warn, Chinese and English text, its figure and items, as in
    ``yizhan db status`` and the report)."""
    lookup = request.app.state.settings.lookup
    return {
        **network.counts(conn),
        "walk_network_pieces": network_health(conn, lookup),
        "stations": stations.counts_by_kind(conn),
        "data_health": data_health(conn, lookup),
    }


@router.get("/summary", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, conn: psycopg.Connection[Any] = Depends(get_conn)) -> str:
    """What is loaded, as a page (the map page now lives at ``/``)."""
    return render_home(summary(request, conn))
