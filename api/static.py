"""Static files served by Yizhan itself (intranets have no CDN): Leaflet and our pages'."""

from __future__ import annotations

from importlib import resources

import xstatic.pkg.leaflet
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install(app: FastAPI) -> None:
    """Mount Leaflet (from the xstatic-leaflet package) and maps/static."""
    app.mount(
        "/static/leaflet", StaticFiles(directory=xstatic.pkg.leaflet.BASE_DIR), name="leaflet"
    )
    ours = resources.files("maps").joinpath("static")
    app.mount("/static/yizhan", StaticFiles(directory=str(ours)), name="yizhan-static")
