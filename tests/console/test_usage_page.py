"""The Usage page (issue 15): field staff, reviewers and admins enter a station's paper
visitor count for a day and see it beside the QR check-ins; planners get the 403 page."""

from __future__ import annotations

import pytest

from geo import clock
from geo.operations.usage import check_in
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page
from tests.operations.test_checkins import OPS, add_station


@pytest.mark.parametrize("role", ["field_staff", "reviewer", "admin"])
def test_editors_get_the_page_and_see_it_in_the_navigation(signed_in, role):
    client = signed_in("u1", role)
    page = client.get("/console/usage")
    assert page.status_code == 200
    assert "服务人次" in page.text and 'id="u-form"' in page.text
    assert 'href="/console/usage"' in page.text
    assert "console-usage" in page.text


def test_planners_get_the_403_page_and_strangers_the_sign_in(signed_in, client):
    assert signed_in("p1", "planner").get("/console/usage").status_code == 403
    client.cookies.clear()
    r = client.get("/console/usage", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"


@pytest.mark.browser
def test_field_worker_enters_a_count_and_sees_it_beside_the_checkins(
    browser, live_server, staff, db
) -> None:
    sid = add_station(db, "福田口岸爱心驿站")
    add_station(db, "南园驿站")
    today = clock.today().isoformat()
    check_in(
        db, sid, device="device-000000000001", client="10.9.9.9", occupation="courier", settings=OPS
    )
    w = watched_page(browser, live_server, viewport={"width": 1280, "height": 900})
    page = w.page
    sign_in(page, live_server, "wang.field")
    page.goto(f"{live_server}/console/usage")
    assert page.get_attribute("#nav a[aria-current=page]", "href") == "/console/usage"
    page.fill("#u-search", "口岸")
    page.keyboard.press("Enter")
    page.wait_for_selector("#u-results button")
    assert page.locator("#u-results button").count() == 1
    page.keyboard.press("Enter")  # the first result has the focus
    page.wait_for_selector("#u-entry:not([hidden])")
    assert page.text_content("#u-station") == f"福田口岸爱心驿站 #{sid}"
    assert page.input_value("#u-day") == today
    page.wait_for_selector("#u-days tbody tr")
    cells = page.locator("#u-days tbody tr").first.locator("td").all_text_contents()
    assert cells[:4] == [today, "1", "快递员 courier 1", "—"]

    # A count larger than the sum is fine; occupations adding up to more are refused.
    page.fill("#u-visitors", "3")
    page.fill("#u-job-sanitation", "5")
    page.click("#u-submit")
    page.wait_for_selector("#u-error:not(:empty)")
    assert "by_occupation" in page.text_content("#u-error")
    page.fill("#u-visitors", "18")
    page.click("#u-submit")
    page.wait_for_selector("#status:has-text('已登记')")
    page.wait_for_selector("#u-days tbody tr td:nth-child(4):text-is('18')")
    cells = page.locator("#u-days tbody tr").first.locator("td").all_text_contents()
    assert cells[1:5] == ["1", "快递员 courier 1", "18", "环卫工人 sanitation worker 5"]
    assert cells[5].startswith("wang.field ")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-usage.png"), full_page=True)

    # Correct it from the row: the form is filled, the save says corrected.
    page.locator("#u-days tbody tr").first.locator("button").click()
    assert page.input_value("#u-visitors") == "18"
    page.fill("#u-visitors", "20")
    page.click("#u-submit")
    page.wait_for_selector("#status:has-text('已更正')")
    stored = db.execute("SELECT visitors, entered_by FROM station_usage").fetchall()
    assert [(r["visitors"], r["entered_by"]) for r in stored] == [(20, "wang.field")]
    assert w.errors == [
        "Failed to load resource: the server responded with a status of 422 "
        f"(Unprocessable Entity) @ {live_server}/api/v1/staff/stations/{sid}/usage/{today}"
    ]
    assert w.outside == []
