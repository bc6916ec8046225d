"""The basemap's vector tiles (GET /tiles/{z}/{x}/{y}.mvt): layers and properties from
PostGIS, the public rule for stations, zoom bounds, ETags and a cache that follows the
data."""

from __future__ import annotations

import datetime as dt
import json
import math

import mapbox_vector_tile
import pytest

from geo import clock, tiles
from geo.errors import InvalidInput
from tests.helpers.cities import add_station, load_district, load_streets, lonlat

MVT = "application/vnd.mapbox-vector-tile"
Z = 15
#: Where the tests look: x = 400 m lies inside one zoom-15 tile with every station below
#: (the tile spans about x = 125 to 1245 m of the test city).
HERE = 400


def tile_of(lon: float, lat: float, z: int = Z) -> tuple[int, int, int]:
    """The XYZ tile holding (lon, lat) at zoom z."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return z, x, y


def decode(body: bytes) -> dict:
    return mapbox_vector_tile.decode(body)


STREETS = [
    {"coords": [(0, 0), (600, 0)], "name": "深南大道", "highway": "trunk", "is_main": True},
    {
        "coords": [(300, -300), (300, 300)],
        "name": "福华路",
        "highway": "residential",
        "is_main": False,
    },
]


@pytest.fixture
def city(db):
    load_streets(db, STREETS)
    load_district(db, "福田", (-500, -500, 1000, 500), key=True)
    add_station(db, 400, 10, name="公开驿站", kind="love_station")
    add_station(db, 500, 10, name="待审驿站", kind="worker_bookshop", review_state="pending_review")
    add_station(
        db,
        550,
        10,
        name="已关驿站",
        kind="mother_baby_room",
        status="closed",
        closed_on=dt.date(2025, 6, 1),
    )
    tiles.cache.clear()
    return db


def _get(client, z: int, x: int, y: int, **headers: str):
    with clock.frozen("2026-03-02T10:00:00+08:00"):
        return client.get(f"/tiles/{z}/{x}/{y}.mvt", headers=headers)


def test_tile_has_districts_streets_and_public_stations_only(client, city) -> None:
    z, x, y = tile_of(*lonlat(HERE, 0))
    r = _get(client, z, x, y)
    assert r.status_code == 200
    assert r.headers["content-type"] == MVT
    layers = decode(r.content)
    assert set(layers) == {"districts", "streets", "stations"}
    district = layers["districts"]["features"][0]["properties"]
    assert district == {"name": "福田", "is_key": True}
    streets = {f["properties"]["name"]: f["properties"] for f in layers["streets"]["features"]}
    assert streets["深南大道"] == {"name": "深南大道", "class": "trunk", "is_main": True}
    assert streets["福华路"]["class"] == "residential"
    assert streets["福华路"]["is_main"] is False
    # Only the approved, open station; its kind and nothing else (no name, no id).
    stations = layers["stations"]["features"]
    assert [f["properties"] for f in stations] == [{"kind": "love_station"}]
    assert layers["stations"]["extent"] == 4096


def test_low_zoom_tiles_leave_out_small_streets(client, city) -> None:
    z, x, y = tile_of(*lonlat(150, 0), z=12)
    layers = decode(_get(client, z, x, y).content)
    names = {f["properties"]["name"] for f in layers["streets"]["features"]}
    assert names == {"深南大道"}


def test_empty_tile_is_204(client, city) -> None:
    z, x, y = tile_of(10.0, 50.0)
    r = _get(client, z, x, y)
    assert r.status_code == 204
    assert r.content == b""
    assert "ETag" in r.headers


@pytest.mark.parametrize("path", ["/tiles/9/400/200.mvt", "/tiles/19/1/1.mvt"])
def test_zooms_outside_10_to_18_are_422_in_both_languages(client, db, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 422
    body = r.json()
    assert body["message"] and body["message_en"]
    assert "z" in json.dumps(body["details"])


@pytest.mark.parametrize("path", ["/tiles/10/1024/0.mvt", "/tiles/10/0/5000.mvt"])
def test_tiles_outside_the_zooms_grid_are_404(client, db, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    body = r.json()
    assert "瓦片" in body["message"] and "no tile" in body["message_en"]


def test_the_zoom_check_names_the_zooms_served() -> None:
    with pytest.raises(InvalidInput, match="zoom 9 is outside 10–18"):
        tiles.check(9, 0, 0)


def test_etag_and_cache_control_give_a_304(client, city) -> None:
    z, x, y = tile_of(*lonlat(HERE, 0))
    first = _get(client, z, x, y)
    assert "max-age" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    again = _get(client, z, x, y, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_cache_serves_repeats_and_follows_an_import(client, city) -> None:
    z, x, y = tile_of(*lonlat(HERE, 0))
    first = _get(client, z, x, y)
    misses = tiles.cache.misses
    assert _get(client, z, x, y).content == first.content
    assert tiles.cache.misses == misses and tiles.cache.hits >= 1
    # A street import (a new network) and a station import change the tile at once.
    load_streets(city, [{**STREETS[0], "name": "新洲路"}])
    add_station(city, 700, 10, name="新驿站", kind="worker_bookshop")
    after = _get(client, z, x, y)
    assert after.headers["ETag"] != first.headers["ETag"]
    layers = decode(after.content)
    assert {f["properties"]["name"] for f in layers["streets"]["features"]} == {"新洲路"}
    kinds = sorted(f["properties"]["kind"] for f in layers["stations"]["features"])
    assert kinds == ["love_station", "worker_bookshop"]
    # The old ETag no longer confirms the client's copy.
    stale = _get(client, z, x, y, **{"If-None-Match": first.headers["ETag"]})
    assert stale.status_code == 200


def test_a_station_leaves_the_tiles_on_its_closing_day(client, city) -> None:
    add_station(
        city,
        450,
        10,
        name="将关驿站",
        kind="mother_baby_room",
        status="closed",
        closed_on=dt.date(2026, 3, 3),
    )
    z, x, y = tile_of(*lonlat(HERE, 0))
    path = f"/tiles/{z}/{x}/{y}.mvt"
    with clock.frozen("2026-03-02T10:00:00+08:00"):
        before = decode(client.get(path).content)["stations"]["features"]
    with clock.frozen("2026-03-03T10:00:00+08:00"):
        after = decode(client.get(path).content)["stations"]["features"]
    assert sorted(f["properties"]["kind"] for f in before) == ["love_station", "mother_baby_room"]
    assert [f["properties"]["kind"] for f in after] == ["love_station"]
