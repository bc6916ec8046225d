"""SQL for accounts: users, login tokens/sessions and failed-login counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

_USER = "id, name, role, password_hash, created_at, disabled_at"


def insert_user(conn: psycopg.Connection[Any], name: str, role: str, password_hash: str) -> int:
    """Add a user row; its id."""
    row = conn.execute(
        "INSERT INTO users (name, role, password_hash) VALUES (%s, %s, %s) RETURNING id",
        (name, role, password_hash),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def user_by_name(conn: psycopg.Connection[Any], name: str) -> dict[str, Any] | None:
    """The user row named ``name``, or None."""
    return conn.execute(f"SELECT {_USER} FROM users WHERE name = %s", (name,)).fetchone()


def list_users(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """All user rows, by name."""
    return conn.execute(f"SELECT {_USER} FROM users ORDER BY name").fetchall()


def set_password_hash(conn: psycopg.Connection[Any], user_id: int, password_hash: str) -> None:
    """Replace a user's password hash."""
    conn.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))


def disable_user(conn: psycopg.Connection[Any], name: str) -> bool:
    """Disable an account and revoke its tokens; False when there is no such account."""
    row = conn.execute(
        "UPDATE users SET disabled_at = coalesce(disabled_at, now()) WHERE name = %s RETURNING id",
        (name,),
    ).fetchone()
    if row is None:
        return False
    conn.execute(
        "UPDATE auth_tokens SET revoked_at = now() WHERE user_id = %s AND revoked_at IS NULL",
        (row["id"],),
    )
    return True


def insert_token(
    conn: psycopg.Connection[Any], token_hash: str, user_id: int, kind: str, ttl_s: int
) -> datetime:
    """Store a token hash valid for ``ttl_s`` seconds; when it expires."""
    row = conn.execute(
        "INSERT INTO auth_tokens (token_hash, user_id, kind, expires_at)"
        " VALUES (%s, %s, %s, now() + make_interval(secs => %s)) RETURNING expires_at",
        (token_hash, user_id, kind, ttl_s),
    ).fetchone()
    assert row is not None
    return row["expires_at"]


def user_for_token(conn: psycopg.Connection[Any], token_hash: str) -> dict[str, Any] | None:
    """The active user of a live (unexpired, unrevoked) token, or None."""
    return conn.execute(
        "SELECT u.id, u.name, u.role, t.kind AS token_kind, t.expires_at FROM auth_tokens t"
        " JOIN users u ON u.id = t.user_id"
        " WHERE t.token_hash = %s AND t.revoked_at IS NULL AND t.expires_at > now()"
        " AND u.disabled_at IS NULL",
        (token_hash,),
    ).fetchone()


def revoke_token(conn: psycopg.Connection[Any], token_hash: str) -> None:
    """Mark the token with this hash revoked (once)."""
    conn.execute(
        "UPDATE auth_tokens SET revoked_at = now() WHERE token_hash = %s AND revoked_at IS NULL",
        (token_hash,),
    )


def purge_expired_tokens(conn: psycopg.Connection[Any]) -> None:
    """Delete tokens that expired more than a day ago."""
    conn.execute("DELETE FROM auth_tokens WHERE expires_at < now() - interval '1 day'")


def record_failure(conn: psycopg.Connection[Any], subjects: list[str]) -> None:
    """Count one failed login against each of ``subjects`` (user, client)."""
    conn.execute("INSERT INTO login_failures (subject) SELECT unnest(%s::text[])", (subjects,))


def failures_since(
    conn: psycopg.Connection[Any], subjects: list[str], window_s: int
) -> dict[str, int]:
    """Failed logins per subject within the last ``window_s`` seconds."""
    rows = conn.execute(
        "SELECT subject, count(*) AS n FROM login_failures"
        " WHERE subject = ANY(%s) AND at > now() - make_interval(secs => %s) GROUP BY subject",
        (subjects, window_s),
    ).fetchall()
    return {r["subject"]: int(r["n"]) for r in rows}


def clear_failures(conn: psycopg.Connection[Any], subject: str) -> None:
    """Forget the failed logins of ``subject``."""
    conn.execute("DELETE FROM login_failures WHERE subject = %s", (subject,))


def purge_old_failures(conn: psycopg.Connection[Any], window_s: int) -> None:
    """Delete failed logins older than the throttling window."""
    conn.execute(
        "DELETE FROM login_failures WHERE at < now() - make_interval(secs => %s)", (window_s,)
    )
