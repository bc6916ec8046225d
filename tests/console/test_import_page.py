"""The Import page (#13 "Import"): the dry run's ``preview`` (the rows to import with
their WGS-84 positions, bounded by ``YIZHAN_IMPORT_PREVIEW_ROWS``), the page's role
check, and in a real Chromium an importer's walk: preview a GCJ-02 file with
address-only rows on a map and a table, confirm, see the report, place one address-only
row on the Unlocated page; the datum warning and its "use the likely datum"; a bad file's
error; a big file's job progress."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from geo.crs import from_wgs84, gcj02_to_wgs84, wgs84_to_gcj02
from maps.assets import asset_url
from tests.helpers.browser import ARTIFACTS
from tests.helpers.cities import add_station, load_district, load_streets, lonlat
from tests.helpers.console import sign_in, watched_page
from tests.helpers.imports import app_with, import_log_locked, upload
from tests.helpers.live import running_server
from tests.helpers.paths import ROOT

# Streets 400 m apart over 4.8 × 4.8 km (a main-roads export), and the district around
# them: the datum check has a network to judge the file against.
GRID = [
    {"name": f"横{i}路", "coords": [(0.0, 400.0 * i), (4800.0, 400.0 * i)]} for i in range(13)
] + [{"name": f"纵{i}路", "coords": [(400.0 * i, 0.0), (400.0 * i, 4800.0)]} for i in range(13)]
# Ten stations 8–15 m beside the streets in the grid's middle (metres east, north).
SPOTS = [
    (1350, 1610),
    (1810, 2012),
    (2210, 2500),
    (2990, 1592),
    (3410, 2790),
    (1588, 3200),
    (2400, 3210),
    (3210, 1850),
    (2790, 2990),
    (2005, 2700),
]
ADDRESS_ONLY = ["翠竹街爱心驿站", "花园路爱心驿站"]


def station_csv(path: Path, crs: str = "gcj02", *, spots=SPOTS, problem: bool = True) -> Path:
    """Stations at ``spots`` written in ``crs``, two address-only rows (rows 3 and 6 of
    the file) and, with ``problem``, a row with a latitude out of range."""
    wgs = [lonlat(x, y) for x, y in spots]
    lon, lat = from_wgs84([p[0] for p in wgs], [p[1] for p in wgs], crs)
    lines = ["id,name,address,lng,lat"]
    located = [
        f"s{i},{i}号驿站,测试路{i}号,{x:.6f},{y:.6f}"
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    lines += located[:1]
    lines.append(f"a0,{ADDRESS_ONLY[0]},郑州市中原区翠竹街1号,,")
    lines += located[1:3]
    lines.append(f"a1,{ADDRESS_ONLY[1]},郑州市金水区花园路2号,,")
    if problem:
        lines.append("bad,坏坐标驿站,某路,114.05,95.0")
    lines += located[3:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def city(db) -> None:
    load_streets(db, GRID)
    load_district(db, "测试区", (-500.0, -500.0, 5300.0, 5300.0))


# ------------------------------------------------------------------ the preview field


def test_a_dry_run_previews_the_rows_to_import_in_wgs84_bounded_and_null_for_address_only(
    database_url, city, reviewer, tmp_path
) -> None:
    content = station_csv(tmp_path / "s.csv").read_bytes()
    with app_with(database_url, YIZHAN_IMPORT_PREVIEW_ROWS=4) as client:
        r = upload(client, reviewer, content, crs="gcj02", dry_run=True)
    assert r.status_code == 200, r.text[:2000]
    report = r.json()
    assert report["counts"]["valid"] == 12 and report["counts"]["unlocated"] == 2
    assert report["datum"]["outcome"] == "fits"  # the grid judges the file: it is GCJ-02
    preview = report["preview"]
    # The first four rows to import in file order; the problem row (6) is not one.
    assert [p["row"] for p in preview] == [2, 3, 4, 5]
    assert [p["name"] for p in preview] == ["0号驿站", ADDRESS_ONLY[0], "1号驿站", "2号驿站"]
    assert {p["kind"] for p in preview} == {"love_station"}
    assert preview[1]["lon"] is None and preview[1]["lat"] is None  # address only
    # Positions in WGS-84: the file's GCJ-02 converted back, not the file's numbers.
    x, y = lonlat(*SPOTS[0])
    gx, gy = (round(float(v), 6) for v in wgs84_to_gcj02(x, y))
    wx, wy = (float(v) for v in gcj02_to_wgs84(gx, gy))
    assert preview[0]["lon"] == pytest.approx(wx, abs=1e-7)
    assert preview[0]["lat"] == pytest.approx(wy, abs=1e-7)
    assert abs(preview[0]["lon"] - gx) > 1e-3


def test_the_preview_lists_every_row_up_to_the_default_and_an_import_lists_none(
    client, city, reviewer, tmp_path, db
) -> None:
    content = station_csv(tmp_path / "s.csv").read_bytes()
    dry = upload(client, reviewer, content, crs="gcj02", dry_run=True).json()
    assert len(dry["preview"]) == 12  # under YIZHAN_IMPORT_PREVIEW_ROWS (500)
    assert sum(p["lon"] is None for p in dry["preview"]) == 2
    done = upload(client, reviewer, content, crs="gcj02")
    assert done.status_code == 200, done.text[:2000]
    assert done.json()["preview"] == [] and done.json()["counts"]["created"] == 12


# ------------------------------------------------------------------ the page on the server


def test_the_import_page_is_for_editors_with_the_nav_link_and_a_403_for_planners(
    client, signed_in
) -> None:
    client.cookies.clear()
    r = client.get("/console/import", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    for name, role in [("wang.field", "field_staff"), ("li.review", "reviewer")]:
        page = signed_in(name, role).get("/console/import")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert 'href="/console/import" aria-current="page"' in page.text
        assert asset_url("/static/yizhan/console-import.js") in page.text
        assert asset_url("/static/leaflet/leaflet.js") in page.text
        assert '"preview_rows": 500' in page.text
    planner = signed_in("zhao.plan", "planner").get("/console/import")
    assert planner.status_code == 403 and "导入" in planner.text
    assert "/console/import" not in planner.text.split("<main")[0]  # not in the planner's nav


# ------------------------------------------------------------------ in Chromium


def _import_page(browser, base: str, name: str = "li.review"):
    w = watched_page(browser, base, viewport={"width": 1280, "height": 1100})
    sign_in(w.page, base, name)
    w.page.goto(f"{base}/console/import")
    w.page.wait_for_selector("#import-kind option", state="attached")
    return w


def _count(page, key: str, where: str = "preview-counts") -> str:
    return page.text_content(f"#{where}-{key}") or ""


@pytest.mark.browser
def test_an_importer_previews_a_gcj02_file_confirms_it_and_places_an_address_only_row(
    browser, live_server, city, db, reviewer, tmp_path
) -> None:
    base = live_server
    add_station(db, SPOTS[0][0] + 6, SPOTS[0][1] + 4, name="零号驿站")  # by row 2's station
    w = _import_page(browser, base)
    page = w.page
    assert page.get_attribute("#nav a[aria-current=page]", "href") == "/console/import"
    page.set_input_files("#import-file", str(station_csv(tmp_path / "stations.csv")))
    page.select_option("#import-kind", "love_station")
    page.select_option("#import-crs", "gcj02")
    assert page.is_disabled("#import-confirm")  # no preview yet

    page.click("#import-preview")
    page.wait_for_selector("#preview:not([hidden])")
    assert _count(page, "would_create") == "12"
    assert _count(page, "unlocated") == "2" and _count(page, "problems") == "1"
    assert _count(page, "possible_duplicates") == "1"
    duplicate = page.locator("#preview-duplicates tbody tr")
    assert duplicate.count() == 1
    cells = duplicate.locator("td").all_text_contents()
    assert cells[:2] == ["2", "0号驿站"] and "零号驿站" in cells[2] and "7 米 m" in cells[2]
    assert page.is_hidden("#datum-warning")  # the file is in the datum declared
    assert page.locator("#preview-map .leaflet-marker-icon").count() == 10
    address_only = page.locator("#preview-rows tr.address-only")
    assert address_only.count() == 2
    assert "未定位" in address_only.first.text_content()
    assert "Unlocated" in address_only.first.text_content()
    problem = page.locator("#preview-rows tr.problem")
    assert problem.count() == 1 and problem.locator("td").first.text_content() == "7"
    cells = page.locator("#preview-rows tbody tr td:first-child").all_text_contents()
    assert [int(t) for t in cells] == [3, 6, 7]  # file order: address-only twice, problem
    assert page.is_enabled("#import-confirm")
    page.screenshot(path=str(ARTIFACTS / "console-import-preview.png"), full_page=True)
    # Nothing is stored by a preview.
    listed = httpx.get(f"{base}/api/v1/staff/stations/unlocated", headers=reviewer).json()
    assert listed["total"] == 0

    # Another option than the one previewed: the import waits for a new preview.
    page.fill("#import-source", "另一来源")
    assert page.is_disabled("#import-confirm")
    page.fill("#import-source", "")
    assert page.is_enabled("#import-confirm")

    page.click("#import-confirm")
    page.wait_for_selector("#done:not([hidden])")
    assert _count(page, "created", "done-counts") == "12"
    assert _count(page, "unlocated", "done-counts") == "2"
    assert page.is_visible("#done-problems")
    href = page.get_attribute("#done-problems", "href") or ""
    assert href.startswith("/api/v1/imports/jobs/") and href.endswith("/problems.csv")
    assert "95" in httpx.get(f"{base}{href}", headers=reviewer).text  # the bad latitude
    page.screenshot(path=str(ARTIFACTS / "console-import-done.png"), full_page=True)

    # The address-only rows wait in Unlocated: place one by a pasted GCJ-02 coordinate.
    with page.expect_navigation():
        page.click("#done-unlocated")
    page.wait_for_selector("#unlocated button.pick")
    assert page.locator("#unlocated button.pick").count() == 2
    button = page.locator("#unlocated button.pick", has_text=ADDRESS_ONLY[0])
    station_id = int((button.get_attribute("id") or "").removeprefix("unlocated-"))
    button.click()
    gx, gy = (float(v) for v in wgs84_to_gcj02(*lonlat(610, 4208)))
    page.fill("#coord", f"{gx:.6f},{gy:.6f}")
    page.check("#datum-gcj02")
    page.click("#place-coord")
    page.locator("#status", has_text="已送审核").wait_for()
    stored = httpx.get(f"{base}/api/v1/staff/stations/{station_id}", headers=reviewer).json()
    wx, wy = (float(v) for v in gcj02_to_wgs84(round(gx, 6), round(gy, 6)))
    assert stored["lon"] == pytest.approx(wx, abs=2e-7)
    assert stored["lat"] == pytest.approx(wy, abs=2e-7)
    listed = httpx.get(f"{base}/api/v1/staff/stations/unlocated", headers=reviewer).json()
    assert [s["name"] for s in listed["items"]] == [ADDRESS_ONLY[1]]
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_a_file_in_another_datum_is_warned_and_previewed_again_in_it_by_keyboard(
    browser, live_server, city, reviewer, tmp_path
) -> None:
    base = live_server
    w = _import_page(browser, base)
    page = w.page
    page.set_input_files("#import-file", str(station_csv(tmp_path / "s.csv", problem=False)))
    # Declare WGS-84 (the third datum) with the keyboard, and preview with Enter.
    page.focus("#import-crs")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.input_value("#import-crs") == "wgs84"
    page.focus("#import-source")
    page.keyboard.press("Enter")
    page.wait_for_selector("#datum-warning:not([hidden])")
    warning = page.text_content("#datum-warning") or ""
    assert "GCJ-02" in warning and "gcj02" in warning and "米" in warning
    assert page.locator("#datum-medians li").count() == 3
    page.screenshot(path=str(ARTIFACTS / "console-import-datum.png"), full_page=True)
    assert page.is_disabled("#import-confirm")  # not without a choice
    page.check("#datum-force")
    assert page.is_enabled("#import-confirm")  # force, confirmed
    page.uncheck("#datum-force")
    assert page.is_disabled("#import-confirm")

    # From the preview's title, Tab reaches "use GCJ-02", Enter previews again in it.
    page.focus("#preview-title")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "datum-use"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    page.wait_for_selector("#datum-warning", state="hidden")
    page.wait_for_selector("#preview:not([hidden])")
    assert page.input_value("#import-crs") == "gcj02"
    assert _count(page, "would_create") == "12"

    # Tab on to "confirm import" and import with Enter.
    for _ in range(40):
        if page.evaluate("document.activeElement.id") == "import-confirm":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "import-confirm"
    page.keyboard.press("Enter")
    page.wait_for_selector("#done:not([hidden])")
    assert _count(page, "created", "done-counts") == "12"
    assert page.evaluate("document.activeElement.id") == "done-title"
    assert w.errors == [] and w.outside == []


def _line_of_stations(n: int) -> bytes:
    """``n`` stations 8 m north of the street at y = 1600 m, 100 m apart (WGS-84)."""
    lines = ["id,name,lng,lat"]
    for i in range(n):
        lon, lat = lonlat(800.0 + 100.0 * i, 1608.0)
        lines.append(f"L{i},沿街{i}号驿站,{lon:.6f},{lat:.6f}")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.browser
def test_a_bad_file_and_a_too_big_one_show_their_errors_and_a_big_one_its_job_progress(
    browser, database_url, city, reviewer, tmp_path
) -> None:
    bad = tmp_path / "stations.pdf"
    bad.write_bytes(b"%PDF-1.4 not a station list")
    too_big = tmp_path / "too-big.csv"
    too_big.write_bytes(_line_of_stations(41))
    big = tmp_path / "big.csv"
    big.write_bytes(_line_of_stations(30))
    with running_server(
        database_url,
        YIZHAN_IMPORT_ASYNC_ROWS="5",
        YIZHAN_IMPORT_MAX_ROWS="40",
        YIZHAN_RATE_LIMIT_PER_MINUTE="0",
    ) as base:
        w = _import_page(browser, base)
        page = w.page
        page.select_option("#import-crs", "wgs84")

        page.set_input_files("#import-file", str(bad))
        page.click("#import-preview")
        page.locator("#import-error", has_text="不支持的文件类型").wait_for()
        assert "unsupported file type" in (page.text_content("#import-error") or "")
        assert page.is_hidden("#preview") and page.is_disabled("#import-confirm")

        page.set_input_files("#import-file", str(too_big))
        with page.expect_response("**/api/v1/imports") as answer:
            page.click("#import-preview")
        assert answer.value.status == 413
        page.locator("#import-error", has_text="超过 40 行的上限").wait_for()  # as the 413 says
        assert page.is_hidden("#preview")

        page.set_input_files("#import-file", str(big))
        with page.expect_response("**/api/v1/imports") as answer:
            page.click("#import-preview")
        assert answer.value.status == 202  # the preview of a big file is a job too
        page.wait_for_selector("#preview:not([hidden])")
        assert page.text_content("#import-error") == ""
        assert _count(page, "would_create") == "30"
        assert page.locator("#preview-map .leaflet-marker-icon").count() == 30

        # The import is held inside its transaction (the import log locked) after
        # writing: the page shows the job's phase while it runs. The first poll is
        # answered 429 (a busy server): the page asks again after Retry-After.
        busy: list[str] = []

        def busy_once(route) -> None:
            if busy:
                route.continue_()
                return
            busy.append(route.request.url)
            route.fulfill(
                status=429,
                headers={"Retry-After": "1"},
                json={"code": "rate_limited", "message": "请求过多", "message_en": "too many"},
            )

        with import_log_locked(database_url):
            page.route("**/api/v1/imports/jobs/*", busy_once)
            with page.expect_response("**/api/v1/imports") as answer:
                page.click("#import-confirm")
            assert answer.value.status == 202
            page.wait_for_selector("#job:not([hidden])")
            page.locator("#job-phase", has_text="写入").wait_for()
            assert "writing" in (page.text_content("#job-phase") or "")
            assert page.get_attribute("#job-progress", "max") == "30"
            assert "/ 30" in (page.text_content("#job-count") or "")
            assert len(busy) == 1 and page.is_hidden("#done")
        page.wait_for_selector("#done:not([hidden])")
        assert page.get_attribute("#job-progress", "max") == "30"
        assert page.evaluate("document.getElementById('job-progress').value") == 30
        assert "30" in (page.text_content("#job-count") or "")
        assert page.get_attribute("#job-count", "aria-live") == "polite"
        assert _count(page, "created", "done-counts") == "30"
        assert page.is_hidden("#done-unlocated")  # no address-only rows
        # The browser logs the two refusals it was sent; the page itself logged nothing.
        refused = "Failed to load resource: the server responded with a status of"
        assert w.errors == [
            f"{refused} 422 (Unprocessable Entity) @ {base}/api/v1/imports",
            f"{refused} 413 (Request Entity Too Large) @ {base}/api/v1/imports",
            f"{refused} 429 (Too Many Requests) @ {base}{busy[0].removeprefix(base)}",
        ]
        assert w.outside == []


@pytest.mark.browser
def test_on_a_phone_every_control_of_the_import_page_is_a_44_px_target(
    browser, live_server, city, reviewer, tmp_path
) -> None:
    base = live_server
    w = watched_page(browser, base, viewport={"width": 390, "height": 844}, has_touch=True)
    page = w.page
    sign_in(page, base, "li.review")
    page.goto(f"{base}/console/import")
    page.set_input_files("#import-file", str(station_csv(tmp_path / "s.csv", problem=False)))
    page.select_option("#import-crs", "wgs84")  # wrong: the datum warning shows its controls
    page.click("#import-preview")
    page.wait_for_selector("#datum-warning:not([hidden])")
    small = page.evaluate(
        """() => [...document.querySelectorAll(
              '#main button, #main select, #main input:not([type=checkbox]), #main a, '
              + '#main label.check')]
            .filter((e) => e.offsetParent !== null && !e.closest('.leaflet-container'))
            .map((e) => [e.id || e.textContent.trim(), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )
    assert small == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    assert w.errors == [] and w.outside == []


def test_the_import_page_script_never_assigns_html() -> None:
    js = (ROOT / "maps" / "static" / "console-import.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js
