"""The Users page in a real headless Chromium against a real uvicorn: an admin adds an
account (password shown once, copied), resets its password, and that person signs in with
it; demoting or disabling the last admin is refused with the message shown plainly; other
roles get the 403 page."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page

NEW = "zhou.new"


def _row(page, name: str):
    return page.locator(f"#users tbody tr[data-name='{name}']")


@pytest.mark.browser
def test_admin_adds_a_user_resets_the_password_and_the_user_signs_in_with_it(
    browser, live_server, admin
) -> None:
    base = live_server
    w = watched_page(
        browser,
        base,
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = w.page
    sign_in(page, base, "chen.admin")
    page.goto(f"{base}/console/users")
    page.wait_for_selector("#users tbody tr[data-name='chen.admin']")
    assert "从未" not in _row(page, "chen.admin").locator(".last-login").text_content()

    page.fill("#new-name", NEW)
    page.select_option("#new-role", "reviewer")
    page.click("#add-submit")
    page.wait_for_selector("#once:not([hidden])")
    first = page.input_value("#once-password")
    assert len(first) >= 12
    assert page.evaluate("document.activeElement.id") == "once-password"
    assert "只显示这一次" in page.text_content("#once")
    page.click("#copy-password")
    page.wait_for_selector("#copy-done:has-text('已复制')")
    assert page.evaluate("navigator.clipboard.readText()") == first
    page.wait_for_selector(f"#users tbody tr[data-name='{NEW}']")
    row = _row(page, NEW)
    assert row.locator("select.role").input_value() == "reviewer"
    assert "启用" in row.locator(".active").text_content()
    assert "从未" in row.locator(".last-login").text_content()
    page.click("#once-close")
    assert page.is_hidden("#once") and page.input_value("#once-password") == ""

    _row(page, NEW).locator("button.reset").click()
    page.wait_for_selector("#once:not([hidden])")
    second = page.input_value("#once-password")
    assert second and second != first
    assert NEW in page.text_content("#once-for")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-users.png"), full_page=True)

    old = httpx.post(f"{base}/api/v1/auth/token", data={"username": NEW, "password": first})
    assert old.status_code == 401  # the reset password replaced the first one
    w2 = watched_page(browser, base)
    sign_in(w2.page, base, NEW, second)
    assert w2.page.url == f"{base}/console/review"  # a reviewer lands on Review
    assert f"{NEW}（" in w2.page.text_content("#who-name")
    page.reload()
    page.wait_for_selector(f"#users tbody tr[data-name='{NEW}']")
    assert "从未" not in _row(page, NEW).locator(".last-login").text_content()
    assert w.errors == [] and w.outside == []
    assert w2.errors == [] and w2.outside == []


@pytest.mark.browser
def test_demoting_or_disabling_the_last_admin_is_refused_with_the_message(
    browser, live_server, admin, staff
) -> None:
    base = live_server
    w = watched_page(browser, base)
    page = w.page
    sign_in(page, base, "chen.admin")
    page.goto(f"{base}/console/users")
    page.wait_for_selector("#users tbody tr[data-name='chen.admin']")
    me = _row(page, "chen.admin")
    me.locator("select.role").select_option("planner")
    me.locator("button.save-role").click()
    page.wait_for_selector("#users-error:not(:empty)")
    text = page.text_content("#users-error")
    assert "最后一个启用的管理员" in text and "last active admin" in text
    me.locator("button.toggle").click()
    page.wait_for_selector("#users-error:has-text('不能停用')")
    page.reload()
    page.wait_for_selector("#users tbody tr[data-name='chen.admin']")
    assert _row(page, "chen.admin").locator("select.role").input_value() == "admin"
    assert "启用" in _row(page, "chen.admin").locator(".active").text_content()

    # Disable and enable someone else, by keyboard: focus the button, press Enter.
    _row(page, "wang.field").locator("button.toggle").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#status:has-text('已停用')")
    assert "已停用" in _row(page, "wang.field").locator(".active").text_content()
    _row(page, "wang.field").locator("button.toggle").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    page.wait_for_selector("#status:has-text('已启用')")
    # 409s are answers the page shows, not failures of the page itself.
    conflicts = [e for e in w.errors if "409 (Conflict)" not in e]
    assert conflicts == [] and w.outside == []


@pytest.mark.browser
def test_field_staff_and_planners_get_the_403_page_for_users(
    browser, live_server, staff, planner
) -> None:
    base = live_server
    for name, path in (
        ("wang.field", "/console/users"),
        ("wang.field", "/console/targets"),
        ("zhao.plan", "/console/users"),
    ):
        w = watched_page(browser, base)
        page = w.page
        sign_in(page, base, name)
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 403
        assert "无权访问" in page.text_content("h1")
        assert page.locator(f"#nav a[href='{path}']").count() == 0
        assert w.outside == []
        page.context.close()
