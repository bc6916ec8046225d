"""The planner workspace in a real headless Chromium against a real uvicorn whose clock is
fixed (YIZHAN_NOW), on a small synthetic city: a planner opens the workspace, sees the
figures, the coverage map, the trend with the target line and the gaps by street
(largest first; a row zooms the map), changes the date (kept in the address), computes
a date not computed yet; then adds a station (at the map's centre and by a click),
sees the change of coverage equal to the API's, switches a station off by keyboard,
undoes, saves the scenario by name, reopens it and compares two."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from geo.coverage import service
from geo.db import targets as targets_db
from tests.helpers.browser import ARTIFACTS
from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets
from tests.helpers.console import sign_in, watched_page
from tests.helpers.live import running_server

AS_OF = "2026-11-24"
NOW = f"{AS_OF}T10:00:00+08:00"
#: 北街 runs north from 主街's node at x = 2500 m: 乙 (300 m away) covers its first
#: 700 m, so its last 800 m are a gap longer than 主街's (about 630 m between 甲 and 乙).
NORTH_STREET = [{"name": "北街", "coords": [(2500, 0), (2500, 1500)]}]


@pytest.fixture
def town(db):
    load_streets(db, MAIN_STREET + NORTH_STREET)
    load_district(db, "示范区", (0, -500, 3000, 500))
    add_station(db, 200, 30, name="甲", opened_on=dt.date(2026, 8, 10))
    add_station(db, 2800, 0, name="乙", opened_on=dt.date(2026, 10, 5))
    with db.transaction():
        targets_db.upsert(
            db,
            [
                {
                    "kind": "love_station",
                    "metric": "main_street_coverage",
                    "value": 0.95,
                    "deadline": dt.date(2026, 12, 31),
                }
            ],
        )
    service.run(db, service.question(dt.date.fromisoformat(AS_OF), "love_station"))
    for month_end in (dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31)):
        service.run(db, service.question(month_end, "love_station"))
    return db


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _points(v: float) -> str:
    """A delta of the what-if API (percentage points) as the page shows it (JavaScript's
    toFixed rounds an exact tie away from zero, Python's format to even)."""
    sign = "+" if v > 0 else "−" if v < 0 else "±"
    size = Decimal(abs(v)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{sign}{size} 个百分点"


@pytest.mark.browser
def test_a_planner_reads_the_coverage_of_a_date_on_the_workspace(
    browser,
    town,
    planner,
    database_url,
) -> None:
    snap = service.stored(town, service.question(dt.date.fromisoformat(AS_OF), "love_station"))
    figures = snap["figures"]["summary"]
    with running_server(database_url, YIZHAN_NOW=NOW) as base:
        w = watched_page(browser, base, viewport={"width": 1280, "height": 1000})
        page = w.page
        sign_in(page, base, "zhao.plan")
        page.goto(f"{base}/console/workspace")
        page.wait_for_selector("#ws-figures:not([hidden])")
        assert page.input_value("#ws-as-of") == AS_OF
        assert page.text_content("#ws-fig-street") == _pct(figures["main_street_share"])
        assert page.text_content("#ws-fig-key") == _pct(figures["key_district_share"])
        assert page.text_content("#ws-fig-stations") == "2"

        # The map: covered (green) and uncovered (red) stretches, the key district, the
        # two operating stations; the station list has a switch for each.
        page.wait_for_selector("#ws-gaps tbody tr")
        page.wait_for_function(
            "() => document.querySelectorAll('#ws-map path.ws-station').length === 2"
        )
        strokes = page.eval_on_selector_all(
            "#ws-map .leaflet-overlay-pane path", "ps => ps.map(p => p.getAttribute('stroke'))"
        )
        assert "#2e7d32" in strokes and "#c62828" in strokes
        assert page.locator("#ws-station-list input[type=checkbox]").count() == 2

        # Gaps by street, largest first.
        streets = page.eval_on_selector_all(
            "#ws-gaps tbody tr", "rs => rs.map(r => r.getAttribute('data-street'))"
        )
        assert streets == ["北街", "主街"]
        metres = [
            int(t)
            for t in page.eval_on_selector_all(
                "#ws-gaps tbody tr td:nth-child(2)", "ts => ts.map(t => t.textContent)"
            )
        ]
        assert metres[0] > metres[1] > 0
        assert abs(metres[0] - 800) <= 2

        # The trend: one line per figure and the target's dashed line at 95 %.
        page.wait_for_selector("#ws-trend svg polyline[data-series='main_street_share']")
        assert page.locator(
            "#ws-trend line.target-line[data-metric='main_street_coverage']"
        ).count()
        target = page.locator("#ws-targets .ws-target[data-metric='main_street_coverage']")
        assert "95.0%" in target.text_content()
        assert target.get_attribute("data-status") in {"on_track", "at_risk", "off_track"}

        # Report links of the date and kind.
        assert page.get_attribute("#ws-report-html", "href") == (
            f"/console/coverage/report?as_of={AS_OF}&kind=love_station"
        )
        assert page.get_attribute("#ws-report-xlsx", "href").endswith("&format=xlsx")
        assert page.get_attribute("#ws-plan-link", "href") == "/console/plan"

        # A gap row zooms the map to its street (by keyboard: its button).
        page.focus("#ws-gaps tbody tr[data-street='北街'] button")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.getElementById('ws-status').textContent.includes('北街')"
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-workspace.png"), full_page=True)

        # Another date: kept in the address (reload, back), its own figures and stations.
        page.fill("#ws-as-of", "2026-09-30")
        page.press("#ws-as-of", "Enter")
        page.wait_for_url(re.compile(r"as_of=2026-09-30"))
        page.wait_for_function(
            "() => document.getElementById('ws-fig-stations').textContent === '1'"
        )
        page.reload()
        page.wait_for_selector("#ws-figures:not([hidden])")
        assert page.input_value("#ws-as-of") == "2026-09-30"
        page.wait_for_function(
            "() => document.querySelectorAll('#ws-map path.ws-station').length === 1"
        )
        page.go_back()
        page.wait_for_function(f"() => document.getElementById('ws-as-of').value === '{AS_OF}'")
        page.wait_for_function(
            "() => document.getElementById('ws-fig-stations').textContent === '2'"
        )

        # A date not computed yet: computed from the page by keyboard.
        page.fill("#ws-as-of", "2026-11-01")
        page.press("#ws-as-of", "Enter")
        page.wait_for_selector("#ws-not-computed:not([hidden])")
        assert page.locator("#ws-gaps tbody tr").count() == 0
        page.focus("#ws-compute")
        page.keyboard.press("Enter")
        page.wait_for_selector("#ws-figures:not([hidden])")
        page.wait_for_selector("#ws-gaps tbody tr")
        computed = service.stored(town, service.question(dt.date(2026, 11, 1), "love_station"))
        assert page.text_content("#ws-fig-street") == _pct(
            computed["figures"]["summary"]["main_street_share"]
        )

        # Tap targets on a phone-width screen, and no page wider than the phone.
        page.set_viewport_size({"width": 390, "height": 844})
        page.click("#ws-station-list-toggle")
        small = page.evaluate(
            """() => [...document.querySelectorAll(
                    'main a, main button, main input, main select, main summary')]
                .filter(e => e.offsetParent !== null && !e.closest('.leaflet-control-attribution'))
                .filter(e => e.type !== 'checkbox')
                .filter(e => e.getBoundingClientRect().height < 44)
                .map(e => e.id || e.textContent)"""
        )
        assert small == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert w.errors == []
        assert w.outside == []


def _whatif(page, action) -> dict:
    """Do ``action`` and return the what-if request body and answer it caused."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/whatif")) as info:
        action()
    response = info.value
    assert response.status == 200, response.text()
    return {"request": response.request.post_data_json, "answer": response.json()}


def _shown_delta(page, answer: dict) -> None:
    """The page shows the answer's deltas (percentage points) once it has drawn them."""
    street = _points(answer["delta"]["main_street_share"])
    page.wait_for_function(
        "s => document.getElementById('ws-delta-street').textContent === s", arg=street
    )
    assert page.text_content("#ws-delta-key") == _points(answer["delta"]["key_district_share"])


@pytest.mark.browser
def test_a_planner_tries_stations_on_the_map_saves_reopens_and_compares_scenarios(
    browser,
    town,
    planner,
    database_url,
) -> None:
    import httpx

    with running_server(database_url, YIZHAN_NOW=NOW) as base:
        w = watched_page(browser, base, viewport={"width": 1280, "height": 1000})
        page = w.page
        sign_in(page, base, "zhao.plan")
        page.goto(f"{base}/console/workspace?as_of={AS_OF}&kind=love_station")
        page.wait_for_selector("#ws-gaps tbody tr[data-street='主街']")
        page.wait_for_selector("#ws-station-list input[type=checkbox]", state="attached")

        # Zoom to 主街's gap, then add a station at the map's centre (by keyboard): it
        # closes most of the gap, and the page shows the API's delta at once.
        page.click("#ws-gaps tbody tr[data-street='主街'] button")
        page.focus("#ws-add-centre")
        first = _whatif(page, lambda: page.keyboard.press("Enter"))
        answer = first["answer"]
        assert first["request"]["as_of"] == AS_OF
        assert [c["op"] for c in first["request"]["changes"]] == ["add"]
        assert answer["delta"]["main_street_share"] > 0
        _shown_delta(page, answer)
        assert answer["note"] in page.text_content("#ws-whatif-meta")  # not official
        again = httpx.post(f"{base}/api/v1/whatif", json=first["request"], headers=planner)
        assert again.status_code == 200
        assert again.json()["delta"]["main_street_share"] == answer["delta"]["main_street_share"]
        assert page.locator("#ws-changes li").count() == 1
        assert page.locator("#ws-map [data-added='h1']").count() == 1
        assert answer["newly_covered"]["features"]
        assert page.locator("#ws-map path.ws-gain").count() == len(
            answer["newly_covered"]["features"]
        )

        # A click on the map adds a second one; the focused pin moves by the arrow keys.
        page.locator("#ws-map").scroll_into_view_if_needed()
        box = page.locator("#ws-map").bounding_box()
        clicked = _whatif(
            page,
            lambda: page.mouse.click(box["x"] + box["width"] / 2 + 120, box["y"] + 150),
        )
        assert page.locator("#ws-changes li").count() == 2
        page.focus("#ws-map [data-added='h2']")
        moved = _whatif(page, lambda: page.keyboard.press("ArrowLeft"))

        def h2(step: dict) -> dict:
            return [c for c in step["request"]["changes"] if c.get("id") == "h2"][0]

        assert h2(moved)["lon"] < h2(clicked)["lon"] and h2(moved)["crs"] == "wgs84"
        pin = page.locator("#ws-map [data-added='h2']").bounding_box()
        x, y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] - 4

        def drag() -> None:
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x, y + 40, steps=5)
            page.mouse.up()

        dragged = _whatif(page, drag)
        assert h2(dragged)["lat"] < h2(moved)["lat"]  # dragged south
        assert page.locator("#ws-changes li").count() == 2

        # Switch 甲 off by keyboard in the station list: coverage falls; undo brings it back.
        page.focus("#ws-station-list-toggle")
        page.keyboard.press("Enter")  # opens the station list
        jia = page.locator("#ws-station-list li", has_text="甲").locator("input")
        jia.focus()
        off = _whatif(page, lambda: page.keyboard.press("Space"))
        assert [c["op"] for c in off["request"]["changes"]] == ["add", "add", "remove"]
        assert (
            off["answer"]["delta"]["main_street_share"]
            < dragged["answer"]["delta"]["main_street_share"]
        )
        _shown_delta(page, off["answer"])
        assert off["answer"]["newly_uncovered"]["features"]  # 甲's own stretch
        assert page.locator("#ws-map path.ws-loss").count() == len(
            off["answer"]["newly_uncovered"]["features"]
        )
        undone = _whatif(page, lambda: page.click("#ws-undo"))
        assert [c["op"] for c in undone["request"]["changes"]] == ["add", "add"]
        _shown_delta(page, undone["answer"])
        # Move 乙 to the map's centre from the station list (keyboard): a move change.
        yi = page.locator("#ws-station-list li", has_text="乙")
        yi_id = int(yi.locator("input").get_attribute("data-station"))
        yi.locator("button.ws-move").focus()
        move = _whatif(page, lambda: page.keyboard.press("Enter"))
        last = move["request"]["changes"][-1]
        assert (last["op"], last["station_id"], last["crs"]) == ("move", yi_id, "wgs84")
        assert page.locator("#ws-map path.ws-station.is-moved").count() == 1
        _shown_delta(page, move["answer"])
        undone = _whatif(page, lambda: page.click("#ws-undo"))
        assert [c["op"] for c in undone["request"]["changes"]] == ["add", "add"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-workspace-whatif.png"), full_page=True)

        # Save it by name; a second scenario of one station; a taken name is refused.
        page.fill("#ws-name", "两个新站")
        page.press("#ws-name", "Enter")
        page.wait_for_selector("#ws-scenarios tbody tr:has-text('两个新站')")
        page.click("#ws-clear")
        page.wait_for_function(
            "() => document.getElementById('ws-delta-street').textContent === '—'"
        )
        page.click("#ws-gaps tbody tr[data-street='主街'] button")
        one = _whatif(page, lambda: page.click("#ws-add-centre"))
        page.fill("#ws-name", "一个新站")
        page.click("#ws-save")
        page.wait_for_selector("#ws-scenarios tbody tr:has-text('一个新站')")
        page.fill("#ws-name", "两个新站")
        page.click("#ws-save")
        page.wait_for_function("() => document.getElementById('ws-error').textContent !== ''")
        assert page.locator("#ws-scenarios tbody tr").count() == 2

        # Reopen the first after a reload: its changes and the same delta.
        page.reload()
        page.wait_for_selector("#ws-scenarios tbody tr:has-text('两个新站')")
        row = page.locator("#ws-scenarios tbody tr", has_text="两个新站")
        reopened = _whatif(page, lambda: row.locator("button.ws-open").click())
        assert reopened["request"]["changes"] == undone["request"]["changes"]
        _shown_delta(page, reopened["answer"])
        assert page.locator("#ws-changes li").count() == 2
        assert page.input_value("#ws-name") == "两个新站"

        # Saved again under its name: the same scenario, changed (PUT with its version).
        saved_id = page.get_attribute(
            "#ws-scenarios tbody tr:has-text('两个新站') button.ws-open", "data-scenario"
        )
        url = f"{base}/api/v1/scenarios/{saved_id}"
        _whatif(page, lambda: page.click("#ws-add-centre"))
        with page.expect_response(lambda r: r.url == url) as put:
            page.click("#ws-save")
        assert (put.value.request.method, put.value.status) == ("PUT", 200)
        assert put.value.request.headers["if-match"]
        stored = httpx.get(url, headers=planner).json()
        assert len(stored["changes"]) == 3 and page.locator("#ws-scenarios tbody tr").count() == 2

        # Someone else saves it meanwhile: the page's next save is refused (412) and
        # says to reopen; the other person's content is kept.
        theirs = {**stored, "changes": stored["changes"][:1]}
        other = httpx.put(
            url,
            json={k: theirs[k] for k in ("name", "kind", "as_of", "changes")},
            headers={**planner, "If-Match": httpx.get(url, headers=planner).headers["ETag"]},
        )
        assert other.status_code == 200
        _whatif(page, lambda: page.click("#ws-undo"))
        page.click("#ws-save")
        page.wait_for_function(
            "() => document.getElementById('ws-error').textContent.includes('重新打开')"
        )
        assert len(httpx.get(url, headers=planner).json()["changes"]) == 1

        # Compare the two side by side.
        for name in ("两个新站", "一个新站"):
            page.locator("#ws-scenarios tbody tr", has_text=name).locator("input").check()
        with page.expect_response(lambda r: "/api/v1/scenarios/compare" in r.url) as info:
            page.click("#ws-compare")
        rows = info.value.json()
        assert len(rows) == 2
        page.wait_for_selector("#ws-comparison:not([hidden])")
        heads = page.eval_on_selector_all(
            "#ws-comparison thead th", "ts => ts.map(t => t.textContent)"
        )
        assert heads[1:] == [r["name"] for r in rows]
        assert sorted(heads[1:]) == sorted(["两个新站", "一个新站"])
        for r in rows:
            cells = page.eval_on_selector_all(
                f"#ws-comparison td[data-scenario='{r['id']}']",
                "ts => ts.map(t => t.textContent)",
            )
            assert _points(r["delta"]["main_street_share"]) in cells
            assert _points(r["delta"]["key_district_share"]) in cells
            assert f"{r['scenario']['main_street_share'] * 100:.1f}%" in cells
        one_row = [r for r in rows if r["name"] == "一个新站"][0]
        assert one_row["delta"]["main_street_share"] == one["answer"]["delta"]["main_street_share"]
        # Archive one (with its listed version): gone from the list, kept archived.
        page.locator("#ws-scenarios tbody tr", has_text="一个新站").locator(
            "button.ws-archive"
        ).click()
        page.wait_for_function(
            "() => document.querySelectorAll('#ws-scenarios tbody tr').length === 1"
        )
        archived = httpx.get(f"{base}/api/v1/scenarios?archived=true", headers=planner).json()
        assert "一个新站" in [a["name"] for a in archived if a["archived"]]

        # The taken name's and the stale version's refusals are the only errors logged.
        assert w.errors == [
            "Failed to load resource: the server responded with a status of 409 (Conflict) "
            f"@ {base}/api/v1/scenarios",
            "Failed to load resource: the server responded with a status of 412 "
            f"(Precondition Failed) @ {url}",
        ]
        assert w.outside == []
