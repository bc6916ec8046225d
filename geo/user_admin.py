"""User administration (#13): add, list, disable, enable, reset a password, change a role.

The API (admins only) and the CLI (``yizhan user …``) call these alike. Each change runs
in one transaction under the actor's name, and the trigger of migration 0012 writes its
``user_audit`` row in that transaction. One rule guards the system against locking its
own administrators out: the last active admin can be neither disabled nor demoted (which
also stops an admin disabling or demoting themselves when they are the last). Changes
that could break it take one advisory lock first, so two admins disabling each other at
once cannot both succeed.

A password an admin does not choose is generated and handed back once; only its Argon2id
hash is stored. A reset ends every login of the account; a role change does not (its
tokens read the role at each request, so the new role applies at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from geo import accounts
from geo.db import accounts as db
from geo.db.connection import set_actor
from geo.errors import Conflict, LastAdmin, NotFound

_FIELDS = ("name", "role", "created_at", "disabled_at", "last_login_at")


@dataclass(frozen=True)
class Change:
    """What a change did: the account after it, whether anything changed, and the
    password when one was generated (to be shown once, never stored)."""

    user: dict[str, Any]
    changed: bool
    password: str | None = None
    tokens_revoked: int = 0


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in _FIELDS}
    out["active"] = row["disabled_at"] is None
    out["role_zh"] = accounts.ROLES.get(row["role"], row["role"])
    return out


def list_users(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every account by name: name, role, active, created, disabled, last login (never a
    password hash)."""
    return [_public(r) for r in db.list_users(conn)]


def _existing(conn: psycopg.Connection[Any], name: str) -> dict[str, Any]:
    row = db.user_by_name(conn, name)
    if row is None:
        raise NotFound(f"没有用户「{name}」", f"no user '{name}'")
    return row


def _guard_last_admin(
    conn: psycopg.Connection[Any], row: dict[str, Any], what_zh: str, what_en: str
) -> None:
    """Raise :class:`LastAdmin` when ``row`` is the only active admin (call under the
    admins' lock, with ``row`` read after taking it)."""
    if row["role"] != "admin" or row["disabled_at"] is not None:
        return
    if db.count_active_admins(conn) <= 1:
        raise LastAdmin(
            f"「{row['name']}」是最后一个启用的管理员，不能{what_zh}：请先添加或启用另一个管理员",
            f"'{row['name']}' is the last active admin and cannot be {what_en}:"
            " add or enable another admin first",
            details={"user": row["name"], "active_admins": 1},
        )


def add_user(
    conn: psycopg.Connection[Any], actor: str, name: str, role: str, password: str | None = None
) -> Change:
    """Add an account with ``password``, or with a generated one (returned once)."""
    secret = accounts.generate_password() if password is None else password
    generated = secret if password is None else None
    try:
        with conn.transaction():
            set_actor(conn, actor)
            accounts.create_user(conn, name, role, secret)
            row = _existing(conn, name)
    except psycopg.errors.UniqueViolation as exc:  # the same name added at the same moment
        raise Conflict(f"用户「{name}」已存在", f"user '{name}' already exists") from exc
    return Change(_public(row), True, generated)


def disable_user(conn: psycopg.Connection[Any], actor: str, name: str) -> Change:
    """Disable an account (kept for the history) and end all its logins; the last active
    admin is refused (:class:`LastAdmin`)."""
    with conn.transaction():
        set_actor(conn, actor)
        db.lock_admins(conn)
        row = _existing(conn, name)
        _guard_last_admin(conn, row, "停用", "disabled")
        db.set_disabled(conn, row["id"], True)
        revoked = db.revoke_user_tokens(conn, row["id"])
        after = _existing(conn, name)
    return Change(_public(after), row["disabled_at"] is None, tokens_revoked=revoked)


def enable_user(conn: psycopg.Connection[Any], actor: str, name: str) -> Change:
    """Enable a disabled account again (its old logins stay ended)."""
    with conn.transaction():
        set_actor(conn, actor)
        row = _existing(conn, name)
        db.set_disabled(conn, row["id"], False)
        after = _existing(conn, name)
    return Change(_public(after), row["disabled_at"] is not None)


def set_role(conn: psycopg.Connection[Any], actor: str, name: str, role: str) -> Change:
    """Give an account another role, at once for its live logins; demoting the last
    active admin is refused (:class:`LastAdmin`)."""
    accounts.check_role(role)
    with conn.transaction():
        set_actor(conn, actor)
        db.lock_admins(conn)
        row = _existing(conn, name)
        if role != row["role"]:
            _guard_last_admin(conn, row, "改为其他角色", "given another role")
            db.set_role(conn, row["id"], role)
        after = _existing(conn, name)
    return Change(_public(after), role != row["role"])


def reset_password(
    conn: psycopg.Connection[Any], actor: str, name: str, password: str | None = None
) -> Change:
    """Set a new password (``password``, or a generated one returned once) and end every
    login of the account."""
    _existing(conn, name)  # an unknown name costs no Argon2 hash
    secret = accounts.generate_password() if password is None else password
    generated = secret if password is None else None
    new_hash = accounts.hash_password(secret)  # before the transaction: Argon2 is slow
    with conn.transaction():
        set_actor(conn, actor)
        row = _existing(conn, name)
        db.set_password_hash(conn, row["id"], new_hash)
        revoked = db.revoke_user_tokens(conn, row["id"])
        after = _existing(conn, name)
    return Change(_public(after), True, generated, revoked)


def user_detail(conn: psycopg.Connection[Any], name: str) -> dict[str, Any]:
    """One account as :func:`list_users` gives it, with its ``audit`` rows oldest first
    (``NotFound`` for an unknown name)."""
    return {**_public(_existing(conn, name)), "audit": db.user_audit(conn, name)}
