"""OGC API – Features: the documents, paging and filters, and GDAL reading it for real."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

N_STATIONS = 137
EVIL = '<script>alert("x")</script> & 驿站'


def _load(conn) -> None:
    conn.execute(
        """INSERT INTO stations (kind, name, district, services, geom)
           SELECT (ARRAY['love_station','mother_baby_room','worker_bookshop'])[1 + i %% 3],
                  '驿站 ' || i, CASE WHEN i %% 2 = 0 THEN '福田' ELSE '罗湖' END,
                  ARRAY['drinking_water'],
                  ST_SetSRID(ST_MakePoint(114.0 + i * 0.001, 22.5 + (i %% 10) * 0.001), 4326)
           FROM generate_series(1, %s) AS i""",
        (N_STATIONS - 1,),
    )
    conn.execute(
        "INSERT INTO stations (kind, name, geom) VALUES "
        "('love_station', %s, ST_SetSRID(ST_MakePoint(114.2, 22.6), 4326))",
        (EVIL,),
    )
    conn.execute(  # not public: never published
        "INSERT INTO stations (kind, name, review_state, geom) VALUES "
        "('love_station', '待审核', 'pending_review', ST_SetSRID(ST_MakePoint(114.1, 22.5), 4326))"
    )
    conn.execute(
        "INSERT INTO districts (name, is_key, geom, area_m2) VALUES ('福田', true, "
        "ST_Multi(ST_MakeEnvelope(114.0, 22.5, 114.1, 22.6, 4326)), 1.0e8)"
    )


@pytest.fixture
def client(db, database_url):
    _load(db)
    with TestClient(create_app(database_url)) as c:
        yield c


def test_ogc_landing_conformance_and_collections(client) -> None:
    landing = client.get("/ogc").json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "conformance", "data", "service-desc"} <= rels
    conf = client.get("/ogc/conformance").json()["conformsTo"]
    assert any(c.endswith("/conf/geojson") for c in conf)
    ids = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    assert ids[:3] == ["stations", "districts", "main_streets"]
    assert client.get("/ogc/collections/nope").status_code == 404


def test_ogc_items_page_with_next_links_and_filters(client) -> None:
    page = client.get("/ogc/collections/stations/items", params={"limit": 50})
    assert page.headers["content-type"].startswith("application/geo+json")
    body = page.json()
    assert body["numberMatched"] == N_STATIONS and body["numberReturned"] == 50
    seen = [f["id"] for f in body["features"]]
    while nxt := next((x["href"] for x in body["links"] if x["rel"] == "next"), None):
        body = client.get(nxt).json()
        seen += [f["id"] for f in body["features"]]
    assert len(seen) == len(set(seen)) == N_STATIONS
    shops = client.get(
        "/ogc/collections/stations/items", params={"kind": "worker_bookshop", "district": "福田"}
    ).json()
    assert shops["numberMatched"] > 0
    assert all(f["properties"]["kind"] == "worker_bookshop" for f in shops["features"])
    assert all(f["properties"]["district"] == "福田" for f in shops["features"])
    boxed = client.get(
        "/ogc/collections/stations/items", params={"bbox": "114.15,22.55,114.3,22.7"}
    )
    assert [f["properties"]["name"] for f in boxed.json()["features"]] == [EVIL]


def test_ogc_limit_above_maximum_is_clamped_not_an_error(client) -> None:
    body = client.get("/ogc/collections/stations/items", params={"limit": 100000}).json()
    assert body["numberReturned"] == N_STATIONS


def test_ogc_single_items_and_districts(client) -> None:
    f = client.get("/ogc/collections/stations/items/1").json()
    assert f["type"] == "Feature" and f["id"] == 1
    assert client.get("/ogc/collections/stations/items/99999").status_code == 404
    d = client.get("/ogc/collections/districts/items").json()["features"][0]
    assert d["properties"]["name"] == "福田" and d["geometry"]["type"] == "MultiPolygon"


@pytest.mark.skipif(not shutil.which("ogr2ogr"), reason="GDAL command-line tools not installed")
def test_gdal_oapif_reads_every_public_station(db, live_server, tmp_path) -> None:
    _load(db)
    expected = {
        r["id"]: r["name"]
        for r in db.execute(
            "SELECT id, name FROM stations WHERE status = 'open' AND review_state = 'approved'"
        ).fetchall()
    }
    out = tmp_path / "stations.geojson"
    base = live_server
    info = subprocess.run(
        ["ogrinfo", "-ro", "-so", f"OAPIF:{base}/ogc", "stations"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert info.returncode == 0, info.stderr
    assert f"Feature Count: {len(expected)}" in info.stdout
    run = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{base}/ogc", "stations"]
        + ["-oo", "PAGE_SIZE=40", "-preserve_fid"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert len(got) == len(expected)
    assert {f["id"]: f["properties"]["name"] for f in got} == expected
