"""The Users and Targets console pages on the server: who gets them (admins; planners and
admins), the 403 page for everyone else, the page standard (CSP, no-store, no inline
script, no CDN) and the navigation by role."""

from __future__ import annotations

import pytest


def test_users_and_targets_pages_without_a_session_go_to_sign_in(client) -> None:
    for path in ("/console/users", "/console/targets"):
        r = client.get(path, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/console/login")


@pytest.mark.parametrize(
    ("path", "name", "role", "en"),
    [
        ("/console/users", "wang.field", "field_staff", "The Users page is for these roles: admin"),
        ("/console/users", "li.review", "reviewer", "The Users page is for these roles: admin"),
        ("/console/users", "zhao.plan", "planner", "The Users page is for these roles: admin"),
        (
            "/console/targets",
            "wang.field",
            "field_staff",
            "The Targets page is for these roles: admin, planner",
        ),
        (
            "/console/targets",
            "li.review",
            "reviewer",
            "The Targets page is for these roles: admin, planner",
        ),
    ],
)
def test_users_and_targets_pages_refuse_other_roles_with_the_403_page(
    signed_in, path, name, role, en
) -> None:
    r = signed_in(name, role).get(path, follow_redirects=False)
    assert r.status_code == 403
    assert "无权访问" in r.text and en in r.text
    assert f'href="{path}"' not in r.text  # not offered in the navigation


def test_users_page_serves_admins_with_the_page_standard(signed_in) -> None:
    r = signed_in("chen.admin", "admin").get("/console/users")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert 'href="/console/users" aria-current="page"' in r.text
    assert 'href="/console/targets"' in r.text  # admins plan too
    assert "<script>" not in r.text and "http" not in r.text.split('id="console-config"')[0]
    assert 'id="once"' in r.text and "只显示这一次" in r.text
    assert "will not be shown again" in r.text
    assert 'id="copy-password"' in r.text


@pytest.mark.parametrize(("name", "role"), [("zhao.plan", "planner"), ("chen.admin", "admin")])
def test_targets_page_serves_planners_and_admins(signed_in, name, role) -> None:
    r = signed_in(name, role).get("/console/targets")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert 'href="/console/targets" aria-current="page"' in r.text
    assert ('href="/console/users"' in r.text) == (role == "admin")
    assert "main_street_coverage" in r.text  # the metrics reach the form as data
    assert "<script>" not in r.text
