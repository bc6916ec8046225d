"""The home page: what is loaded, in Chinese first with English."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from api.deps import get_conn
from geo.db import network
from geo.stations import sql as stations
from maps.pages import render_home

router = APIRouter(tags=["pages"])


@router.get("/api/v1/summary")
def summary(conn: psycopg.Connection[Any] = Depends(get_conn)) -> dict[str, Any]:
    """Counts of what is loaded: districts, streets, walk network, stations by kind."""
    return {**network.counts(conn), "stations": stations.counts_by_kind(conn)}


@router.get("/summary", response_class=HTMLResponse, include_in_schema=False)
def home(conn: psycopg.Connection[Any] = Depends(get_conn)) -> str:
    """What is loaded, as a page (the map page now lives at ``/``)."""
    return render_home(summary(conn))
