"""``yizhan user …`` (#13), run as a person or a script runs it: add with
``--password-stdin``, enable, passwd, role; the last admin stays; every change audited as
``cli:USER``."""

from __future__ import annotations

import getpass

import pytest

from geo import accounts
from geo.errors import Unauthenticated
from tests.helpers.cli import yizhan
from tests.helpers.staff import PASSWORD, token_for

ACTOR = f"cli:{getpass.getuser()}"


def _login_ok(db, name: str, password: str) -> bool:
    try:
        accounts.authenticate(db, name, password, "192.0.2.9")
    except Unauthenticated:
        return False
    return True


def _audit(db, name: str) -> list[tuple[str, str]]:
    rows = db.execute(
        "SELECT action, actor FROM user_audit WHERE user_name = %s ORDER BY id", (name,)
    )
    return [(r["action"], r["actor"]) for r in rows]


def _live_tokens(db, name: str) -> int:
    return db.execute(
        "SELECT count(*) AS n FROM auth_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE u.name = %s AND t.revoked_at IS NULL",
        (name,),
    ).fetchone()["n"]


def test_add_reads_the_password_from_stdin_for_scripts(db, database_url) -> None:
    out = yizhan(
        "user", "add", "li.review", "--role", "reviewer", "--password-stdin",
        url=database_url, stdin="a script's password\n",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "a script's password" not in out.stdout
    assert _login_ok(db, "li.review", "a script's password")
    assert _audit(db, "li.review") == [("create", ACTOR)]


@pytest.mark.parametrize(
    ("args", "stdin", "zh"),
    [
        (["--password-stdin"], "", "标准输入中没有密码"),
        (["--password-stdin"], "short\n", "密码太短"),
        (["--password-stdin", "--generate"], "a long enough pw\n", "只能选一个"),
        (["--role", "boss", "--generate"], None, "未知的角色"),
    ],
)
def test_add_refuses_bad_input_in_both_languages_and_stores_nothing(
    db, database_url, args, stdin, zh
) -> None:
    role = [] if "--role" in args else ["--role", "reviewer"]
    out = yizhan("user", "add", "li.review", *role, *args, url=database_url, stdin=stdin)
    assert out.returncode == 2, out.stdout + out.stderr
    assert zh in out.stderr and "error:" in out.stderr
    assert db.execute("SELECT count(*) AS n FROM users").fetchone()["n"] == 0


def test_passwd_generates_a_password_prints_it_once_and_ends_the_logins(
    db, database_url, make_user
) -> None:
    token_for(database_url, make_user("wang.field", "field_staff"))
    out = yizhan("user", "passwd", "wang.field", "--generate", url=database_url)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if "shown once" in x)
    new = line.rsplit(" ", 1)[1]
    assert out.stdout.count(new) == 1
    assert _live_tokens(db, "wang.field") == 0
    assert not _login_ok(db, "wang.field", PASSWORD)
    assert _login_ok(db, "wang.field", new)
    assert _audit(db, "wang.field")[-1] == ("password", ACTOR)


def test_passwd_from_stdin_follows_the_password_rules(db, database_url, make_user) -> None:
    make_user("wang.field", "field_staff")
    short = yizhan("user", "passwd", "wang.field", "--password-stdin", url=database_url, stdin="x")
    assert short.returncode == 2 and "password too short" in short.stderr
    assert _login_ok(db, "wang.field", PASSWORD)
    out = yizhan(
        "user", "passwd", "wang.field", "--password-stdin",
        url=database_url, stdin="another long one\r\n",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert _login_ok(db, "wang.field", "another long one")


def test_disable_enable_and_role_are_audited_as_the_cli_user(db, database_url, make_user) -> None:
    make_user("wang.field", "field_staff")
    for args in (["disable", "wang.field"], ["enable", "wang.field"]):
        out = yizhan("user", *args, url=database_url)
        assert out.returncode == 0, out.stderr
    out = yizhan("user", "role", "wang.field", "reviewer", url=database_url)
    assert out.returncode == 0, out.stderr
    assert "reviewer" in out.stdout
    assert _audit(db, "wang.field") == [
        ("create", "test"),
        ("disable", ACTOR),
        ("enable", ACTOR),
        ("role", ACTOR),
    ]
    assert _login_ok(db, "wang.field", PASSWORD)
    listing = yizhan("user", "list", url=database_url)
    assert listing.returncode == 0
    row = next(x for x in listing.stdout.splitlines() if "wang.field" in x)
    assert "reviewer" in row and "yes" in row


@pytest.mark.parametrize("args", [["disable", "chen.admin"], ["role", "chen.admin", "planner"]])
def test_the_last_admin_cannot_be_disabled_or_demoted_from_the_cli(
    db, database_url, make_user, args
) -> None:
    make_user("chen.admin", "admin")
    make_user("zhou.admin", "admin")
    yizhan("user", "disable", "zhou.admin", url=database_url)
    out = yizhan("user", *args, url=database_url)
    assert out.returncode == 2
    assert "最后一个启用的管理员" in out.stderr and "last active admin" in out.stderr
    row = db.execute("SELECT role, disabled_at FROM users WHERE name = 'chen.admin'").fetchone()
    assert row["role"] == "admin" and row["disabled_at"] is None


def test_unknown_accounts_and_roles_exit_2(db, database_url, make_user) -> None:
    make_user("wang.field", "field_staff")
    for args in (["enable", "nobody"], ["role", "nobody", "planner"], ["passwd", "nobody"]):
        out = yizhan("user", *args, url=database_url, stdin="a long enough pw\na long enough pw\n")
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert "没有用户「nobody」" in out.stderr
    out = yizhan("user", "role", "wang.field", "root", url=database_url)
    assert out.returncode == 2 and "未知的角色" in out.stderr
