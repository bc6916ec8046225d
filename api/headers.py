"""Security headers on every response, and HEAD wherever GET works.

- Every response carries ``X-Content-Type-Options: nosniff``.
- Every HTML page carries the page standard: a Content-Security-Policy that lets only
  Yizhan's own scripts run and no other site frame the page (``frame-ancestors 'none'``),
  ``X-Frame-Options: DENY`` for older browsers and ``Referrer-Policy: same-origin``. A
  route that needs more (the map page's tile server) sets its own policy with
  :func:`page_csp`; this middleware then leaves it alone.
- With ``YIZHAN_HSTS_MAX_AGE_S`` above 0, every answer over https (served with
  ``yizhan serve --certfile``, or behind a proxy that says ``X-Forwarded-Proto: https``)
  carries ``Strict-Transport-Security: max-age=N``. Off by default: on an intranet a
  certificate that lapses, or a phone without the union's CA, would then have no way past
  the browser's warning for N seconds (docs/deploy.md).
- ``HEAD`` is answered as ``GET`` with the body left out, so it gets the same status and
  headers as ``GET`` on every route, static files and OGC included (FastAPI's routes
  answer only ``GET``: ``HEAD`` got 405).

Both are pure ASGI middleware (no request body is read, streaming is kept).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def tile_source(url_template: str) -> str:
    """The CSP source of a tile URL template: ``https://t{s}.tianditu.gov.cn/…`` gives
    ``https://*.tianditu.gov.cn`` (a CSP wildcard may only stand for a whole first label;
    a template with a placeholder elsewhere in its host gives just its scheme)."""
    parts = urlsplit(url_template)
    labels = parts.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    if any("{" in label for label in labels) or not parts.scheme:
        return f"{parts.scheme}:" if parts.scheme else ""
    return f"{parts.scheme}://{'.'.join(labels)}"


def page_csp(image_sources: Iterable[str] = (), worker_sources: Iterable[str] = ()) -> str:
    """The Content-Security-Policy of every Yizhan page: scripts, styles, connections and
    forms only from Yizhan itself (inline style attributes allowed: Leaflet and the docs
    set them), images also from ``data:`` and ``image_sources`` (tile servers), web
    and service workers only from Yizhan, also from ``worker_sources`` (ReDoc's search
    worker is a ``blob:``), the web app manifest only from Yizhan, no
    plugins, no ``<base>``, and no framing by any site."""
    images = "".join(f" {s}" for s in dict.fromkeys(image_sources) if s)
    workers = "".join(f" {s}" for s in dict.fromkeys(worker_sources) if s)
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:{images}; connect-src 'self'; worker-src 'self'{workers}; "
        "manifest-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def report_csp(script_hashes: Iterable[str]) -> str:
    """The policy of a served offline coverage report (its scripts, styles and map data
    are inline): only the inline scripts with these hashes run, images only from
    ``data:``, no connection, form, plugin, ``<base>`` or framing at all."""
    scripts = " ".join(dict.fromkeys(script_hashes)) or "'none'"
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; "
        "img-src data:; connect-src 'none'; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


PAGE_CSP = page_csp()
_PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """Add ``nosniff`` to every response, the page standard to every HTML page whose
    route did not set its own policy, and HSTS to https answers when ``hsts_max_age_s``
    asks for it."""

    def __init__(self, app: ASGIApp, hsts_max_age_s: int = 0) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_max_age_s}" if hsts_max_age_s > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response as it starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # Browsers ignore HSTS over plain http (RFC 6797 §8.1): send it only over https.
        hsts = self.hsts if scope.get("scheme") == "https" else None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if hsts is not None:
                    headers["Strict-Transport-Security"] = hsts
                if headers.get("content-type", "").startswith("text/html"):
                    for name, value in _PAGE_HEADERS.items():
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """Answer ``HEAD`` as ``GET`` without the body: the same status and headers
    (``Content-Length`` included), whatever the route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route a HEAD request as GET and drop what the response body would have been."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] in ("http.response.body", "http.response.pathsend"):
                if message.get("more_body", False):
                    return  # one empty body ends the response
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
