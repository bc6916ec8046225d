"""Request body limits: bodies larger than the configured size get 413 before any work.

A pure ASGI middleware, so it also stops chunked uploads that send no Content-Length:
it counts the bytes as they arrive and answers 413 as soon as the limit is passed.
File uploads (``/api/v1/imports``, an inspection's photos) have their own, larger limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import render
from geo.errors import BodyTooLarge
from geo.settings import Settings, get_settings


def _upload_limit(settings: Settings) -> int:
    return settings.serving.max_upload_bytes


def _photo_limit(settings: Settings) -> int:
    # a photo's own cap (settings.operations) plus room for the form's fields
    return max(settings.serving.max_body_bytes, settings.operations.photo_max_bytes + 65536)


#: The paths whose bodies carry files, each with its own limit in place of
#: ``YIZHAN_MAX_BODY_BYTES``: imports and an inspection with its photos (the upload limit),
#: a public problem report with its one photo (issue 15).
LARGER_BODIES: tuple[tuple[re.Pattern[str], Callable[[Settings], int]], ...] = (
    (re.compile(r"^/api/v1/imports"), _upload_limit),
    (re.compile(r"^/api/v1/staff/stations/\d+/inspections$"), _upload_limit),
    (re.compile(r"^/api/v1/stations/[^/]+/problems$"), _photo_limit),
)


def _too_large(limit: int) -> JSONResponse:
    exc = BodyTooLarge(
        f"请求内容过大（上限 {limit} 字节）", f"request body too large (limit {limit} bytes)"
    )
    return render(exc)


class BodyLimit:
    """Refuse request bodies above ``YIZHAN_MAX_BODY_BYTES`` (uploads: MAX_UPLOAD_BYTES)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def _limit(self, path: str) -> int:
        settings = get_settings()
        for pattern, limit in LARGER_BODIES:
            if pattern.match(path):
                return limit(settings)
        return settings.serving.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a too-large body by its declared length, or while it is being read."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        if _declared_too_big(scope, limit):
            await _too_large(limit)(scope, receive, send)
            return
        received = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not started:
                    refused = True  # answer now; the app sees the client go away
                    await _too_large(limit)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been sent: drop whatever the app answers
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not refused:
                raise


def _declared_too_big(scope: Scope, limit: int) -> bool:
    """Whether the request's Content-Length already says the body is over ``limit``."""
    declared = dict(scope.get("headers") or []).get(b"content-length")
    if declared is None:
        return False
    try:
        return int(declared) > limit
    except ValueError:
        return False  # the server rejects a malformed length itself


def install(app: Any) -> None:
    """Add the body size limit to ``app``."""
    app.add_middleware(BodyLimit)
