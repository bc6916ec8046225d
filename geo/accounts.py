"""Accounts and roles: who may log in, with which password, and what each role may do.

Passwords are hashed with Argon2id (argon2-cffi). A login hands out a random token whose
SHA-256 alone is stored with its expiry in PostGIS, so tokens survive a restart and a
copy of the database hands out none. Failed logins are counted in the database before
the password is checked, per account and address, per address and per account
(:mod:`geo.login_throttle`), and refused above the configured limits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo import login_throttle as throttle
from geo.db import accounts as db
from geo.db.connection import set_actor
from geo.errors import Conflict, Forbidden, InvalidInput, Unauthenticated
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
#: Who administers the accounts.
ADMINS = frozenset({"admin"})

TokenKind = Literal["bearer", "session"]
MIN_PASSWORD_LENGTH = 10
#: The longest password a login form accepts (``Credentials``), so no longer one is set.
MAX_PASSWORD_LENGTH = 1024
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


def check_name(name: str) -> None:
    """Raise :class:`InvalidInput` unless ``name`` is a possible account name."""
    if not _NAME_RE.match(name):
        raise InvalidInput(
            f"用户名「{name}」无效：2–64 个字母、数字或 _ . @ -",
            f"invalid user name '{name}': use 2-64 letters, digits or _ . @ -",
        )


def check_role(role: str) -> None:
    """Raise :class:`InvalidInput` unless ``role`` is one of :data:`ROLES`."""
    if role not in ROLES:
        raise InvalidInput(
            f"未知的角色「{role}」，可选：{', '.join(ROLES)}",
            f"unknown role '{role}': use one of {', '.join(ROLES)}",
        )


def check_password(password: str) -> None:
    """Raise :class:`InvalidInput` for a password too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"密码太短：至少 {MIN_PASSWORD_LENGTH} 个字符",
            f"password too short: at least {MIN_PASSWORD_LENGTH} characters",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"密码太长：至多 {MAX_PASSWORD_LENGTH} 个字符",
            f"password too long: at most {MAX_PASSWORD_LENGTH} characters",
        )


def hash_password(password: str) -> str:
    """The Argon2id hash of a password that passed :func:`check_password`."""
    check_password(password)
    return _hasher.hash(password)


def create_user(conn: psycopg.Connection[Any], name: str, role: str, password: str) -> User:
    """Add an account. Raises InvalidInput for a bad name/role/password, Conflict if taken.

    The insert is audited (``user_audit``) as the transaction's actor."""
    check_name(name)
    check_role(role)
    check_password(password)
    if db.user_by_name(conn, name) is not None:
        raise Conflict(f"用户「{name}」已存在", f"user '{name}' already exists")
    user_id = db.insert_user(conn, name, role, _hasher.hash(password))
    return User(user_id, name, role)


Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]


def _opener(source: psycopg.Connection[Any] | Connect) -> Connect:
    if isinstance(source, psycopg.Connection):
        conn = source
        return lambda: nullcontext(conn)
    return source


def _password_ok(row: dict[str, Any] | None, password: str) -> bool:
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return row is not None and row["disabled_at"] is None


def authenticate(
    source: psycopg.Connection[Any] | Connect, name: str, password: str, client: str | None
) -> User:
    """The account for ``name`` when ``password`` is right and it is active.

    ``source`` is a connection in autocommit mode (the count must outlive the error this
    raises), or a function that opens one (the API passes its pool): then no connection
    is held while Argon2 checks the password, which is slow on purpose, so many logins at
    once do not empty the pool. The attempt is
    counted before the check (:mod:`geo.login_throttle`), so logins sent at once cannot
    get past the limits; a right password gives the count back.

    Raises
    ------
    TooManyAttempts
        While a lock applies (``retry_after_s``: when it ends); nothing is checked.
    Unauthenticated
        With the same message whether the name or the password was wrong.
    """
    if not _NAME_RE.match(name):
        name = "?"  # cannot be an account (nor stored, e.g. with NUL): a failure to count
    settings = get_settings().accounts
    attempt = throttle.attempt_for(name, client)
    connect = _opener(source)
    with connect() as conn:
        throttle.reserve(conn, attempt, settings)
        row = db.user_by_name(conn, name)
    ok = _password_ok(row, password)  # also for unknown names: the same time either way
    if not ok or row is None:
        raise Unauthenticated("用户名或密码错误", "wrong user name or password")
    with connect() as conn:
        throttle.forgive(conn, attempt, settings)
        db.purge_expired_tokens(conn)  # keep the table small
        db.record_login(conn, row["id"])
        if _hasher.check_needs_rehash(row["password_hash"]):
            with conn.transaction():  # audited as a password change, named as a rehash
                set_actor(conn, "system", "rehash at login (Argon2 parameters changed)")
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
