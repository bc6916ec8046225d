"""The station's own page ``/s/{id}`` (what its QR poster opens) and the check-in API."""

from __future__ import annotations

import pytest

from geo import clock
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import watched_page

DEVICE = "0123456789abcdef0123"


def add_station(db, **over) -> int:
    values = {
        "name": "莲花山<b>爱心</b>驿站",
        "status": "open",
        "review_state": "approved",
        "closed_on": None,
        "opening_hours": "Mo-Su 08:00-20:00",
        "address": "福田区红荔路 6 号",
        "phone": "0755-1234567",
        **over,
    }
    row = db.execute(
        "INSERT INTO stations (kind, name, status, review_state, closed_on, opening_hours,"
        " address, phone, services, geom) VALUES ('love_station', %(name)s, %(status)s,"
        " %(review_state)s, %(closed_on)s, %(opening_hours)s, %(address)s, %(phone)s,"
        " ARRAY['drinking_water','toilet'], ST_SetSRID(ST_MakePoint(114.05, 22.54), 4326))"
        " RETURNING id",
        values,
    ).fetchone()
    return int(row["id"])


def test_the_page_shows_the_station_chinese_first_with_links(client, db):
    sid = add_station(db)
    with clock.frozen("2026-06-01T10:00:00+08:00"):
        page = client.get(f"/s/{sid}")
    assert page.status_code == 200
    text = page.text
    assert "莲花山&lt;b&gt;爱心&lt;/b&gt;驿站" in text and "<b>爱心</b>" not in text
    assert "爱心驿站" in text and "love station" in text
    assert "现在开放" in text and "open now" in text
    assert "每天 08:00–20:00" in text and "Daily 08:00–20:00" in text  # hours in words
    assert "饮用水" in text and "drinking water" in text and "福田区红荔路 6 号" in text
    assert "uri.amap.com/navigation" in text and "导航" in text
    assert f'href="/?station={sid}"' in text
    assert f'href="/?station={sid}&amp;report=1"' in text and "报告问题" in text
    assert "我在这里歇脚" in text and "外卖骑手" in text and "delivery rider" in text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in text and "style=" not in text


def test_the_page_says_when_not_open_at_this_hour(client, db):
    sid = add_station(db)
    with clock.frozen("2026-06-01T22:00:00+08:00"):
        text = client.get(f"/s/{sid}").text
    assert "现在不在开放时间" in text and "closed at this hour" in text


@pytest.mark.parametrize(
    ("status", "zh", "en"),
    [
        ("open", "将于 2026-07-01 起关闭", "closed from 2026-07-01"),
        ("temporarily_closed", "将于 2026-07-01 起暂停开放", "temporarily closed from 2026-07-01"),
    ],
)
def test_a_station_closing_on_a_date_says_when_and_still_takes_checkins(client, db, status, zh, en):
    sid = add_station(db, status=status, closed_on="2026-07-01")
    with clock.frozen("2026-06-01T10:00:00+08:00"):
        page = client.get(f"/s/{sid}")
        r = client.post(f"/api/v1/stations/{sid}/checkins", json={"device": DEVICE})
    assert page.status_code == 200 and zh in page.text and en in page.text
    assert 'id="checkin-form"' in page.text and r.status_code == 201


def test_a_temporarily_closed_station_says_so_and_takes_no_checkin(client, db):
    sid = add_station(db, status="temporarily_closed")
    page = client.get(f"/s/{sid}")
    assert page.status_code == 200
    assert "暂停开放" in page.text and "not open now" in page.text
    assert 'id="checkin-form"' not in page.text
    r = client.post(f"/api/v1/stations/{sid}/checkins", json={"device": DEVICE})
    assert r.status_code == 404


@pytest.mark.parametrize(
    "over",
    [{"review_state": "pending_review"}, {"status": "planned"}, {"status": "closed"}],
)
def test_stations_the_public_may_not_see_get_the_404_page(client, db, over):
    sid = add_station(db, **over)
    page = client.get(f"/s/{sid}")
    assert page.status_code == 404
    assert "没有这个驿站" in page.text and "No such station" in page.text
    assert client.get("/s/999999").status_code == 404


def test_checkin_answers_todays_count_and_refuses_again_with_when(client, db):
    sid = add_station(db)
    url = f"/api/v1/stations/{sid}/checkins"
    with clock.frozen("2026-06-01T10:00:00+08:00"):
        first = client.post(url, json={"device": DEVICE, "occupation": "courier"})
        other = client.post(url, json={"device": "z" * 20})
        again = client.post(url, json={"device": DEVICE})
    assert first.status_code == 201, first.text
    assert first.json()["today"] == 1 and first.json()["day"] == "2026-06-01"
    assert other.json()["today"] == 2
    assert again.status_code == 429
    body = again.json()
    assert "14:00 后可再次签到" in body["message"] and "after 06-01 14:00" in body["message_en"]
    assert int(again.headers["retry-after"]) == 4 * 3600


def test_checkin_bad_input_is_422_naming_the_field(client, db):
    sid = add_station(db)
    url = f"/api/v1/stations/{sid}/checkins"
    bad = client.post(url, json={"device": DEVICE, "occupation": "astronaut"})
    assert bad.status_code == 422
    assert bad.json()["details"][0]["field"] == "occupation"
    short = client.post(url, json={"device": "x"})
    assert short.status_code == 422 and short.json()["details"][0]["field"] == "device"
    assert db.execute("SELECT count(*) AS n FROM station_checkins").fetchone()["n"] == 0


@pytest.mark.browser
def test_phone_checks_in_sees_the_count_and_the_refusal(browser, live_server, db):
    sid = add_station(db, name="莲花山爱心驿站", opening_hours="24/7")
    watched = watched_page(browser, live_server, viewport={"width": 390, "height": 844})
    page = watched.page
    page.goto(f"{live_server}/s/{sid}")
    page.get_by_label("快递员").check()
    page.keyboard.press("Tab")  # to the button, by keyboard
    page.keyboard.press("Enter")
    page.wait_for_selector("#checkin-result:has-text('第 1 人次')")
    assert "1 today" in page.text_content("#checkin-result")
    device = page.evaluate("localStorage.getItem('yizhan-device')")
    assert len(device) == 32
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "station-qr-page.png"), full_page=True)
    page.click("#checkin-submit")
    page.wait_for_selector("#checkin-error:has-text('后可再次签到')")
    assert "check in again after" in page.text_content("#checkin-error")
    small = page.evaluate(
        """() => [...document.querySelectorAll('a, button, input, label.choice')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 && r.width > 0 && r.height > 0)
            .map(([t, r]) => t + ' ' + Math.round(r.height))"""
    )
    radios = [s for s in small if s.startswith("occupation")]
    assert [s for s in small if s not in radios] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    row = db.execute("SELECT occupation, day::text FROM station_checkins").fetchone()
    assert row["occupation"] == "courier"
    # The refusal's 429 is the one error Chromium logs (every 4xx is logged).
    assert watched.errors == [
        "Failed to load resource: the server responded with a status of 429 (Too Many "
        f"Requests) @ {live_server}/api/v1/stations/{sid}/checkins"
    ]
    assert watched.outside == []


@pytest.mark.browser
def test_axe_finds_no_serious_violation_on_the_station_page(browser, live_server, db):
    from tests.console.test_accessibility import BLOCKING, _axe, _axe_source

    source = _axe_source()
    open_one = add_station(db, name="莲花山爱心驿站", opening_hours="24/7")
    closed = add_station(db, name="暂停驿站", status="temporarily_closed")
    for sid in (open_one, closed):
        # The CSP (rightly) refuses an injected script: this context alone bypasses it.
        w = watched_page(
            browser, live_server, viewport={"width": 390, "height": 844}, bypass_csp=True
        )
        w.page.goto(f"{live_server}/s/{sid}", wait_until="networkidle")
        bad = [v for v in _axe(w.page, source) if v["impact"] in BLOCKING]
        assert bad == [], bad
        assert w.errors == [] and w.outside == []
        w.page.context.close()
