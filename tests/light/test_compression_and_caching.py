"""Light on mobile data (#14): compressed text and JSON, hashed asset URLs kept a year,
pages and the API revalidated."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.light import choose_encoding, compressible
from geo.settings import get_settings
from maps import console
from maps.pages import render_staff, render_swagger

IMMUTABLE = "public, max-age=31536000, immutable"
ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def _assets(html: str) -> list[str]:
    return ASSET.findall(html)


def test_map_page_links_content_hashed_assets_kept_a_year(client) -> None:
    page = client.get("/")
    assert page.headers["cache-control"] == "no-cache"
    urls = _assets(page.text)
    assert {u.rsplit("/", 1)[1].split(".")[0] for u in urls} >= {"leaflet", "map"}
    for url in urls:
        assert re.search(r"\.[0-9a-f]{10}\.(js|css|png)$", url), url
        answer = client.get(url)
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == IMMUTABLE
    plain = client.get("/static/yizhan/map.js")
    assert plain.headers["cache-control"] == "no-cache" and plain.headers["etag"]
    hashed = next(u for u in urls if "/yizhan/map." in u and u.endswith(".js"))
    assert client.get(hashed).content == plain.content
    # A page cached before an update asks for an old hash: today's file, revalidated.
    stale = client.get("/static/yizhan/map.0123456789.js")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    assert client.get("/static/yizhan/nothing.0123456789.js").status_code == 404
    assert client.get("/static/yizhan/../map_page.0123456789.py").status_code == 404
    assert client.get("/api/v1/summary").headers["cache-control"] == "no-cache"


def test_every_page_links_hashed_assets() -> None:
    pages = [
        render_staff((114.05, 22.54)),
        render_swagger("Docs", "/openapi.json"),
        console.render_login(),
        console.render_home({"name": "甲", "role": "admin"}),
    ]
    for html in pages:
        urls = _assets(html)
        assert urls
        assert all(re.search(r"\.[0-9a-f]{10}\.\w+$", u) for u in urls), urls


def test_text_and_json_are_compressed_with_brotli_or_gzip(client) -> None:
    url = next(u for u in _assets(client.get("/").text) if "leaflet." in u and u.endswith(".js"))
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and len(raw.content) > 140_000
    assert "Accept-Encoding" in raw.headers["vary"]
    br = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["content-encoding"] == "br"
    assert int(br.headers["content-length"]) < 40_000
    assert br.headers["etag"] == "W/" + raw.headers["etag"]
    assert br.headers["cache-control"] == IMMUTABLE
    # httpx decodes gzip itself: read the wire bytes to check them.
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as gz:
        assert gz.headers["content-encoding"] == "gzip"
        wire = b"".join(gz.iter_raw())
    assert gzip.decompress(wire) == raw.content
    with client.stream("GET", url, headers={"Accept-Encoding": "br"}) as again:
        assert brotli.decompress(b"".join(again.iter_raw())) == raw.content
    # A revalidation with the weak ETag is still a 304.
    same = client.get(url, headers={"If-None-Match": br.headers["etag"]})
    assert same.status_code == 304
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    api = client.get("/openapi.json", headers={"Accept-Encoding": "br"})
    assert api.headers["content-encoding"] == "br" and api.json()["openapi"]


def test_images_and_small_answers_are_not_compressed_head_as_get(client) -> None:
    png = client.get("/static/leaflet/images/layers-2x.png", headers={"Accept-Encoding": "br"})
    assert png.status_code == 200 and "content-encoding" not in png.headers
    small = client.get("/healthz", headers={"Accept-Encoding": "br, gzip"})
    assert small.status_code == 200 and len(small.content) < 1024
    assert "content-encoding" not in small.headers
    # HEAD answers with GET's headers: the compressed length and encoding.
    got = client.get("/static/yizhan/map.js", headers={"Accept-Encoding": "gzip"})
    head = client.head("/static/yizhan/map.js", headers={"Accept-Encoding": "gzip"})
    assert head.content == b"" and head.headers["content-encoding"] == "gzip"
    assert head.headers["content-length"] == got.headers["content-length"]


def test_accept_encoding_and_content_types() -> None:
    assert choose_encoding("gzip, deflate, br, zstd") == "br"
    assert choose_encoding("gzip, br;q=0") == "gzip"
    assert choose_encoding("identity") is None
    assert choose_encoding("*") == "br"
    assert choose_encoding("") is None
    assert compressible("application/geo+json") and compressible("text/html; charset=utf-8")
    assert compressible("application/javascript") and compressible("image/svg+xml")
    assert not compressible("image/png") and not compressible("application/zip")
    assert not compressible("text/event-stream")
    assert not compressible("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def plain_server(database_url, monkeypatch):
    """An app with compression and hashed assets off (the benchmark's "before")."""
    monkeypatch.setenv("YIZHAN_COMPRESS", "false")
    monkeypatch.setenv("YIZHAN_HASHED_ASSETS", "false")
    get_settings.cache_clear()
    try:
        with TestClient(create_app(database_url)) as c:
            yield c
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_both_can_be_turned_off(db, plain_server) -> None:
    page = plain_server.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert "content-encoding" not in page.headers and "cache-control" not in page.headers
    assert "/static/leaflet/leaflet.js" in page.text
    js = plain_server.get("/static/leaflet/leaflet.js", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in js.headers and "cache-control" not in js.headers


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_streamed_answers_are_compressed_chunk_by_chunk(encoding) -> None:
    from starlette.applications import Starlette
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    from api.light import Compress

    parts = [f"{i},驿站 {i},{'x' * 500}\n".encode() for i in range(200)]

    async def rows():
        for part in parts:
            yield part

    def export(request):
        return StreamingResponse(rows(), media_type="text/csv; charset=utf-8")

    app = Compress(Starlette(routes=[Route("/export", export)]), minimum_size=1024)
    with (
        TestClient(app) as c,
        c.stream("GET", "/export", headers={"Accept-Encoding": encoding}) as answer,
    ):
        assert answer.headers["content-encoding"] == encoding
        assert "content-length" not in answer.headers
        wire = b"".join(answer.iter_raw())
    body = brotli.decompress(wire) if encoding == "br" else gzip.decompress(wire)
    assert body == b"".join(parts) and len(wire) < len(body) / 10
