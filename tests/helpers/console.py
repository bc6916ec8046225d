"""Console helpers: a page session for a test account, and a signed-in Chromium page that
records console errors and any request leaving the test server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geo.accounts import User, issue_token
from geo.db.accounts import user_by_name
from geo.db.connection import transaction
from tests.helpers.staff import PASSWORD


def session_cookie(database_url: str, name: str) -> dict[str, str]:
    """The page session cookie of ``name`` (issued directly: no slow password check)."""
    from api.auth import SESSION_COOKIE

    with transaction(database_url, actor="test") as conn:
        row = user_by_name(conn, name)
        token, _ = issue_token(conn, User(row["id"], row["name"], row["role"]), "session")
    return {SESSION_COOKIE: token}


@dataclass
class Watched:
    """A page and what it did that a test forbids: errors ("text @ url"), and requests
    leaving the server."""

    page: Any
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def watched_page(browser: Any, base: str, **context_args: Any) -> Watched:
    """A new page whose console errors and page errors are recorded and whose requests to
    anywhere but ``base`` are recorded and refused."""
    context = browser.new_context(locale="zh-CN", **context_args)
    page = context.new_page()
    watched = Watched(page)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(base)
            else (watched.outside.append(route.request.url), route.abort())
        ),
    )
    page.on(
        "console",
        lambda m: (
            watched.errors.append(f"{m.text} @ {m.location.get('url', '')}")
            if m.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    return watched


def sign_in(page: Any, base: str, name: str, password: str = PASSWORD) -> None:
    """Sign in on /console/login and wait for the landing page to load."""
    page.goto(f"{base}/console/login")
    page.fill("#login-username", name)
    page.fill("#login-password", password)
    with page.expect_navigation():
        page.click("#login-submit")
    page.wait_for_load_state("load")
