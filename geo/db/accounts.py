"""SQL for accounts: users, login tokens/sessions and the login throttle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

_USER = "id, name, role, password_hash, created_at, disabled_at, last_login_at"
# A key of advisory locks that no other lock in Yizhan uses: changes that could leave no
# active admin (disable, demote) are serialised by it, so two admins disabling each other
# at once cannot both succeed.
_ADMINS_LOCK = 7_242_013


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


def lock_admins(conn: psycopg.Connection[Any]) -> None:
    """Take the transaction's lock on the set of active admins (held until it ends)."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_ADMINS_LOCK,))


def count_active_admins(conn: psycopg.Connection[Any]) -> int:
    """How many enabled accounts have the admin role."""
    row = conn.execute(
        "SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL"
    ).fetchone()
    assert row is not None
    return int(row["n"])


def set_role(conn: psycopg.Connection[Any], user_id: int, role: str) -> None:
    """Give an account another role (its tokens read the role at each request)."""
    conn.execute("UPDATE users SET role = %s WHERE id = %s AND role <> %s", (role, user_id, role))


def set_disabled(conn: psycopg.Connection[Any], user_id: int, disabled: bool) -> None:
    """Disable (keeping the first time) or enable an account."""
    if disabled:
        conn.execute(
            "UPDATE users SET disabled_at = now() WHERE id = %s AND disabled_at IS NULL",
            (user_id,),
        )
    else:
        conn.execute(
            "UPDATE users SET disabled_at = NULL WHERE id = %s AND disabled_at IS NOT NULL",
            (user_id,),
        )


def revoke_user_tokens(conn: psycopg.Connection[Any], user_id: int) -> int:
    """End every live login of an account; how many were ended."""
    cur = conn.execute(
        "UPDATE auth_tokens SET revoked_at = now() WHERE user_id = %s AND revoked_at IS NULL",
        (user_id,),
    )
    return cur.rowcount


def record_login(conn: psycopg.Connection[Any], user_id: int) -> None:
    """Remember when the account last logged in (not audited: no change to the account)."""
    conn.execute("UPDATE users SET last_login_at = now() WHERE id = %s", (user_id,))


def user_audit(conn: psycopg.Connection[Any], name: str) -> list[dict[str, Any]]:
    """The audit rows of the account named ``name``, oldest first."""
    return conn.execute(
        "SELECT action, actor, reason, at, before, after FROM user_audit"
        " WHERE user_name = %s ORDER BY id",
        (name,),
    ).fetchall()


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


# A key of two-int advisory locks (pg_advisory_xact_lock(key, hashtext(subject))) that no
# other lock in Yizhan uses: the throttle's subjects are serialised by these alone.
_THROTTLE_LOCK = 7_242_010
_THROTTLE = "subject, failures, window_started_at, locked_until, trusted_until"


def lock_throttle_subjects(conn: psycopg.Connection[Any], subjects: list[str]) -> None:
    """Take the transaction's advisory lock of each subject, in subject order (so two
    attempts never wait on each other in a circle); held until the transaction ends."""
    for subject in sorted(set(subjects)):
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_THROTTLE_LOCK, subject))


def throttle_rows(conn: psycopg.Connection[Any], subjects: list[str]) -> list[dict[str, Any]]:
    """The stored throttle rows of ``subjects`` (absent subjects have none)."""
    return conn.execute(
        f"SELECT {_THROTTLE} FROM login_throttle WHERE subject = ANY(%s)", (subjects,)
    ).fetchall()


def save_throttle_rows(conn: psycopg.Connection[Any], rows: list[dict[str, Any]]) -> None:
    """Insert or replace throttle rows (dicts with every column)."""
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO login_throttle ({_THROTTLE})"
            " VALUES (%(subject)s, %(failures)s, %(window_started_at)s, %(locked_until)s,"
            " %(trusted_until)s)"
            " ON CONFLICT (subject) DO UPDATE SET failures = EXCLUDED.failures,"
            " window_started_at = EXCLUDED.window_started_at,"
            " locked_until = EXCLUDED.locked_until, trusted_until = EXCLUDED.trusted_until",
            rows,
        )


def purge_throttle(conn: psycopg.Connection[Any], now: datetime, window_s: int) -> None:
    """Delete throttle rows that count, lock and trust nothing any more. Rows another
    attempt holds are skipped (the next purge takes them), so a purge never waits."""
    conn.execute(
        "DELETE FROM login_throttle WHERE subject IN (SELECT subject FROM login_throttle"
        " WHERE window_started_at < %(now)s - make_interval(secs => %(window)s)"
        " AND (locked_until IS NULL OR locked_until <= %(now)s)"
        " AND (trusted_until IS NULL OR trusted_until <= %(now)s)"
        " FOR UPDATE SKIP LOCKED)",
        {"now": now, "window": window_s},
    )
