"""The Review page in a real headless Chromium against a real uvicorn: a reviewer signs
in, lands on Review, approves a field worker's revision (then on the public map), rejects a draft
with a comment, and does it all by keyboard; field staff get the 403 page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page
from tests.helpers.staff import offset, station

LON, LAT = 114.0550, 22.5410
EVIL = '<img src=x onerror="window.__pwned=1">驿站'


def _published(base: str, reviewer: dict[str, str], **over) -> dict:
    r = httpx.post(f"{base}/api/v1/stations", json=station(**over), headers=reviewer)
    assert r.status_code == 201 and r.json()["review_state"] == "approved", r.text
    return r.json()


def _draft(base: str, staff: dict[str, str], **over) -> dict:
    r = httpx.post(f"{base}/api/v1/stations", json=station(**over), headers=staff)
    assert r.status_code == 201 and r.json()["review_state"] == "pending_review", r.text
    return r.json()


def _revision(base: str, staff: dict[str, str], station_id: int, **changes) -> dict:
    etag = httpx.get(f"{base}/api/v1/staff/stations/{station_id}", headers=staff).headers["ETag"]
    r = httpx.patch(
        f"{base}/api/v1/stations/{station_id}",
        json=changes,
        headers={**staff, "If-Match": etag},
    )
    assert r.status_code == 202, r.text
    return r.json()


@pytest.mark.browser
def test_reviewer_signs_in_lands_on_review_and_approves_a_revision(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    published = _published(base, reviewer, name="福华路爱心驿站")
    revision = _revision(base, staff, published["id"], name="福华路爱心驿站（新址）")
    lon, lat = offset(LON, LAT, east_m=40)
    draft = _draft(
        base,
        staff,
        name=EVIL,
        lon=lon,
        lat=lat,
        confirm_not_duplicate=True,
        reason="马路对面的另一家",
    )

    w = watched_page(browser, base, viewport={"width": 1280, "height": 900})
    page = w.page
    sign_in(page, base, "li.review")
    assert page.url == f"{base}/console/review"
    page.wait_for_selector("#queue li")
    assert page.locator("#queue li").count() == 2
    assert page.get_attribute("#nav a[aria-current=page]", "href") == "/console/review"

    # The draft: its fields, the published station 40 m away, and the submitter's reason.
    page.click(f"#item-draft-{draft['id']}")
    page.wait_for_selector("#candidates li strong")
    assert page.text_content("#detail-title").endswith(EVIL)  # text, verbatim
    assert page.text_content("#candidates li strong") == "福华路爱心驿站"
    assert "40 米" in page.text_content("#candidates .distance")
    page.wait_for_selector("#not-duplicate:not([hidden])")
    assert "马路对面的另一家" in page.text_content("#not-duplicate")
    assert page.evaluate("window.__pwned") is None

    # The revision: a diff against the published version, then approve.
    page.click(f"#item-revision-{revision['id']}")
    page.wait_for_selector("#diff:not([hidden]) tbody tr")
    city_time = datetime.fromisoformat(revision["created_at"]).astimezone(
        ZoneInfo("Asia/Shanghai")  # YIZHAN_TIMEZONE's default
    )
    assert city_time.strftime("%Y/%m/%d %H:%M") in page.text_content("#detail-meta")
    row = page.locator("#diff tbody tr").first
    assert "名称" in row.text_content()
    assert row.locator("td.proposed").text_content() == "福华路爱心驿站（新址）"
    page.wait_for_selector("#candidates li strong")
    assert page.text_content("#candidates li strong") == EVIL
    page.wait_for_timeout(300)  # let the map tiles' markers settle for the picture
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-review.png"), full_page=True)

    page.fill("#comment", "核实无误")
    page.click("#approve")
    page.wait_for_selector("#status:has-text('已通过')")
    assert page.locator("#queue li").count() == 1

    public = httpx.get(f"{base}/api/v1/stations/{published['id']}")
    assert public.status_code == 200
    assert public.json()["name"] == "福华路爱心驿站（新址）"
    # ... and the reviewer sees it on the public map, as an outdoor worker nearby would.
    worker = watched_page(
        browser,
        base,
        viewport={"width": 390, "height": 844},
        geolocation={"longitude": LON, "latitude": LAT},
        permissions=["geolocation"],
    )
    worker.page.goto(f"{base}/")
    worker.page.get_by_role("button", name="定位我").click()
    worker.page.wait_for_selector("#results li")
    names = worker.page.locator("#results li .name").all_text_contents()
    assert any(n.endswith("福华路爱心驿站（新址）") for n in names), names
    assert not any(n.endswith(EVIL) for n in names)  # the draft is not public
    # The public map's default basemap is our own vector tiles: nothing leaves the server.
    assert worker.outside == []
    assert worker.errors == []
    decided = httpx.get(f"{base}/api/v1/staff/revisions/{revision['id']}", headers=staff).json()
    assert (decided["state"], decided["comment"]) == ("approved", "核实无误")
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_reviewer_rejects_a_draft_only_with_a_comment(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    draft = _draft(base, staff, name="暂不成立的驿站")
    w = watched_page(browser, base)
    page = w.page
    sign_in(page, base, "li.review")
    page.wait_for_selector(f"#item-draft-{draft['id']}[aria-selected=true]")

    page.click("#reject")  # no comment: refused before it is sent, the page says why
    page.wait_for_selector("#decision-error:not(:empty)")
    assert "必须填写意见" in page.text_content("#decision-error")
    assert page.evaluate("document.activeElement.id") == "comment"
    assert page.locator("#queue li").count() == 1

    page.fill("#comment", "地址不存在，请核实")
    page.click("#reject")
    page.wait_for_selector("#status:has-text('已驳回')")
    page.wait_for_selector("#queue-empty:not([hidden])")
    row = httpx.get(f"{base}/api/v1/staff/stations/{draft['id']}", headers=staff).json()
    assert (row["review_state"], row["review_comment"]) == ("rejected", "地址不存在，请核实")
    assert httpx.get(f"{base}/api/v1/stations/{draft['id']}").status_code == 404
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_field_staff_land_on_the_field_form_and_get_the_403_page_for_review(
    browser, live_server, staff
) -> None:
    base = live_server
    w = watched_page(browser, base)
    page = w.page
    sign_in(page, base, "wang.field")
    assert page.url == f"{base}/staff"
    response = page.goto(f"{base}/console/review")
    assert response is not None and response.status == 403
    assert "无权访问" in page.text_content("h1")
    assert "The Review page is for these roles" in page.text_content("#forbidden")
    assert page.locator("#nav a[href='/console/review']").count() == 0
    page.click("#logout")
    page.wait_for_url(f"{base}/console/login")
    page.goto(f"{base}/console/review")
    assert page.url == f"{base}/console/login"  # the session is over
    # Chromium reports the 403 page's own status; nothing else went wrong.
    own_status = "the server responded with a status of 403 (Forbidden)"
    assert w.errors == [f"Failed to load resource: {own_status} @ {base}/console/review"]
    assert w.outside == []


@pytest.mark.browser
def test_reviewer_approves_by_keyboard_only(browser, live_server, staff, reviewer) -> None:
    base = live_server
    first = _draft(base, staff, name="第一个草稿")
    lon, lat = offset(LON, LAT, east_m=900)
    second = _draft(base, staff, name="第二个草稿", lon=lon, lat=lat)
    w = watched_page(browser, base)
    page = w.page
    sign_in(page, base, "li.review")
    page.wait_for_selector(f"#item-draft-{first['id']}[aria-selected=true]")

    page.keyboard.press("j")
    page.wait_for_selector(f"#item-draft-{second['id']}[aria-selected=true]")
    page.keyboard.press("k")
    page.wait_for_selector(f"#item-draft-{first['id']}[aria-selected=true]")
    page.keyboard.press("ArrowDown")  # the queue has the focus now
    page.wait_for_selector(f"#item-draft-{second['id']}[aria-selected=true]")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "approve":
            break
    else:
        pytest.fail("Tab never reached the approve button")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    page.wait_for_selector("#status:has-text('已通过')")

    public = httpx.get(f"{base}/api/v1/stations/{second['id']}")
    assert public.status_code == 200 and public.json()["name"] == "第二个草稿"
    assert httpx.get(f"{base}/api/v1/stations/{first['id']}").status_code == 404
    assert w.errors == [] and w.outside == []
