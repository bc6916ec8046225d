"""OGC API – Features Part 2 (#16): ``crs``, ``bbox-crs`` and ``filter-crs`` with CRS84,
EPSG:4326 and EPSG:4490 (latitude first) and EPSG:3857, ``Content-Crs``, and the
collections' ``crs`` and ``storageCrs``."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo import clock
from tests.api.test_ogc_filter import _load

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
ITEMS = "/ogc/collections/stations/items"
LON, LAT = 114.05, 22.54  # 莲花驿站, station 1


@pytest.fixture
def client(db, database_url):
    _load(db)
    with clock.frozen("2025-06-01T12:00:00"), TestClient(create_app(database_url)) as c:
        yield c


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    r = 6378137.0
    return r * math.radians(lon), r * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def test_collections_list_their_crs_and_storage_crs(client) -> None:
    for c in client.get("/ogc/collections").json()["collections"]:
        assert c["storageCrs"] == CRS84
        assert c["crs"] == [CRS84, EPSG + "4326", EPSG + "4490", EPSG + "3857"]
    conf = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf


@pytest.mark.parametrize(
    ("crs", "expected"),
    [
        (None, (LON, LAT)),
        (CRS84, (LON, LAT)),
        (EPSG + "4326", (LAT, LON)),
        (EPSG + "4490", (LAT, LON)),
        (EPSG + "3857", _mercator(LON, LAT)),
    ],
)
def test_items_and_one_item_in_each_crs_with_content_crs(client, crs, expected) -> None:
    params = {"crs": crs} if crs else {}
    for path in (ITEMS, ITEMS + "/1"):
        r = client.get(
            path, params={**params, "filter": "name = '莲花驿站'"} if path == ITEMS else params
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-crs"] == f"<{crs or CRS84}>"
        body = r.json()
        feature = body["features"][0] if path == ITEMS else body
        x, y = feature["geometry"]["coordinates"]
        assert x == pytest.approx(expected[0], abs=0.01) and y == pytest.approx(
            expected[1], abs=0.01
        )


def test_a_multipolygon_in_lat_lon_order(client) -> None:
    body = client.get(
        "/ogc/collections/districts/items", params={"crs": EPSG + "4490", "filter": "name = '福田'"}
    ).json()
    ring = body["features"][0]["geometry"]["coordinates"][0][0]
    assert all(22.4 < lat < 22.7 and 113.9 < lon < 114.2 for lat, lon in ring)


@pytest.mark.parametrize(
    ("bbox", "bbox_crs"),
    [
        ("114.0,22.5,114.1,22.6", None),
        ("114.0,22.5,114.1,22.6", CRS84),
        ("22.5,114.0,22.6,114.1", EPSG + "4326"),
        ("22.5,114.0,22.6,114.1", EPSG + "4490"),
        (
            ",".join(f"{v:.2f}" for v in (*_mercator(114.0, 22.5), *_mercator(114.1, 22.6))),
            EPSG + "3857",
        ),
    ],
)
def test_bbox_in_each_crs(client, bbox, bbox_crs) -> None:
    params = {"bbox": bbox, **({"bbox-crs": bbox_crs} if bbox_crs else {})}
    body = client.get(ITEMS, params=params).json()
    assert sorted(f["properties"]["name"] for f in body["features"]) == ["华强母婴室", "莲花驿站"]


def test_filter_crs_reads_geometry_literals_in_lat_lon(client) -> None:
    lat_lon = "S_INTERSECTS(geometry, BBOX(22.5, 114.1, 22.6, 114.2))"
    params = {"filter": lat_lon, "filter-crs": EPSG + "4490"}
    names = [f["properties"]["name"] for f in client.get(ITEMS, params=params).json()["features"]]
    assert names == ["罗湖书屋"]
    x1, y1 = _mercator(113.9, 22.5)
    x2, y2 = _mercator(114.0, 22.6)
    metres = f"S_WITHIN(geometry, POLYGON(({x1} {y1}, {x2} {y1}, {x2} {y2}, {x1} {y2}, {x1} {y1})))"
    params = {"filter": metres, "filter-crs": EPSG + "3857"}
    names = [f["properties"]["name"] for f in client.get(ITEMS, params=params).json()["features"]]
    assert names == ["Lianhua Rest"]


@pytest.mark.parametrize(
    "params",
    [
        {"crs": "EPSG:2385"},
        {"crs": EPSG + "4547"},
        {"bbox": "1,2,3,4", "bbox-crs": "urn:ogc:def:crs:EPSG::4490"},
        {"bbox": "22.5,114.0,22.6,114.1"},  # latitude first, but CRS84 asked: 114 > 90
        {"bbox": "114.1,22.5,114.0,22.6"},  # min above max
    ],
)
def test_an_unsupported_crs_or_a_box_outside_it_is_a_400(client, params) -> None:
    r = client.get(ITEMS, params=params)
    assert r.status_code == 400, r.text
    assert r.json()["message"] and r.json()["message_en"]
