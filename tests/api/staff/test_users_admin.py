"""User administration through the API (#13): admins list, add, disable, enable, reset
passwords and change roles; every change is audited; the last admin stays."""

from __future__ import annotations

import pytest

from tests.helpers.staff import PASSWORD, bearer

USERS = "/api/v1/admin/users"


def _login(client, name: str, password: str):
    return client.post("/api/v1/auth/token", data={"username": name, "password": password})


def _audit(db, name: str) -> list[tuple[str, str]]:
    rows = db.execute(
        "SELECT action, actor FROM user_audit WHERE user_name = %s ORDER BY id", (name,)
    ).fetchall()
    return [(r["action"], r["actor"]) for r in rows]


def test_admins_list_accounts_with_role_active_created_and_last_login(
    client, admin, make_user, db
) -> None:
    make_user("wang.field", "field_staff")
    bearer(client, "wang.field")  # a login: remembered as the last one
    make_user("li.review", "reviewer")
    r = client.get(USERS, headers=admin)
    assert r.status_code == 200, r.text
    by_name = {u["name"]: u for u in r.json()}
    assert sorted(by_name) == ["chen.admin", "li.review", "wang.field"]
    field = by_name["wang.field"]
    assert field["role"] == "field_staff" and field["role_zh"] == "外勤人员"
    assert field["active"] is True and field["disabled_at"] is None
    assert field["created_at"] and field["last_login_at"] is not None
    assert by_name["li.review"]["last_login_at"] is None
    assert not any("password" in key for u in r.json() for key in u)


def test_adding_without_a_password_generates_one_shown_once_and_it_logs_in(
    client, admin, db
) -> None:
    r = client.post(USERS, json={"name": "li.review", "role": "reviewer"}, headers=admin)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"{USERS}/li.review"
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["user"]["role"] == "reviewer" and body["user"]["active"] is True
    generated = body["password"]
    assert len(generated) >= 16
    assert _login(client, "li.review", generated).status_code == 200
    # Shown once: nothing that lists or reads the account carries it again.
    assert generated not in client.get(USERS, headers=admin).text
    assert generated not in client.get(f"{USERS}/li.review", headers=admin).text
    stored = db.execute("SELECT password_hash FROM users WHERE name = 'li.review'").fetchone()
    assert stored["password_hash"].startswith("$argon2id$")
    assert _audit(db, "li.review") == [("create", "chen.admin")]


def test_adding_with_a_password_never_echoes_it(client, admin) -> None:
    body = {"name": "zhao.plan", "role": "planner", "password": "a long enough pw"}
    r = client.post(USERS, json=body, headers=admin)
    assert r.status_code == 201
    assert r.json()["password"] is None and "a long enough pw" not in r.text
    assert _login(client, "zhao.plan", "a long enough pw").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "role": "reviewer"}, "name"),
        ({"name": "bad name;", "role": "reviewer"}, "name"),
        ({"name": "ok.name", "role": "boss"}, "role"),
        ({"name": "ok.name", "role": "reviewer", "password": "short"}, "password"),
        ({"name": "ok.name", "role": "reviewer", "password": "x" * 1025}, "password"),
        ({"name": "ok.name", "role": "reviewer", "extra": 1}, "extra"),
    ],
)
def test_bad_new_accounts_get_422_in_chinese_and_english_and_nothing_is_stored(
    client, admin, db, body, field
) -> None:
    r = client.post(USERS, json=body, headers=admin)
    assert r.status_code == 422, r.text
    err = r.json()
    assert err["message"] and err["message_en"]
    assert any(field in d["field"] for d in err["details"])
    assert db.execute("SELECT count(*) AS n FROM users").fetchone()["n"] == 1
    assert _audit(db, "ok.name") == []


def test_a_taken_name_is_409_and_the_account_is_unchanged(client, admin, make_user, db) -> None:
    make_user("li.review", "reviewer")
    r = client.post(USERS, json={"name": "li.review", "role": "admin"}, headers=admin)
    assert r.status_code == 409
    assert r.json()["message"] == "用户「li.review」已存在"
    row = db.execute("SELECT role FROM users WHERE name = 'li.review'").fetchone()
    assert row["role"] == "reviewer"


def test_disabling_ends_logins_and_enabling_lets_the_account_log_in_again(
    client, admin, make_user, db
) -> None:
    make_user("wang.field", "field_staff")
    headers = bearer(client, "wang.field")
    r = client.post(f"{USERS}/wang.field/disable", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["active"] is False and r.json()["tokens_revoked"] == 1
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert _login(client, "wang.field", PASSWORD).status_code == 401
    again = client.post(f"{USERS}/wang.field/disable", headers=admin)
    assert again.status_code == 200 and again.json()["changed"] is False
    r = client.post(f"{USERS}/wang.field/enable", headers=admin)
    assert r.status_code == 200 and r.json()["user"]["active"] is True
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401  # stays ended
    assert _login(client, "wang.field", PASSWORD).status_code == 200
    assert _audit(db, "wang.field") == [
        ("create", "test"),
        ("disable", "chen.admin"),
        ("enable", "chen.admin"),
    ]


def test_a_password_reset_returns_a_new_password_once_and_ends_every_login(
    client, admin, make_user, db
) -> None:
    make_user("wang.field", "field_staff")
    first, second = bearer(client, "wang.field"), bearer(client, "wang.field")
    r = client.post(f"{USERS}/wang.field/password", headers=admin)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    new = r.json()["password"]
    assert new and r.json()["tokens_revoked"] == 2
    for headers in (first, second):
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert _login(client, "wang.field", PASSWORD).status_code == 401
    assert _login(client, "wang.field", new).status_code == 200
    audit = db.execute(
        "SELECT action, actor, before, after FROM user_audit"
        " WHERE user_name = 'wang.field' AND action = 'password'"
    ).fetchall()
    assert [(a["action"], a["actor"]) for a in audit] == [("password", "chen.admin")]
    assert "password_hash" not in audit[0]["after"] and new not in str(audit[0])


def test_a_role_change_applies_at_once_to_live_tokens(client, admin, make_user, db) -> None:
    make_user("wang.field", "field_staff")
    headers = bearer(client, "wang.field")
    assert client.get("/api/v1/review", headers=headers).status_code == 403
    r = client.patch(f"{USERS}/wang.field", json={"role": "reviewer"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["role"] == "reviewer" and r.json()["changed"] is True
    assert client.get("/api/v1/review", headers=headers).status_code == 200  # same token
    assert client.get("/api/v1/auth/me", headers=headers).json()["role"] == "reviewer"
    audit = db.execute(
        "SELECT action, actor, before->>'role' AS was, after->>'role' AS now FROM user_audit"
        " WHERE user_name = 'wang.field' AND action = 'role'"
    ).fetchone()
    assert dict(audit) == {
        "action": "role",
        "actor": "chen.admin",
        "was": "field_staff",
        "now": "reviewer",
    }


def test_one_account_reads_with_its_audit(client, admin, make_user) -> None:
    make_user("wang.field", "field_staff")
    client.patch(f"{USERS}/wang.field", json={"role": "planner"}, headers=admin)
    r = client.get(f"{USERS}/wang.field", headers=admin)
    assert r.status_code == 200
    assert [(a["action"], a["actor"]) for a in r.json()["audit"]] == [
        ("create", "test"),
        ("role", "chen.admin"),
    ]
    missing = client.get(f"{USERS}/nobody", headers=admin)
    assert missing.status_code == 404 and missing.json()["message_en"] == "no user 'nobody'"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/nobody/disable", None),
        ("post", "/nobody/enable", None),
        ("post", "/nobody/password", None),
        ("patch", "/nobody", {"role": "planner"}),
    ],
)
def test_unknown_accounts_get_404(client, admin, method, path, body) -> None:
    r = client.request(method.upper(), f"{USERS}{path}", json=body, headers=admin)
    assert r.status_code == 404
    assert r.json()["message"] == "没有用户「nobody」"


def test_a_bad_role_in_a_change_is_422_and_nothing_changes(client, admin, make_user, db) -> None:
    make_user("wang.field", "field_staff")
    r = client.patch(f"{USERS}/wang.field", json={"role": "root"}, headers=admin)
    assert r.status_code == 422
    assert db.execute("SELECT role FROM users WHERE name='wang.field'").fetchone()["role"] == (
        "field_staff"
    )
