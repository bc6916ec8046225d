"""Request middleware: request ids and access logs, and a per-client rate limit.

Access logs never contain request bodies, and query values of sensitive parameters
(passwords, tokens, phone numbers) are replaced by ``***``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from urllib.parse import parse_qsl, urlencode

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from api.errors import render
from geo.errors import RateLimited

access_log = logging.getLogger("yizhan.access")

SENSITIVE = re.compile(r"pass|token|secret|phone|tel|mobile|auth|key", re.IGNORECASE)
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")  # mainland mobile numbers
EXEMPT_PREFIXES = ("/healthz", "/readyz", "/static/")


def redact_query(query: str) -> str:
    """The query string with sensitive values replaced (for logs)."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(
        [(k, "***" if SENSITIVE.search(k) else _PHONE.sub("***", v)) for k, v in pairs]
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON line; phone numbers in the message are masked."""
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": _PHONE.sub("***", record.getMessage()),
        }
        for key in ("request_id", "method", "path", "status", "ms", "client"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(json_logs: bool, level: str = "INFO") -> None:
    """Send Yizhan's logs to stderr, as JSON lines or plain text."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if json_logs
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger("yizhan")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def client_address(request: Request, trust_forwarded: bool) -> str:
    """The client's address; behind a trusted proxy, the one it reports."""
    if trust_forwarded:
        real = request.headers.get("x-real-ip") or request.headers.get("x-forwarded-for", "")
        if real:
            return real.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


class RequestLogMiddleware(BaseHTTPMiddleware):
    """Gives every request an id (``X-Request-ID``, kept if the client sent a sane one)
    and writes one access-log line per request."""

    def __init__(self, app: ASGIApp, *, trust_forwarded: bool = False) -> None:
        super().__init__(app)
        self.trust_forwarded = trust_forwarded

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Answer the request with its ``X-Request-ID`` and log one access line."""
        given = request.headers.get("x-request-id", "")
        rid = given if re.fullmatch(r"[A-Za-z0-9._-]{8,64}", given) else uuid.uuid4().hex
        request.state.request_id = rid
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = rid
            return response
        finally:
            query = redact_query(request.url.query)
            access_log.info(
                "%s %s%s %s",
                request.method,
                request.url.path,
                f"?{query}" if query else "",
                status,
                extra={
                    "request_id": rid,
                    "method": request.method,
                    "path": request.url.path,
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "client": client_address(request, self.trust_forwarded),
                },
            )


class _Buckets:
    """Token buckets per client, bounded in number (least recently used evicted)."""

    def __init__(self, rate_per_s: float, burst: int, max_clients: int = 100_000) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self.max_clients = max_clients
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float) -> float:
        """Take a token; returns 0 when allowed, else seconds until one is available."""
        with self._lock:
            tokens, last = self._state.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._state[key] = (tokens, now)
            while len(self._state) > self.max_clients:
                self._state.popitem(last=False)
            return wait


class RateLimitMiddleware(BaseHTTPMiddleware):
    """Per-client rate limit so that one scraper cannot starve outdoor workers.

    The counters live in each worker process: they are only a shield, and losing them on a
    restart is harmless. With N workers the configured rate is split between them.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_minute: int,
        burst: int,
        workers: int = 1,
        trust_forwarded: bool = False,
    ) -> None:
        super().__init__(app)
        self.buckets = _Buckets(
            per_minute / 60.0 / max(1, workers), max(1, burst // max(1, workers))
        )
        self.trust_forwarded = trust_forwarded

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Answer 429 with Retry-After when the client's bucket is empty."""
        if request.url.path.startswith(EXEMPT_PREFIXES):
            return await call_next(request)
        wait = self.buckets.take(client_address(request, self.trust_forwarded), time.monotonic())
        if wait > 0:
            retry = max(1, int(wait + 0.999))
            return render(
                RateLimited(
                    f"请求过于频繁，请 {retry} 秒后再试",
                    f"too many requests: try again in {retry} s",
                    retry_after_s=retry,
                )
            )
        return await call_next(request)
