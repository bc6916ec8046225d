"""OGC API – Features Part 1 complete (#16): the HTML encoding of every document, 400 on
unknown query parameters, the limit's default and maximum in the API definition GDAL
reads, and each collection's queryables."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.test_ogc import EVIL, N_STATIONS, _load

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
DOCS = [
    "/ogc",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/stations",
    "/ogc/collections/stations/queryables",
    "/ogc/collections/stations/items",
    "/ogc/collections/districts/items",
    "/ogc/collections/stations/items/1",
]


@pytest.fixture
def client(db, database_url):
    _load(db)
    with TestClient(create_app(database_url)) as c:
        yield c


@pytest.mark.parametrize("path", DOCS)
def test_every_document_has_an_html_encoding_with_f_or_a_browsers_accept(client, path) -> None:
    for r in (client.get(path, params={"f": "html"}), client.get(path, headers=BROWSER)):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/html")
        page = r.text
        assert '<html lang="zh-CN">' in page and 'lang="en"' in page
        assert "<script" not in page and " style=" not in page  # the CSP runs no inline code
        assert "script-src 'self'" in r.headers["content-security-policy"]
    as_json = client.get(path)
    assert "json" in as_json.headers["content-type"]


def test_the_html_items_escape_names_and_page_with_html_links(client) -> None:
    page = client.get("/ogc/collections/stations/items", params={"f": "html", "limit": 200}).text
    assert EVIL not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 驿站" in page
    first = client.get("/ogc/collections/stations/items", params={"f": "html", "limit": 50}).text
    assert f"共 {N_STATIONS} 个，本页 50 个" in first
    nxt = re.search(r'href="([^"]*offset=50[^"]*)"', first)
    assert nxt and "f=html" in nxt.group(1)
    one = client.get("/ogc/collections/stations/items/1", params={"f": "html"}).text
    assert "驿站 1" in one and "母婴室" in one  # kind_zh


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/ogc", "foo"),
        ("/ogc/collections", "limit"),
        ("/ogc/collections/stations", "bbox"),
        ("/ogc/collections/stations/items", "nmae"),
        ("/ogc/collections/stations/items/1", "limit"),
        ("/ogc/collections/stations/queryables", "x"),
    ],
)
def test_an_unknown_query_parameter_is_a_400_naming_it(client, path, param) -> None:
    r = client.get(path, params={param: "1"})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "invalid_query"
    assert param in body["message"] and "未知的查询参数" in body["message"]
    assert param in body["message_en"] and "unknown query parameter" in body["message_en"]


def test_a_filter_of_another_collection_or_a_bad_encoding_is_a_400(client) -> None:
    r = client.get("/ogc/collections/districts/items", params={"kind": "love_station"})
    assert r.status_code == 400 and "kind" in r.json()["message_en"]
    r = client.get("/ogc/collections/stations/items", params={"f": "xml"})
    assert r.status_code == 400 and "f=" in r.json()["message_en"]


def test_the_ogc_api_definition_declares_the_limit_paths_and_filters_as_gdal_reads_them(
    client,
) -> None:
    landing = client.get("/ogc").json()
    desc = next(x for x in landing["links"] if x["rel"] == "service-desc")
    assert desc["type"] == "application/vnd.oai.openapi+json;version=3.0"
    r = client.get(desc["href"])
    assert r.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = r.json()
    assert doc["servers"][0]["url"].endswith("/ogc")
    items = doc["paths"]["/collections/{collectionId}/items"]["get"]
    params = {p["name"]: p for p in items["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 1000
    assert params["limit"]["schema"]["default"] == 100
    assert params["limit"]["schema"]["minimum"] == 1
    assert {"collectionId", "bbox", "filter", "filter-lang", "crs", "sortby"} <= set(params)
    assert "cql2-text" in params["filter-lang"]["schema"]["enum"]
    assert not any(path.startswith("/ogc") for path in doc["paths"])


def test_queryables_are_a_json_schema_of_each_collection(client) -> None:
    r = client.get("/ogc/collections/stations/queryables")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/schema+json")
    schema = r.json()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["type"] == "object"
    props = schema["properties"]
    assert props["kind"]["enum"] == ["love_station", "mother_baby_room", "worker_bookshop"]
    assert props["opened_on"] == {"title": "启用日期 opened on", "type": "string", "format": "date"}
    assert props["geometry"]["format"] == "geometry-point"
    assert "kind_zh" not in props  # shown, not queryable
    streets = client.get("/ogc/collections/main_streets/queryables").json()["properties"]
    assert streets["length_m"]["type"] == "number"
    plain = client.get(
        "/ogc/collections/districts/queryables", headers={"Accept": "application/json"}
    )
    assert plain.headers["content-type"].startswith("application/json")  # GDAL 3.6 asks so
    links = client.get("/ogc/collections/stations").json()["links"]
    rels = {x["rel"] for x in links}
    assert "http://www.opengis.net/def/rel/ogc/1.0/queryables" in rels
    assert client.get("/ogc/collections/nope/queryables").status_code == 404


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/ogc/api", {"f": "null"}),
        ("/ogc/collections", {"crs": ""}),
        ("/ogc/conformance", {"crs": "EPSG:4326"}),
    ],
)
def test_every_document_checks_f_and_crs(client, path, params) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "invalid_query"
