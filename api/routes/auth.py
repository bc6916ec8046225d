"""Logging in and out: bearer tokens for the API, a cookie session for the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import SESSION_COOKIE, cookie_token, current_user
from api.deps import get_conn, pooled
from api.openapi import error
from api.schemas.auth import Credentials, TokenOut, UserOut
from geo import accounts
from geo.accounts import User
from geo.settings import get_settings

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


WRONG_LOGIN = error(401, "用户名或密码错误 / wrong user name or password")


def _login(
    request: Request, name: str, password: str, kind: accounts.TokenKind
) -> tuple[User, str, datetime]:
    """Check the password with no pooled connection held during Argon2 (30 logins at once
    must not empty the pool), then issue a token of ``kind``."""
    pool = request.app.state.pool
    user = accounts.authenticate(lambda: pooled(pool), name, password, _client(request))
    with pooled(pool) as conn:
        value, expires = accounts.issue_token(conn, user, kind)
    return user, value, expires


def _user_out(user: User) -> UserOut:
    return UserOut(name=user.name, role=user.role, role_zh=accounts.ROLES[user.role])


@router.post("/token", response_model=TokenOut, responses=WRONG_LOGIN)
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    """OAuth2 password flow: a bearer token for the API (expires, see YIZHAN_TOKEN_TTL_S).
    Throttled: 429 with Retry-After while a lock on failed logins applies."""
    _, value, expires = _login(request, form.username, form.password, "bearer")
    return TokenOut(access_token=value, expires_at=expires)


@router.post("/session", response_model=UserOut, responses=WRONG_LOGIN)
def login_session(request: Request, response: Response, body: Credentials) -> UserOut:
    """Log in for the pages: sets an HttpOnly, SameSite=Strict session cookie. Throttled
    like the token login."""
    user, value, _ = _login(request, body.username, body.password, "session")
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=get_settings().accounts.token_ttl_s,
        httponly=True,
        samesite="strict",
        secure=get_settings().accounts.cookie_secure or request.url.scheme == "https",
        path="/",
    )
    return _user_out(user)


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, conn: Conn) -> None:
    """End this session or token (the cookie is cleared too). Ending a session is a
    cookie write like any other: it needs the anti-forgery header, so another page of the
    same site cannot log a user out."""
    bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    for token in (cookie_token(request), bearer):
        if token:
            accounts.revoke_token(conn, token)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=UserOut)
def me(user: Annotated[User, Depends(current_user)]) -> UserOut:
    """Who is logged in."""
    return _user_out(user)
