"""The console shell on the server: who gets which page (sign-in, landing, 403), the
navigation by role, the page standard's CSP, and the script's safety."""

from __future__ import annotations

from maps.assets import asset_url
from tests.helpers.paths import ROOT


def test_console_pages_without_a_session_go_to_sign_in(client) -> None:
    for path in ("/console", "/console/review"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/console/login"
    client.cookies.set("yizhan_session", "forged-or-expired")
    r = client.get("/console/review", follow_redirects=False)
    assert r.headers["location"] == "/console/login"
    page = client.get("/console/login")
    assert page.status_code == 200
    assert 'id="login-form"' in page.text and "登录" in page.text and "sign in" in page.text
    assert 'id="nav"' in page.text and "/console/review" not in page.text


def test_console_review_refuses_field_staff_and_planners_with_a_403_page(signed_in) -> None:
    for name, role in (("wang.field", "field_staff"), ("zhao.plan", "planner")):
        client = signed_in(name, role)
        r = client.get("/console/review", follow_redirects=False)
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("text/html")
        assert "无权访问" in r.text and "403 forbidden" in r.text
        assert "The Review page is for these roles: admin, reviewer" in r.text
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert 'href="/console/review"' not in r.text  # not offered in the navigation


def test_console_review_serves_reviewers_and_admins_with_the_page_standard(signed_in) -> None:
    for name, role in (("li.review", "reviewer"), ("chen.admin", "admin")):
        client = signed_in(name, role)
        r = client.get("/console/review")
        assert r.status_code == 200
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "connect-src 'self'" in csp
        assert r.headers["Cache-Control"] == "no-store"
        assert 'href="/console/review" aria-current="page"' in r.text
        assert (
            asset_url("/static/leaflet/leaflet.js") in r.text
            and asset_url("/static/yizhan/console.js") in r.text
        )
        assert "http" not in r.text.split('id="console-config"')[0]  # no CDN
        assert "<script>" not in r.text  # no inline script
        assert f"{name}（" in r.text
    assert client.get("/static/yizhan/console.js").status_code == 200
    assert client.get("/static/yizhan/console.css").status_code == 200


def test_console_lands_each_role_on_its_page(signed_in) -> None:
    landing = {
        "reviewer": "/console/review",
        "admin": "/console/review",
        "field_staff": "/staff",
        "planner": "/console/coverage",
    }
    for role, path in landing.items():
        client = signed_in(f"user.{role}", role)
        r = client.get("/console/login", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, path)
        # The console's home is a page of its own for every role: the pages of the role.
        home = client.get("/console", follow_redirects=False)
        assert home.status_code == 200 and "控制台" in home.text
        assert f'href="{path}"' in home.text.split('id="home-pages"')[1]
    assert "/console/review" not in home.text


def test_console_navigation_shows_only_the_pages_of_the_role(signed_in) -> None:
    field = signed_in("wang.field", "field_staff").get("/console/review").text
    assert 'href="/staff"' in field and 'href="/console/review"' not in field
    review = signed_in("li.review", "reviewer").get("/console/review").text
    assert 'href="/staff"' in review and 'href="/console/review"' in review


def test_console_sign_out_ends_the_session(signed_in) -> None:
    client = signed_in("li.review", "reviewer")
    token = client.cookies["yizhan_session"]
    assert client.get("/console/review").status_code == 200
    refused = client.post("/api/v1/auth/logout")  # a cookie write without the header
    assert refused.status_code == 403
    ended = client.post("/api/v1/auth/logout", headers={"X-Requested-With": "yizhan"})
    assert ended.status_code == 204
    client.cookies.set("yizhan_session", token)  # the old cookie is dead on the server too
    r = client.get("/console/review", follow_redirects=False)
    assert r.headers["location"] == "/console/login"


def test_console_js_never_assigns_html() -> None:
    js = (ROOT / "maps" / "static" / "console.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js.replace("never assigns HTML", "")
