"""The OpenAPI document tells what the server does: every error status it can answer.

Routes declare what only they know (a 409 of a duplicate, a 202 of a revision) with
``responses=``. What follows from how a route is built is added here, once, for every
route, so a new route cannot forget it:

* 422 (invalid input) everywhere, in the project's error shape;
* 401 for a route that needs a login, 403 when it needs a role (and for cookie writes
  without the anti-forgery header);
* 404 for a route with path parameters (no such station, revision, collection …), and
  405 when a numeric id is not a number (another route's path answers, without this
  method: ``PATCH /api/v1/stations/nearest``);
* 412 and 428 for a route that takes ``If-Match``, which the document marks required;
* 413 for a route with a body; 429 (rate limit) and 503 (database unreachable) for all
  but the health checks, with their ``Retry-After`` header.

Schemathesis with ``--checks all`` (tests/security/test_schema_truth.py) holds the
document to this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from api import auth


class ErrorOut(BaseModel):
    """Every error: a code, a message in Chinese and in English, and details."""

    code: str = Field(description="机器可读的错误代码 / machine-readable error code")
    message: str = Field(description="中文说明 / the message in Chinese")
    message_en: str = Field(description="the message in English")
    details: Any = Field(default=None, description="出错的字段等 / the fields at fault etc.")


_RETRY_AFTER = {
    "Retry-After": {
        "description": "多少秒后再试 / seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}

#: Each status: its description, and its headers when it has any.
ERRORS: dict[int, tuple[str, dict[str, Any] | None]] = {
    401: ("未登录或登录已过期 / not logged in, or the login expired", None),
    403: ("当前角色无权执行 / the role may not do this", None),
    404: ("没有这个对象 / no such object", None),
    405: (
        "此路径不支持该方法（如编号不是数字）/ no such method here (e.g. the id is not a number)",
        None,
    ),
    409: ("与已有数据冲突 / conflicts with stored data", None),
    412: ("版本已变（If-Match 过期）/ the version changed since (stale If-Match)", None),
    413: ("请求体过大 / the body is too large", None),
    422: ("输入无效 / invalid input", None),
    428: ("缺少 If-Match / If-Match is required", None),
    429: ("请求过多 / too many requests", _RETRY_AFTER),
    503: ("数据库暂不可用 / the database is unavailable", _RETRY_AFTER),
}


def error(status: int, description: str | None = None) -> dict[int | str, dict[str, Any]]:
    """A ``responses=`` entry for an error only this route answers."""
    return {status: _entry(status, description)}


def _entry(status: int, description: str | None = None) -> dict[str, Any]:
    text, headers = ERRORS[status]
    out: dict[str, Any] = {"model": ErrorOut, "description": description or text}
    if headers:
        out["headers"] = headers
    return out


_ROLE_CHECKS = {
    auth.staff_user: False,  # any staff role: a login is enough
    auth.editor_user: True,
    auth.reviewer_user: True,
    auth.planner_user: True,
    auth.admin_user: True,
}
#: An ETag as the API sends it (``W/"3"``) or as clients often echo it (``"3"``, ``3``).
IF_MATCH_PATTERN = r'^\s*(W/)?"?[0-9]{1,9}"?\s*$'
_UNTHROTTLED = frozenset({"/healthz", "/readyz"})


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def _statuses(route: APIRoute) -> set[int]:
    out = {422}
    calls = set(_calls(route.dependant))
    if auth.current_user in calls:
        out.add(401)
        if any(_ROLE_CHECKS.get(c, False) for c in calls) or auth.cookie_token in calls:
            out.add(403)
    if route.dependant.path_params:
        out.add(404)
    if ":int}" in route.path:  # another route's path then answers, without this method
        out.add(405)
    if _if_match(route):
        out |= {412, 428}
    if route.body_field is not None:
        out.add(413)
    if route.path not in _UNTHROTTLED:
        out |= {429, 503}
    return out


def _if_match(route: APIRoute) -> bool:
    return any(p.alias.lower() == "if-match" for p in route.dependant.header_params)


def _finish(operation: dict[str, Any]) -> None:
    """If-Match is required (428 without it); errors are JSON whatever the route serves."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
            parameter["required"] = True
            parameter["schema"] = {"type": "string", "pattern": IF_MATCH_PATTERN}
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        if status[:1] in "45" and "application/json" not in content and content:
            response["content"] = {"application/json": next(iter(content.values()))}


def document_errors(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add the error responses every route of ``routers`` can give (call before they are
    included); the app's document marks If-Match required."""
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                for status in sorted(_statuses(route)):
                    route.responses.setdefault(status, _entry(status))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for item in schema.get("paths", {}).values():
                for operation in item.values():
                    _finish(operation)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
