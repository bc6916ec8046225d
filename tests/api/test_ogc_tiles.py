"""OGC API – Tiles (#16): the basemap's vector tiles advertised as a tileset on
WebMercatorQuad, with the tile matrix set's definition, and the advertised template
leading to real tiles."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo import clock
from tests.api.test_ogc_filter import _load

TMS = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"


@pytest.fixture
def client(db, database_url):
    _load(db)
    with clock.frozen("2025-06-01T12:00:00"), TestClient(create_app(database_url)) as c:
        yield c


def test_the_landing_page_and_conformance_advertise_the_tiles(client) -> None:
    links = {x["rel"]: x["href"] for x in client.get("/ogc").json()["links"]}
    assert links["http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"].endswith("/ogc/tiles")
    conf = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conf
    assert "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset" in conf


def test_the_tileset_leads_to_real_tiles_of_our_layers(client) -> None:
    sets = client.get("/ogc/tiles").json()["tilesets"]
    assert [s["tileMatrixSetURI"] for s in sets] == [TMS] and sets[0]["dataType"] == "vector"
    href = next(x["href"] for x in sets[0]["links"] if x["rel"] == "self")
    tileset = client.get(href).json()
    assert [layer["id"] for layer in tileset["layers"]] == ["districts", "streets", "stations"]
    limits = {lim["tileMatrix"]: lim for lim in tileset["tileMatrixSetLimits"]}
    assert sorted(limits, key=int) == [str(z) for z in range(10, 19)]
    item = next(x for x in tileset["links"] if x["rel"] == "item")
    assert item["type"] == "application/vnd.mapbox-vector-tile" and item["templated"]
    z14 = limits["14"]
    # every tile of the data's extent at zoom 14 exists; together they hold all 4 stations
    seen = 0
    for col in range(z14["minTileCol"], z14["maxTileCol"] + 1):
        for row in range(z14["minTileRow"], z14["maxTileRow"] + 1):
            url = item["href"].format(tileMatrix=14, tileCol=col, tileRow=row)
            r = client.get(url)
            assert r.status_code in (200, 204), url
            if r.status_code == 200:
                layers = mapbox_vector_tile.decode(r.content)
                seen += len(layers.get("stations", {}).get("features", []))
    assert seen == 4
    scheme = next(x["href"] for x in tileset["links"] if x["rel"].endswith("/tiling-scheme"))
    tms = client.get(scheme).json()
    assert tms["uri"] == TMS and tms["crs"].endswith("/EPSG/0/3857")
    z0, z14def = tms["tileMatrices"][0], tms["tileMatrices"][14]
    assert z0["matrixWidth"] == 1 and z14def["matrixWidth"] == 2**14
    assert z0["scaleDenominator"] == pytest.approx(559082264.028717)
    assert z0["pointOfOrigin"] == [-20037508.3427892, 20037508.3427892]
    assert [t["id"] for t in client.get("/ogc/tileMatrixSets").json()["tileMatrixSets"]] == [
        "WebMercatorQuad"
    ]


def test_unknown_tile_matrix_sets_and_parameters(client) -> None:
    assert client.get("/ogc/tiles/WorldCRS84Quad").status_code == 404
    assert client.get("/ogc/tileMatrixSets/WorldCRS84Quad").status_code == 404
    assert client.get("/ogc/tiles", params={"x": "1"}).status_code == 400
    assert client.get("/ogc/tiles", params={"f": "html"}).status_code == 400
