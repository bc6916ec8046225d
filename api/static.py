"""Static files served by Yizhan itself (intranets have no CDN): Leaflet, the API docs'
Swagger UI and ReDoc, and our pages'."""

from __future__ import annotations

from importlib import resources

import xstatic.pkg.leaflet
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install(app: FastAPI) -> None:
    """Mount Leaflet (from the xstatic-leaflet package), Swagger UI and ReDoc (from the
    fastapi-offline package, which ships them: ``swagger-ui-bundle.js``,
    ``swagger-ui.css``, ``redoc.standalone.js``) and maps/static."""
    app.mount(
        "/static/leaflet", StaticFiles(directory=xstatic.pkg.leaflet.BASE_DIR), name="leaflet"
    )
    docs = resources.files("fastapi_offline").joinpath("static")
    app.mount("/static/docs", StaticFiles(directory=str(docs)), name="docs-static")
    ours = resources.files("maps").joinpath("static")
    app.mount("/static/yizhan", StaticFiles(directory=str(ours)), name="yizhan-static")
