"""Accounts and roles: who may log in, with which password, and what each role may do.

Passwords are hashed with Argon2id (argon2-cffi). A login hands out a random token whose
SHA-256 alone is stored with its expiry in PostGIS, so tokens survive a restart and a
copy of the database hands out none. Failed logins are counted in the database per
account and per client address and refused above the configured limits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.db import accounts as db
from geo.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyAttempts, Unauthenticated
from geo.settings import get_settings

Role = Literal["field_staff", "reviewer", "planner", "admin"]
ROLES: dict[str, str] = {
    "field_staff": "外勤人员",
    "reviewer": "审核人员",
    "planner": "规划人员",
    "admin": "管理员",
}
#: Roles that may create and edit stations, import station lists.
EDITORS = frozenset({"field_staff", "reviewer", "admin"})
#: Roles that may approve or reject submissions and publish directly.
REVIEWERS = frozenset({"reviewer", "admin"})
# Who may start costly computations (coverage runs, plans).
PLANNERS = frozenset({"planner", "admin"})
#: Every role with an account (the staff views).
STAFF = frozenset(ROLES)

TokenKind = Literal["bearer", "session"]
MIN_PASSWORD_LENGTH = 10
_NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password: equalises the time of unknown-user logins")


@dataclass(frozen=True)
class User:
    """A logged-in person: account id, name (recorded in the audit) and role."""

    id: int
    name: str
    role: str

    @property
    def can_publish(self) -> bool:
        """Reviewers and admins publish directly; others' stations wait for review."""
        return self.role in REVIEWERS


def require_role(user: User, allowed: frozenset[str]) -> None:
    """Raise :class:`Forbidden` unless ``user``'s role is one of ``allowed``."""
    if user.role not in allowed:
        names = "、".join(ROLES[r] for r in sorted(allowed))
        raise Forbidden(
            f"当前角色（{ROLES.get(user.role, user.role)}）无权执行此操作，需要：{names}",
            f"role {user.role} may not do this; needs one of: {', '.join(sorted(allowed))}",
        )


def hash_token(token: str) -> str:
    """The SHA-256 of a token: only hashes are stored, so the table gives no logins away."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def generate_password() -> str:
    """A random password of 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


def _check_new_user(name: str, role: str, password: str) -> None:
    if not _NAME_RE.match(name):
        raise InvalidInput(
            f"用户名「{name}」无效：2–64 个字母、数字或 _ . @ -",
            f"invalid user name '{name}': use 2-64 letters, digits or _ . @ -",
        )
    if role not in ROLES:
        raise InvalidInput(
            f"未知的角色「{role}」，可选：{', '.join(ROLES)}",
            f"unknown role '{role}': use one of {', '.join(ROLES)}",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"密码太短：至少 {MIN_PASSWORD_LENGTH} 个字符",
            f"password too short: at least {MIN_PASSWORD_LENGTH} characters",
        )


def create_user(conn: psycopg.Connection[Any], name: str, role: str, password: str) -> User:
    """Add an account. Raises InvalidInput for a bad name/role/password, Conflict if taken."""
    _check_new_user(name, role, password)
    if db.user_by_name(conn, name) is not None:
        raise Conflict(f"用户「{name}」已存在", f"user '{name}' already exists")
    user_id = db.insert_user(conn, name, role, _hasher.hash(password))
    return User(user_id, name, role)


def disable_user(conn: psycopg.Connection[Any], name: str) -> None:
    """Disable an account (kept for the audit) and end all its logins."""
    if not db.disable_user(conn, name):
        raise NotFound(f"没有用户「{name}」", f"no user '{name}'")


def list_users(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """All accounts (name, role, created, disabled), without password hashes."""
    return [
        {k: r[k] for k in ("name", "role", "created_at", "disabled_at")}
        for r in db.list_users(conn)
    ]


def _subjects(name: str, client: str | None) -> list[str]:
    return [f"user:{name.lower()}"] + ([f"client:{client}"] if client else [])


def _check_throttle(conn: psycopg.Connection[Any], name: str, client: str | None) -> None:
    settings = get_settings().accounts
    counts = db.failures_since(conn, _subjects(name, client), settings.login_window_s)
    user_n = counts.get(f"user:{name.lower()}", 0)
    client_n = counts.get(f"client:{client}", 0) if client else 0
    if user_n >= settings.login_max_failures_user or client_n >= settings.login_max_failures_client:
        minutes = max(1, settings.login_window_s // 60)
        raise TooManyAttempts(
            f"登录失败次数过多，请 {minutes} 分钟后再试",
            f"too many failed logins: try again in {minutes} minutes",
        )


def authenticate(
    conn: psycopg.Connection[Any], name: str, password: str, client: str | None
) -> User:
    """The account for ``name`` when ``password`` is right and it is active.

    ``conn`` must be in autocommit mode so that a failure is recorded even though the
    call raises. Raises TooManyAttempts while the account or client is throttled, and
    Unauthenticated (with the same message whether the name or password was wrong).
    """
    if not _NAME_RE.match(name):
        name = "?"  # cannot be an account (nor stored, e.g. with NUL): a failure to count
    _check_throttle(conn, name, client)
    row = db.user_by_name(conn, name)
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
        ok = row is not None and row["disabled_at"] is None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        db.record_failure(conn, _subjects(name, client))
        raise Unauthenticated("用户名或密码错误", "wrong user name or password")
    db.clear_failures(conn, f"user:{name.lower()}")
    db.purge_old_failures(conn, get_settings().accounts.login_window_s)  # keep both tables small
    db.purge_expired_tokens(conn)
    if _hasher.check_needs_rehash(row["password_hash"]):
        db.set_password_hash(conn, row["id"], _hasher.hash(password))
    return User(int(row["id"]), row["name"], row["role"])


def issue_token(
    conn: psycopg.Connection[Any], user: User, kind: TokenKind = "bearer"
) -> tuple[str, datetime]:
    """A new random token for ``user`` and when it expires."""
    token = secrets.token_urlsafe(32)
    expires = db.insert_token(
        conn, hash_token(token), user.id, kind, get_settings().accounts.token_ttl_s
    )
    return token, expires


def user_for_token(conn: psycopg.Connection[Any], token: str) -> User:
    """The user of a live token; Unauthenticated when unknown, revoked or expired."""
    row = db.user_for_token(conn, hash_token(token)) if token else None
    if row is None:
        raise Unauthenticated(
            "登录已失效或无效，请重新登录", "the login is invalid or has expired: log in again"
        )
    return User(int(row["id"]), row["name"], row["role"])


def revoke_token(conn: psycopg.Connection[Any], token: str) -> None:
    """End the login of ``token`` (unknown or already revoked tokens are ignored)."""
    db.revoke_token(conn, hash_token(token))
