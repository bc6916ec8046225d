"""The map page installable and usable offline (#14): manifest, icons, service worker,
the last answer with its time, and the Chinese offline page — in a real Chromium."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from maps.map_page import render_map_page
from maps.offline import render_service_worker
from tests.console.test_accessibility import AXE, AXE_TAGS
from tests.helpers.browser import ARTIFACTS, CHROMIUM, launch
from tests.helpers.live import running_server
from tests.helpers.nearest_city import Q, add_station, ll, load_network

NOW = "2026-06-01T09:30:00+08:00"  # the server's clock: the answer is "as of 09:30"


def until(page, script: str, tries: int = 100) -> None:
    """Wait until ``script`` (an async function) answers true in the page (the page's CSP
    forbids Playwright's own wait_for_function, which evaluates strings)."""
    for _ in range(tries):
        if page.evaluate(script):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {script}")


def test_manifest_names_icons_and_colours(client) -> None:
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/manifest+json")
    manifest = answer.json()
    assert manifest["short_name"] == "驿站" and "Yizhan" in manifest["name"]
    assert manifest["name"].startswith("驿站")
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#c0392b"
    sizes = set()
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.headers["cache-control"] == "public, max-age=31536000, immutable"
        width, height = Image.open(io.BytesIO(png.content)).size
        assert f"{width}x{height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "maskable"), ("512x512", "maskable"), ("512x512", "any")} <= sizes


def test_map_page_links_the_manifest_and_allows_only_its_own_worker(client) -> None:
    page = client.get("/")
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page.text
    assert re.search(r'src="/static/yizhan/offline\.[0-9a-f]{10}\.js" defer', page.text)
    csp = page.headers["content-security-policy"]
    assert "worker-src 'self';" in csp and "manifest-src 'self';" in csp
    assert "script-src 'self';" in csp


def test_service_worker_caches_the_shell_under_a_version_of_its_hashes(client) -> None:
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cache-control"] == "no-cache"
    config = json.loads(answer.text.split("\n", 1)[0].removeprefix("self.YIZHAN_SW = ")[:-1])
    shell = config["shell"]
    assert shell[:2] == ["/", "/offline"]
    page_assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', client.get("/").text)
    assert set(page_assets) <= set(shell)
    assert any(re.search(r"/leaflet/images/marker-icon\.[0-9a-f]{10}\.png$", u) for u in shell)
    for url in shell:
        assert client.get(url).status_code == 200, url
    # Another asset (another hash) is another version, so another cache.
    page = render_map_page("none")
    changed = page.replace("/static/yizhan/map.", "/static/yizhan/map.0")
    assert render_service_worker(page) != render_service_worker(changed)
    first = json.loads(render_service_worker(changed).split("\n", 1)[0][16:-1])["version"]
    assert first != config["version"]


def test_offline_page_is_chinese_first(client) -> None:
    page = client.get("/offline")
    assert page.status_code == 200
    body = page.text.split("<body>", 1)[1]
    assert body.index("当前离线") < body.index("Offline")
    assert 'href="/"' in body


@pytest.mark.browser
def test_offline_reload_shows_the_shell_and_the_last_answer_with_its_time(
    db, database_url, client
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    load_network(db)
    add_station(db, "甲站 A", 0, 180, phone="0755-12345678", address="福田路 1 号")
    add_station(db, "乙站 B", 300, 10)
    lon, lat = ll(*Q)
    errors: list[str] = []
    outside: list[str] = []

    with (
        running_server(database_url, YIZHAN_BASEMAP="none", YIZHAN_NOW=NOW) as base,
        sync_api.sync_playwright() as p,
    ):
        browser = launch(p)
        try:
            context = browser.new_context(
                viewport={"width": 360, "height": 640},
                geolocation={"longitude": lon, "latitude": lat},
                permissions=["geolocation"],
                locale="zh-CN",
            )
            context.on(
                "request", lambda r: None if r.url.startswith(base) else outside.append(r.url)
            )
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(base + "/")
            until(page, "() => navigator.serviceWorker.controller !== null")
            page.get_by_role("button", name="定位我").click()
            page.wait_for_selector("#results li")
            names = page.locator("#results li .name").all_text_contents()
            until(
                page,
                "() => caches.open('yizhan-last')"
                ".then(c => c.match('/offline/last-nearest')).then(r => !!r)",
            )
            assert errors == []

            context.set_offline(True)
            page.reload()
            assert page.title().startswith("驿站")
            until(page, "() => typeof L !== 'undefined' && !!document.querySelector('#map')")
            panel = page.locator("#offline")
            panel.wait_for(state="visible")
            assert panel.locator("h2").text_content().startswith("离线")
            assert panel.locator(".as-of").text_content() == "截至 09:30 as of 09:30"
            kept = panel.locator(".last-answer .name").all_text_contents()
            assert kept and [n.split(". ", 1)[-1] for n in names] == kept
            call = panel.locator("a[href^='tel:']")
            assert call.count() == 1
            box = call.bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44  # a tap target on a phone
            if AXE.is_file():  # axe-core (make node) on the offline panel
                page.evaluate(AXE.read_text(encoding="utf-8"))  # CDP: not subject to the CSP
                found = page.evaluate(
                    """tags => axe.run(document.getElementById("offline"),
                        {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
                        .then(r => r.violations.map(v => [v.id, v.impact]))""",
                    AXE_TAGS,
                )
                assert [v for v in found if v[1] in ("serious", "critical")] == []
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "offline-last-answer.png"), full_page=True)
            offline_errors = [e for e in errors if "Failed to load resource" not in e]
            assert offline_errors == []

            # A page the phone never kept: the Chinese offline page, not the browser's.
            other = context.new_page()
            other.goto(base + "/console/login")
            assert other.locator("h1").text_content().startswith("驿站 · 当前离线")
            other.screenshot(path=str(ARTIFACTS / "offline-page.png"))
        finally:
            browser.close()
    assert outside == []
