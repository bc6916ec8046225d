"""Static files served by Yizhan itself (intranets have no CDN): Leaflet, the API docs'
Swagger UI and ReDoc, and our pages'.

A hashed name (``map.<hash>.js``, see ``maps/assets.py``) is answered with the file and
``Cache-Control: public, max-age=31536000, immutable`` when the hash is the file's own;
a stale hash (a page cached before an update) gets the file as it is now, and a plain
name, with ``no-cache`` (the browser revalidates with its ETag).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from maps.assets import enabled, mounts, resolve_hashed

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class AssetFiles(StaticFiles):
    """StaticFiles that also answer the hashed names of their files, with cache headers."""

    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory)
        self.folder = directory

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file for ``path`` (hashed or plain) with its Cache-Control."""
        hashed = resolve_hashed(self.folder, path)
        if hashed is None:
            response = await super().get_response(path, scope)
            if enabled():
                response.headers.setdefault("Cache-Control", REVALIDATE)
            return response
        plain, current = hashed
        response = await super().get_response(plain, scope)
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
        return response


def install(app: FastAPI) -> None:
    """Mount Leaflet (from the xstatic-leaflet package), Swagger UI and ReDoc (from the
    fastapi-offline package, which ships them: ``swagger-ui-bundle.js``,
    ``swagger-ui.css``, ``redoc.standalone.js``) and maps/static."""
    names = {"/static/leaflet": "leaflet", "/static/docs": "docs-static"}
    for prefix, folder in mounts().items():
        app.mount(prefix, AssetFiles(directory=folder), name=names.get(prefix, "yizhan-static"))
