"""Accounts: passwords, tokens, sessions, expiry, disabling and login throttling."""

from __future__ import annotations

import pytest

from geo import accounts, user_admin
from geo.db.connection import transaction
from geo.errors import Conflict, InvalidInput
from tests.helpers.paths import ROOT
from tests.helpers.staff import PASSWORD, bearer


def test_passwords_are_stored_as_argon2_hashes_only(db, make_user) -> None:
    make_user("wang.field", "field_staff")
    row = db.execute("SELECT password_hash FROM users WHERE name = 'wang.field'").fetchone()
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]


def test_user_names_roles_and_short_passwords_are_checked(db, database_url) -> None:
    with transaction(database_url) as conn, pytest.raises(InvalidInput, match="role"):
        accounts.create_user(conn, "ok.name", "boss", PASSWORD)
    with transaction(database_url) as conn, pytest.raises(InvalidInput, match="user name"):
        accounts.create_user(conn, "bad name;", "admin", PASSWORD)
    with transaction(database_url) as conn, pytest.raises(InvalidInput, match="too short"):
        accounts.create_user(conn, "ok.name", "admin", "short")
    with transaction(database_url) as conn:
        accounts.create_user(conn, "ok.name", "admin", PASSWORD)
    with transaction(database_url) as conn, pytest.raises(Conflict):
        accounts.create_user(conn, "ok.name", "reviewer", PASSWORD)


def test_token_login_gives_a_bearer_token_that_identifies_the_user(client, make_user) -> None:
    headers = bearer(client, make_user("wang.field", "field_staff"))
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json() == {"name": "wang.field", "role": "field_staff", "role_zh": "外勤人员"}


def test_tokens_are_stored_hashed_and_survive_a_restart(client, db, make_user, database_url):
    from fastapi.testclient import TestClient

    from api.app import create_app

    headers = bearer(client, make_user("wang.field", "field_staff"))
    token = headers["Authorization"].split()[1]
    stored = [r["token_hash"] for r in db.execute("SELECT token_hash FROM auth_tokens")]
    assert stored == [accounts.hash_token(token)]
    with TestClient(create_app(database_url)) as fresh:  # a new process would see the same
        assert fresh.get("/api/v1/auth/me", headers=headers).status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_401(client, make_user) -> None:
    make_user("wang.field", "field_staff")
    wrong = client.post("/api/v1/auth/token", data={"username": "wang.field", "password": "x"})
    unknown = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"] == "用户名或密码错误"


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-token", "Bearer ", "Basic d2FuZzp4", "Bearer ' OR 1=1 --"],
)
def test_tampered_or_malformed_tokens_get_401(client, header) -> None:
    r = client.get("/api/v1/auth/me", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_a_token_with_one_character_changed_is_refused(client, make_user) -> None:
    headers = bearer(client, make_user("wang.field", "field_staff"))
    token = headers["Authorization"].split()[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tampered}"})
    assert r.status_code == 401


def test_expired_tokens_get_401(client, db, make_user) -> None:
    headers = bearer(client, make_user("wang.field", "field_staff"))
    db.execute("UPDATE auth_tokens SET expires_at = now() - interval '1 second'")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_disabling_a_user_ends_their_logins(client, make_user, database_url) -> None:
    headers = bearer(client, make_user("wang.field", "field_staff"))
    with transaction(database_url) as conn:
        user_admin.disable_user(conn, "test", "wang.field")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    again = client.post("/api/v1/auth/token", data={"username": "wang.field", "password": PASSWORD})
    assert again.status_code == 401


def test_repeated_failed_logins_are_throttled_per_user(client, make_user, monkeypatch) -> None:
    make_user("wang.field", "field_staff")
    for _ in range(5):
        r = client.post("/api/v1/auth/token", data={"username": "wang.field", "password": "no"})
        assert r.status_code == 401
    # Even the right password is refused while throttled, and the counts live in the DB.
    r = client.post("/api/v1/auth/token", data={"username": "wang.field", "password": PASSWORD})
    assert r.status_code == 429
    assert "Retry-After" in r.headers
    assert "登录失败次数过多" in r.json()["message"]


@pytest.fixture
def client_limit_3(monkeypatch):
    from geo.settings import get_settings

    monkeypatch.setenv("YIZHAN_LOGIN_MAX_FAILURES_CLIENT", "3")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_failed_logins_are_throttled_per_client_across_user_names(
    client, db, make_user, client_limit_3
):
    make_user("wang.field", "field_staff")
    for i in range(3):
        client.post("/api/v1/auth/token", data={"username": f"guess{i}", "password": "no"})
    n = db.execute("SELECT failures AS n FROM login_throttle WHERE subject LIKE 'client:%'")
    assert n.fetchone()["n"] == 3
    r = client.post("/api/v1/auth/token", data={"username": "wang.field", "password": PASSWORD})
    assert r.status_code == 429


def test_a_successful_login_clears_the_users_failure_count(client, db, make_user) -> None:
    make_user("wang.field", "field_staff")
    for _ in range(4):
        client.post("/api/v1/auth/token", data={"username": "wang.field", "password": "no"})
    bearer(client, "wang.field")
    n = db.execute(
        "SELECT failures AS n FROM login_throttle WHERE subject LIKE 'pair:wang.field|%'"
    )
    assert n.fetchone()["n"] == 0


def test_session_login_sets_a_strict_httponly_cookie(client, make_user) -> None:
    make_user("wang.field", "field_staff")
    r = client.post("/api/v1/auth/session", json={"username": "wang.field", "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "yizhan_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http in the test; https adds Secure
    assert client.get("/api/v1/auth/me").json()["name"] == "wang.field"
    client.post("/api/v1/auth/logout", headers={"X-Requested-With": "yizhan"})
    assert client.get("/api/v1/auth/me").status_code == 401


def test_session_cookie_is_secure_over_https(db, database_url, make_user) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    make_user("wang.field", "field_staff")
    with TestClient(create_app(database_url), base_url="https://testserver") as c:
        r = c.post("/api/v1/auth/session", json={"username": "wang.field", "password": PASSWORD})
        assert "Secure" in r.headers["set-cookie"]


def test_cli_adds_a_user_with_a_generated_password_and_disables_it(db, database_url) -> None:
    from tests.helpers.cli import yizhan

    added = yizhan(
        "user", "add", "sun.field", "--role", "field_staff", "--generate", url=database_url
    )
    assert added.returncode == 0, added.stderr
    password = added.stdout.strip().splitlines()[-1].split(": ")[-1]
    with transaction(database_url) as conn:
        assert accounts.authenticate(conn, "sun.field", password, None).role == "field_staff"
    disabled = yizhan("user", "disable", "sun.field", url=database_url)
    assert disabled.returncode == 0, disabled.stderr
    row = db.execute("SELECT disabled_at FROM users WHERE name = 'sun.field'").fetchone()
    assert row["disabled_at"] is not None
    missing = yizhan("user", "disable", "nobody", url=database_url)
    assert missing.returncode == 2 and "no user" in missing.stderr
    assert ROOT.exists()


def test_cli_prompts_for_the_password(db, database_url) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "user", "add", "li.review", "--role", "reviewer"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout
    with transaction(database_url) as conn:
        assert accounts.authenticate(conn, "li.review", PASSWORD, None).name == "li.review"
