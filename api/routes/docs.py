"""The API docs pages: Swagger UI at ``/docs`` and ReDoc at ``/redoc``.

Their scripts and styles are served by Yizhan (``/static/docs/`` from the
``fastapi-offline`` package, see ``api/static.py``), so the docs open on an intranet;
Swagger UI is started by a script file, so the pages keep the page standard CSP (no
inline script); ReDoc's adds only its search worker.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.headers import page_csp
from maps.pages import render_redoc, render_swagger

router = APIRouter(tags=["pages"])

REDOC_CSP = page_csp(worker_sources=["blob:"])


def _urls(request: Request) -> tuple[str, str]:
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return root, f"{root}{request.app.openapi_url}"


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def swagger(request: Request) -> str:
    """Swagger UI: every operation, with "try it out"."""
    root, openapi_url = _urls(request)
    return render_swagger(f"{request.app.title} - Swagger UI", openapi_url, root)


@router.get("/redoc", response_class=HTMLResponse, include_in_schema=False)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc: the API reference on one page.

    Its search runs in a web worker that ReDoc builds from a ``blob:`` URL: the one thing
    its CSP allows beyond the page standard. Its footer's Redocly logo, an image from
    outside, stays blocked and hides itself.
    """
    root, openapi_url = _urls(request)
    page = render_redoc(f"{request.app.title} - ReDoc", openapi_url, root)
    return HTMLResponse(page, headers={"Content-Security-Policy": REDOC_CSP})
