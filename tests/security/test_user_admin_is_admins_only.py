"""#13 Users: only admins administer accounts. Other roles get 403, no login 401, a
cookie write without the anti-forgery header 403, and a demoted admin loses it at once;
nothing changes."""

from __future__ import annotations

import pytest

from tests.helpers.staff import PASSWORD

USERS = "/api/v1/admin/users"
CALLS = [
    ("GET", "", None),
    ("POST", "", {"name": "new.user", "role": "admin"}),
    ("GET", "/wang.field", None),
    ("POST", "/wang.field/disable", None),
    ("POST", "/wang.field/enable", None),
    ("POST", "/wang.field/password", None),
    ("PATCH", "/wang.field", {"role": "admin"}),
]


def _snapshot(db) -> str:
    users = db.execute("SELECT name, role, password_hash, disabled_at FROM users ORDER BY id")
    return str(users.fetchall()) + str(db.execute("SELECT count(*) FROM user_audit").fetchone())


@pytest.mark.parametrize("role_fixture", ["staff", "reviewer", "planner"])
@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_other_roles_get_403_and_change_nothing(
    client, db, request, role_fixture, method, path, body
) -> None:
    headers = request.getfixturevalue(role_fixture)
    if role_fixture != "staff":
        request.getfixturevalue("staff")  # wang.field exists
    before = _snapshot(db)
    r = client.request(method, f"{USERS}{path}", json=body, headers=headers)
    assert r.status_code == 403, r.text
    assert r.json()["message"] and r.json()["message_en"]
    assert _snapshot(db) == before


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_without_a_login_the_answer_is_401(client, staff, db, method, path, body) -> None:
    before = _snapshot(db)
    r = client.request(method, f"{USERS}{path}", json=body)
    assert r.status_code == 401
    assert _snapshot(db) == before


def test_a_cookie_change_needs_the_anti_forgery_header(client, admin, staff, db) -> None:
    r = client.post("/api/v1/auth/session", json={"username": "chen.admin", "password": PASSWORD})
    assert r.status_code == 200
    before = _snapshot(db)
    assert client.post(f"{USERS}/wang.field/disable").status_code == 403
    assert _snapshot(db) == before
    r = client.post(f"{USERS}/wang.field/disable", headers={"X-Requested-With": "yizhan"})
    assert r.status_code == 200
    assert client.get(USERS).status_code == 200  # reading needs no header


def test_a_demoted_admin_loses_the_user_administration_at_once(
    client, admin, make_user, database_url
) -> None:
    from tests.helpers.staff import token_for

    other = token_for(database_url, make_user("zhou.admin", "admin"))
    r = client.patch(f"{USERS}/zhou.admin", json={"role": "reviewer"}, headers=admin)
    assert r.status_code == 200
    assert client.get(USERS, headers=other).status_code == 403
