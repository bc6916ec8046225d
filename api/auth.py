"""Who is calling: the ``current_user`` dependency and role checks.

A caller proves who they are with a bearer token (``Authorization: Bearer …``, from
``POST /api/v1/auth/token``) or with the page session cookie (from
``POST /api/v1/auth/session``). A cookie alone never authorises a change: unsafe methods
with a cookie must also send ``X-Requested-With: yizhan``, which another site's form or
script cannot add (SameSite=Strict already keeps the cookie off cross-site requests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.deps import get_conn
from geo import accounts
from geo.accounts import User
from geo.errors import Forbidden, Unauthenticated

SESSION_COOKIE = "yizhan_session"
CSRF_HEADER = "X-Requested-With"
CSRF_VALUE = "yizhan"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def cookie_token(request: Request) -> str | None:
    """The session cookie's token; for an unsafe method only with the anti-forgery header
    (403 without it)."""
    token = request.cookies.get(SESSION_COOKIE)
    unsafe = request.method not in _SAFE_METHODS
    if token and unsafe and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise Forbidden(
            "请求缺少防伪标头，请从 Yizhan 页面提交",
            f"a change with the session cookie needs the {CSRF_HEADER}: {CSRF_VALUE} header",
        )
    return token


def current_user(
    request: Request,
    bearer: str | None = Depends(oauth2),
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> User:
    """The logged-in user; 401 when there is no valid, unexpired token or session."""
    token = bearer or cookie_token(request)
    if not token:
        raise Unauthenticated("请先登录", "log in first: no bearer token or session")
    return accounts.user_for_token(conn, token)


def require(allowed: frozenset[str]) -> Callable[..., User]:
    """A dependency giving the current user, or 403 when their role is not ``allowed``."""

    def dependency(user: User = Depends(current_user)) -> User:
        accounts.require_role(user, allowed)
        return user

    return dependency


staff_user = require(accounts.STAFF)
editor_user = require(accounts.EDITORS)
reviewer_user = require(accounts.REVIEWERS)
planner_user = require(accounts.PLANNERS)
admin_user = require(accounts.ADMINS)


def optional_user(
    request: Request,
    bearer: str | None = Depends(oauth2),
    conn: psycopg.Connection[Any] = Depends(get_conn),
) -> User | None:
    """The logged-in user, or None for an anonymous caller (or an expired token or
    session): for resources that are public but show staff a little more (the OGC
    collections)."""
    token = bearer or cookie_token(request)
    if not token:
        return None
    try:
        return accounts.user_for_token(conn, token)
    except Unauthenticated:
        return None
