"""#13 Users: the last active admin can be neither disabled nor demoted, not even by
themselves, through the API or the CLI's code; two admins disabling each other at once
leave one. Before, ``yizhan user disable`` disabled the only admin and nobody could
administer the accounts any more."""

from __future__ import annotations

import threading

import pytest

from geo import user_admin
from geo.db.connection import connect
from geo.errors import LastAdmin

USERS = "/api/v1/admin/users"


def _state(db) -> list[tuple]:
    rows = db.execute("SELECT name, role, disabled_at IS NULL AS active FROM users ORDER BY name")
    return [tuple(r.values()) for r in rows]


def _audits(db) -> int:
    return db.execute("SELECT count(*) AS n FROM user_audit").fetchone()["n"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("post", "/chen.admin/disable", None), ("patch", "/chen.admin", {"role": "reviewer"})],
)
def test_the_last_admin_cannot_disable_or_demote_themselves(
    client, admin, db, method, path, body
) -> None:
    before, audits = _state(db), _audits(db)
    r = client.request(method.upper(), f"{USERS}{path}", json=body, headers=admin)
    assert r.status_code == 409, r.text
    err = r.json()
    assert err["code"] == "last_admin"
    assert "最后一个启用的管理员" in err["message"]
    assert "last active admin" in err["message_en"]
    assert _state(db) == before and _audits(db) == audits
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200  # still logged in


def test_with_a_second_admin_one_may_go_and_then_the_other_is_the_last(
    client, admin, make_user, db
) -> None:
    make_user("zhou.admin", "admin")
    r = client.patch(f"{USERS}/zhou.admin", json={"role": "planner"}, headers=admin)
    assert r.status_code == 200
    r = client.post(f"{USERS}/chen.admin/disable", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "last_admin"
    client.patch(f"{USERS}/zhou.admin", json={"role": "admin"}, headers=admin)
    r = client.post(f"{USERS}/chen.admin/disable", headers=admin)  # not the last: allowed
    assert r.status_code == 200 and r.json()["user"]["active"] is False
    assert client.get(USERS, headers=admin).status_code == 401  # their own logins ended


def test_a_disabled_admin_does_not_count(client, admin, make_user) -> None:
    make_user("zhou.admin", "admin")
    assert client.post(f"{USERS}/zhou.admin/disable", headers=admin).status_code == 200
    r = client.patch(f"{USERS}/chen.admin", json={"role": "field_staff"}, headers=admin)
    assert r.status_code == 409
    # A disabled admin may be given another role: it removes no active admin.
    r = client.patch(f"{USERS}/zhou.admin", json={"role": "reviewer"}, headers=admin)
    assert r.status_code == 200


def _disable_each_other(database_url: str, a: str, b: str) -> list[str]:
    """``a`` disables ``b`` and ``b`` disables ``a`` at the same moment; the outcomes."""
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def disable(actor: str, target: str) -> None:
        with connect(database_url, autocommit=True) as conn:
            start.wait()
            try:
                user_admin.disable_user(conn, actor, target)
                outcomes.append("ok")
            except LastAdmin:
                outcomes.append("last_admin")

    threads = [
        threading.Thread(target=disable, args=(a, b)),
        threading.Thread(target=disable, args=(b, a)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_two_admins_disabling_each_other_at_once_leave_one(db, make_user, database_url) -> None:
    for round_ in range(8):
        a, b = f"a{round_}.admin", f"b{round_}.admin"
        db.execute("UPDATE users SET disabled_at = now() WHERE disabled_at IS NULL")
        make_user(a, "admin")
        make_user(b, "admin")
        assert _disable_each_other(database_url, a, b) == ["last_admin", "ok"]
        n = db.execute(
            "SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL"
        ).fetchone()["n"]
        assert n == 1
