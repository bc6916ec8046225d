"""The app's health checks, summary and home page against the real database."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app


@pytest.fixture
def client(db, database_url):
    with TestClient(create_app(database_url)) as c:
        yield c


def test_health_and_readiness(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_summary_counts_what_is_loaded(client, db) -> None:
    db.execute(
        "INSERT INTO stations (kind, name, geom) VALUES "
        "('love_station', '测试驿站', ST_SetSRID(ST_MakePoint(114, 22), 4326))"
    )
    body = client.get("/api/v1/summary").json()
    assert body["stations"] == {"love_station": 1}
    assert body["streets"] == 0


def test_home_page_is_chinese_first(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "爱心驿站" in page.text and "love station" in page.text
