"""#13 Users: every change to an account is audited in its own transaction (who, when,
before, after), by a trigger no writer can skip, without a password hash; a login is not
a change; accounts are never deleted. Before, nothing recorded who added, disabled or
changed an account."""

from __future__ import annotations

import psycopg
import pytest

from geo import accounts, user_admin
from geo.db.connection import transaction
from geo.errors import InvalidInput


def _rows(db) -> list[dict]:
    return db.execute(
        "SELECT user_name, action, actor, before, after FROM user_audit ORDER BY id"
    ).fetchall()


def test_each_verb_writes_one_audit_row_naming_the_actor(db) -> None:
    actor = "chen.admin"
    user_admin.add_user(db, actor, "wang.field", "field_staff", "a long enough pw")
    user_admin.set_role(db, actor, "wang.field", "reviewer")
    user_admin.disable_user(db, actor, "wang.field")
    user_admin.enable_user(db, actor, "wang.field")
    user_admin.reset_password(db, actor, "wang.field")
    rows = _rows(db)
    assert [(r["action"], r["actor"]) for r in rows] == [
        ("create", actor),
        ("role", actor),
        ("disable", actor),
        ("enable", actor),
        ("password", actor),
    ]
    for r in rows:
        for side in (r["before"], r["after"]):
            assert side is None or ("password_hash" not in side and "last_login_at" not in side)
    assert rows[1]["before"]["role"] == "field_staff" and rows[1]["after"]["role"] == "reviewer"


def test_no_change_writes_no_audit_row(db) -> None:
    user_admin.add_user(db, "a", "wang.field", "field_staff", "a long enough pw")
    user_admin.set_role(db, "a", "wang.field", "field_staff")
    user_admin.enable_user(db, "a", "wang.field")
    assert len(_rows(db)) == 1


def test_a_write_that_fails_leaves_no_audit_row_and_no_account(db) -> None:
    with pytest.raises(InvalidInput):
        user_admin.add_user(db, "a", "wang.field", "field_staff", "short")
    assert _rows(db) == []
    assert db.execute("SELECT count(*) AS n FROM users").fetchone()["n"] == 0


def test_a_change_in_plain_sql_is_audited_too(db, database_url) -> None:
    user_admin.add_user(db, "a", "wang.field", "field_staff", "a long enough pw")
    with transaction(database_url, actor="dba") as conn:
        conn.execute("UPDATE users SET role = 'planner' WHERE name = 'wang.field'")
    assert [(r["action"], r["actor"]) for r in _rows(db)][-1] == ("role", "dba")


def test_a_login_is_remembered_but_not_audited(db, database_url) -> None:
    user_admin.add_user(db, "a", "wang.field", "field_staff", "a long enough pw")
    accounts.authenticate(db, "wang.field", "a long enough pw", "192.0.2.1")
    row = db.execute("SELECT last_login_at FROM users WHERE name = 'wang.field'").fetchone()
    assert row["last_login_at"] is not None
    assert len(_rows(db)) == 1


def test_accounts_are_never_deleted(db) -> None:
    user_admin.add_user(db, "a", "wang.field", "field_staff", "a long enough pw")
    with pytest.raises(psycopg.errors.RaiseException, match="never deleted"):
        db.execute("DELETE FROM users WHERE name = 'wang.field'")
