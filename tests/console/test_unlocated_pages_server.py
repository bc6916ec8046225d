"""The Unlocated and My submissions pages on the server: who may open them (sign-in,
403 page), the navigation by role, and the page standard (CSP, no-store, no inline
script, no CDN)."""

from __future__ import annotations

from maps.assets import asset_url


def test_unlocated_and_mine_without_a_session_go_to_sign_in(client) -> None:
    for path in ("/console/unlocated", "/console/mine"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/console/login"


def test_unlocated_serves_field_staff_and_up_and_refuses_planners(signed_in) -> None:
    for name, role in (
        ("wang.field", "field_staff"),
        ("li.review", "reviewer"),
        ("chen.admin", "admin"),
    ):
        r = signed_in(name, role).get("/console/unlocated")
        assert r.status_code == 200, role
        assert r.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert 'href="/console/unlocated" aria-current="page"' in r.text
        assert asset_url("/static/leaflet/leaflet.js") in r.text and "<script>" not in r.text
        assert "http" not in r.text.split('id="console-config"')[0]  # no CDN
        assert '"gcj02"' in r.text and '"bd09"' in r.text  # the datums to choose
    r = signed_in("zhao.plan", "planner").get("/console/unlocated", follow_redirects=False)
    assert r.status_code == 403 and "无权访问" in r.text
    assert "The Unlocated page is for these roles: admin, field_staff, reviewer" in r.text
    assert 'href="/console/unlocated"' not in r.text


def test_my_submissions_is_the_field_workers_page(signed_in) -> None:
    r = signed_in("wang.field", "field_staff").get("/console/mine")
    assert r.status_code == 200
    assert 'href="/console/mine" aria-current="page"' in r.text
    assert "我的提交" in r.text and "my submissions" in r.text
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "<script>" not in r.text
    for name, role in (("li.review", "reviewer"), ("zhao.plan", "planner")):
        r = signed_in(name, role).get("/console/mine", follow_redirects=False)
        assert r.status_code == 403, role
        assert 'href="/console/mine"' not in r.text
