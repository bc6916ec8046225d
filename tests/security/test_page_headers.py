"""Response headers, HEAD, and API docs that work offline (issue #11 item 12).

Before: `/`, `/summary`, `/docs` and `/redoc` had no CSP, no frame-ancestors and no
nosniff; `/docs` and `/redoc` loaded their scripts from a CDN (blank offline); HEAD
answered 405 on every API route.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from api.app import create_app
from tests.helpers.browser import ARTIFACTS, launch

# A value for each path parameter of the GET routes that needs other than "1" (an id).
PATH_VALUES = {
    "station_id": "1",
    "revision_id": "1",
    "job_id": "1",
    "cid": "stations",
    "fid": "1",
    "name": "chen.admin",
    "z": "14",
    "x": "13390",
    "y": "7139",
    "receipt": "P2345678923",
    "problem_id": "1",
    "photo_id": "1",
    "fmt": "pdf",
    "tms": "WebMercatorQuad",
}
STATIC = [
    "/static/leaflet/leaflet.js",
    "/static/leaflet/images/marker-icon.png",
    "/static/yizhan/map.css",
    "/static/docs/swagger-ui-bundle.js",
    "/static/docs/swagger-ui.css",
    "/static/docs/redoc.standalone.js",
    "/static/yizhan/no-such-file.js",
    "/no/such/path",
]
# Headers that differ between any two answers.
PER_ANSWER = {"date", "x-request-id"}


def get_paths(app) -> list[str]:
    """Every GET route of ``app`` with its path parameters filled in, and static files."""
    paths = []
    for route in iter_route_contexts(app.routes):
        if route.methods and "GET" in route.methods:
            # "{station_id:int}": Starlette's converter is not part of the value.
            paths.append(
                re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES.get(m[1], "1"), route.path)
            )
    assert {"/", "/summary", "/docs", "/redoc", "/staff", "/ogc"} <= set(paths)
    return paths + STATIC


@pytest.fixture
def admin_client(db, database_url, admin, monkeypatch) -> Iterator[TestClient]:
    """A client of an app of its own logged in as an admin, so staff routes answer 200,
    not 401; the rate limit is off, as walking every route twice (GET and HEAD, console
    pages with their redirect) asks more than the limit's burst."""
    from geo.settings import get_settings

    monkeypatch.setenv("YIZHAN_RATE_LIMIT_PER_MINUTE", "0")
    get_settings.cache_clear()
    try:
        with TestClient(create_app(database_url)) as c:
            c.headers.update(admin)
            yield c
    finally:
        get_settings.cache_clear()


def _check_page_csp(path: str, csp: str) -> None:
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'", path
    assert directives["script-src"] == "'self'", path  # no inline script, no eval
    assert directives["default-src"] == "'self'", path
    assert directives["base-uri"] == "'none'" and directives["object-src"] == "'none'", path


def test_every_answer_has_nosniff_and_every_page_the_page_csp(admin_client) -> None:
    pages = []
    for path in get_paths(admin_client.app):
        r = admin_client.get(path)
        assert r.status_code < 500, (path, r.text)
        assert r.headers.get("X-Content-Type-Options") == "nosniff", path
        if r.headers.get("content-type", "").startswith("text/html"):
            pages.append(path)
            _check_page_csp(path, r.headers["Content-Security-Policy"])
            assert r.headers["X-Frame-Options"] == "DENY", path
            assert r.headers["Referrer-Policy"] == "same-origin", path
    assert {"/", "/summary", "/docs", "/redoc", "/staff"} <= set(pages)
    # The docs pages load nothing from a CDN: every asset is Yizhan's.
    for path in ("/docs", "/redoc"):
        text = admin_client.get(path).text
        assert "http://" not in text and "https://" not in text, path
        assert "<script>" not in text, path  # nothing inline (the CSP would block it)


def test_answers_made_by_middleware_and_bugs_have_nosniff(client, database_url) -> None:
    big = client.post("/api/v1/stations", content=b"x" * 1_100_000)
    assert big.status_code == 413 and big.headers["X-Content-Type-Options"] == "nosniff"

    app = create_app(database_url)

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.json()["message"] and "a bug" not in r.text


def test_head_answers_like_get_on_every_get_route(admin_client) -> None:
    for path in get_paths(admin_client.app):
        got = admin_client.get(path)
        head = admin_client.head(path)
        assert head.status_code == got.status_code, (path, head.status_code, got.status_code)
        assert head.content == b"", path
        same = {k: v for k, v in got.headers.items() if k not in PER_ANSWER}
        assert {k: v for k, v in head.headers.items() if k not in PER_ANSWER} == same, path
        if "content-length" in got.headers and "content-encoding" not in got.headers:
            assert int(head.headers["content-length"]) == len(got.content), path


@pytest.mark.parametrize(
    ("basemap", "tiles"),
    [("osm", "https://tile.openstreetmap.org"), ("amap", "https://*.is.autonavi.com")],
)
def test_the_map_page_csp_lets_in_only_its_basemaps_tiles(
    db, database_url, monkeypatch, basemap, tiles
) -> None:
    from geo.settings import get_settings

    monkeypatch.setenv("YIZHAN_BASEMAP", basemap)
    get_settings.cache_clear()
    try:
        with TestClient(create_app(database_url)) as c:
            csp = c.get("/").headers["Content-Security-Policy"]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    _check_page_csp("/", csp)
    assert f"img-src 'self' data: {tiles};" in csp


@pytest.mark.browser
def test_docs_and_redoc_render_in_chromium_with_the_outside_network_blocked(
    live_server,
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    import json
    import urllib.request

    with urllib.request.urlopen(f"{live_server}/openapi.json") as r:
        spec = json.load(r)
    methods = {"get", "post", "put", "patch", "delete"}
    operations = [op for item in spec["paths"].values() for m, op in item.items() if m in methods]
    outside, errors = [], []

    def only_this_machine(route) -> None:
        url = route.request.url
        if url.startswith((live_server, "data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    def console(message) -> None:
        # An image from outside that the CSP blocked (ReDoc's footer logo) is the CSP
        # doing its work; anything else is an error of the page.
        text = message.text
        if message.type == "error" and not (
            "Content Security Policy" in text and "'https://" in text and "img-src" in text
        ):
            errors.append(text)

    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", only_this_machine)
            page = context.new_page()
            page.on("console", console)
            page.on("pageerror", lambda e: errors.append(str(e)))

            page.goto(f"{live_server}/docs")
            page.wait_for_selector(".opblock")
            assert page.locator(".opblock").count() == len(operations)
            nearest = page.locator(".opblock-summary-path", has_text="/api/v1/stations/nearest")
            assert nearest.count() == 1
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "docs-swagger.png"))

            page.goto(f"{live_server}/redoc")
            page.wait_for_selector("[role=menuitem]")
            page.get_by_role("menuitem", name="stations").first.click()
            page.get_by_text("/api/v1/stations/nearest").first.wait_for()
            page.screenshot(path=str(ARTIFACTS / "docs-redoc.png"))
        finally:
            browser.close()
    assert outside == []
    assert errors == []
