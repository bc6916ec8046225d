"""One table mapping domain errors to HTTP statuses, installed as exception handlers.

Routes raise ``geo.errors`` types; nobody builds error responses by hand. Middleware,
which runs outside FastAPI's exception handlers, renders its errors with :func:`render`. Every error
body has the same shape: ``{"code", "message" (中文), "message_en", "details"?}``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo import errors
from geo.stations.model import error_zh

log = logging.getLogger("yizhan.api")

STATUS: dict[type[errors.YizhanError], int] = {
    errors.InvalidInput: 422,
    errors.UnknownCRS: 422,
    errors.DatumMismatch: 422,
    errors.InvalidFile: 422,
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.Conflict: 409,
    errors.Unauthenticated: 401,
    errors.TooManyAttempts: 429,
    errors.RateLimited: 429,
    errors.StaleVersion: 412,
    errors.VersionRequired: 428,
    errors.BodyTooLarge: 413,
    errors.ImportTooLarge: 413,
    errors.ImportInterrupted: 503,
    errors.ImportFailed: 500,
    errors.DatabaseUnavailable: 503,
    errors.SolverError: 500,
    errors.DatabaseError: 500,
    errors.InvalidQuery: 400,
}

_HEADERS: dict[int, dict[str, str]] = {
    401: {"WWW-Authenticate": "Bearer"},
    503: {"Retry-After": "5"},
}

_FIELD_ZH = {
    "lon": "经度",
    "lat": "纬度",
    "kind": "类型",
    "limit": "数量上限",
    "bbox": "范围",
    "crs": "坐标系",
    "name": "名称",
    "services": "服务",
    "reason": "原因",
    "metric": "指标",
    "value": "目标值",
    "deadline": "截止日期",
    "starts_on": "开始日期",
}


def status_for(exc: errors.YizhanError) -> int:
    """The HTTP status of a domain error: that of its nearest class in :data:`STATUS`, else 500."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def render(exc: errors.YizhanError) -> JSONResponse:
    """The response for a domain error: its status from :data:`STATUS`, its body
    ``{code, message, message_en, details?}`` and the status's headers (a 429, a
    :class:`~geo.errors.RateLimited`, names its own Retry-After: when the limit or the
    lock that refused it ends)."""
    status = status_for(exc)
    headers = dict(_HEADERS.get(status, {}))
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    if status >= 500:
        log.error("domain error %s: %s", type(exc).__name__, exc.en)
    return JSONResponse(exc.as_dict(), status_code=status, headers=headers or None)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.YizhanError)
    return render(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    zh_parts, en_parts = [], []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", []) if p not in ("query", "body", "path")]
        field = ".".join(loc) or "请求"
        label = _FIELD_ZH.get(loc[-1], loc[-1]) if loc else "请求"
        msg = errors.clip(str(err.get("msg", "")), errors.MAX_DETAIL_CHARS)
        zh = errors.clip(error_zh(err), errors.MAX_DETAIL_CHARS)
        details.append({"field": field, "message": zh, "message_en": msg})
        zh_parts.append(f"参数 {label}（{field}）无效：{zh}")
        en_parts.append(f"{field}: {msg}")
    body = {
        "code": "invalid_input",
        "message": "；".join(zh_parts) or "请求无效",
        "message_en": "; ".join(en_parts) or "invalid request",
        "details": details,
    }
    return JSONResponse(body, status_code=422)


_HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: (
        "invalid_input",
        "请求体无法解析（应为 UTF-8 JSON）",
        "the body cannot be parsed as UTF-8 JSON",
    ),
    404: ("not_found", "没有这个地址", "no such path"),
    405: ("method_not_allowed", "不支持此请求方法", "method not allowed"),
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Framework errors (unparsable body, unknown path …) in the same shape as ours."""
    assert isinstance(exc, StarletteHTTPException)
    code, zh, en = _HTTP_MESSAGES.get(exc.status_code, ("error", str(exc.detail), str(exc.detail)))
    status = 422 if exc.status_code == 400 else exc.status_code  # a malformed body is bad input
    body = {"code": code, "message": zh, "message_en": en}
    headers = dict(getattr(exc, "headers", None) or {})
    if status == 405:
        # Starlette names the methods of the first route with this path only.
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
    return JSONResponse(body, status_code=status, headers=headers or None)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route of ``app`` answers at ``path``."""
    methods: set[str] = set()
    for regex, route_methods in getattr(app.state, "route_methods", ()):
        if regex.match(path):
            methods |= route_methods
    return sorted(methods)


def index_routes(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Remember each route's path pattern and methods, for the Allow header of a 405."""
    app.state.route_methods = [
        (route.path_regex, frozenset(route.methods or ()))
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
    ]


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A bug: the same bilingual shape, no trace. It is answered outside every middleware
    (Starlette's outermost error layer), so it names its own ``nosniff``; the error is
    raised again afterwards for the server's log."""
    body = {"code": "internal_error", "message": "服务器内部错误", "message_en": "internal error"}
    return JSONResponse(body, status_code=500, headers={"X-Content-Type-Options": "nosniff"})


def install(app: FastAPI) -> None:
    """Answer domain, validation and HTTP errors with Yizhan's bilingual error body."""
    app.add_exception_handler(errors.YizhanError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
