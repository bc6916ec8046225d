"""Bad input to the public lookup: 422 with the common error body, in Chinese and English,
saying what to fix; injection strings change nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

NEAREST = "/api/v1/stations/nearest"
SZ = {"lon": 114.05, "lat": 22.54}


@pytest.fixture
def client(db, database_url):
    db.execute(
        "INSERT INTO stations (kind, name, geom) VALUES "
        "('love_station', '驿站', ST_SetSRID(ST_MakePoint(114.05, 22.54), 4326))"
    )
    with TestClient(create_app(database_url)) as c:
        yield c


def assert_422(response, *zh_parts: str) -> dict:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] in ("invalid_input", "unknown_crs")
    assert body["message_en"]
    for part in zh_parts:
        assert part in body["message"], body["message"]
    return body


def test_nearest_rejects_latitude_out_of_range(client) -> None:
    assert_422(client.get(NEAREST, params={**SZ, "lat": 95}), "纬度", "-90 到 90")


def test_nearest_rejects_longitude_out_of_range(client) -> None:
    assert_422(client.get(NEAREST, params={**SZ, "lon": -200}), "经度", "-180 到 180")


def test_nearest_rejects_nan_coordinates(client) -> None:
    assert_422(client.get(NEAREST, params={**SZ, "lat": "NaN"}), "纬度")
    assert_422(client.get(NEAREST, params={**SZ, "lon": "nan"}), "经度")


def test_nearest_rejects_missing_coordinates(client) -> None:
    assert_422(client.get(NEAREST, params={"lon": 114.05}), "纬度")


def test_nearest_rejects_unknown_kind(client) -> None:
    body = assert_422(client.get(NEAREST, params={**SZ, "kind": "cafe"}), "未知的站点类型")
    assert "love_station" in body["message"]


def test_nearest_rejects_unknown_service(client) -> None:
    assert_422(client.get(NEAREST, params={**SZ, "services": "water,sauna"}), "sauna")


def test_nearest_rejects_limit_above_maximum(client) -> None:
    assert_422(client.get(NEAREST, params={**SZ, "limit": 51}), "1 到 50")
    assert_422(client.get(NEAREST, params={**SZ, "limit": 0}), "1 到 50")


def test_nearest_rejects_gcj02_far_outside_china(client) -> None:
    body = assert_422(
        client.get(NEAREST, params={"lon": 2.35, "lat": 48.85, "crs": "gcj02"}), "中国境内"
    )
    assert "crs=wgs84" in body["message"]


def test_nearest_rejects_unknown_crs_and_bad_time(client) -> None:
    assert_422(client.get(NEAREST, params={**SZ, "crs": "utm"}), "坐标系")
    assert_422(client.get(NEAREST, params={**SZ, "at": "tomorrow"}), "ISO 8601")


def test_listing_rejects_inverted_bbox(client) -> None:
    assert_422(client.get("/api/v1/stations", params={"bbox": "114.1,22.5,114.0,22.6"}), "颠倒")


def test_listing_rejects_oversized_or_malformed_bbox(client) -> None:
    assert_422(client.get("/api/v1/stations", params={"bbox": "100,20,120,40"}), "太大")
    assert_422(client.get("/api/v1/stations", params={"bbox": "1,2,3"}), "4 个数字")
    assert_422(client.get("/api/v1/stations", params={"bbox": "a,b,c,d"}), "4 个数字")


def test_listing_rejects_limit_above_maximum(client) -> None:
    assert_422(client.get("/api/v1/stations", params={"limit": 5000}), "1 到 1000")


INJECTIONS = [
    "love_station' OR '1'='1",
    "'; DROP TABLE stations; --",
    "1); DELETE FROM stations WHERE (1=1",
]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_injection_strings_change_nothing(client, db, evil) -> None:
    assert_422(client.get(NEAREST, params={**SZ, "kind": evil}))
    assert_422(client.get(NEAREST, params={**SZ, "services": evil}))
    assert client.get(f"/api/v1/stations/{evil}").status_code == 422
    ogc = client.get("/ogc/collections/stations/items", params={"district": evil})
    assert ogc.json()["numberReturned"] == 0
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 1
    assert db.execute("SELECT count(*) AS n FROM station_audit").fetchone()["n"] == 1
