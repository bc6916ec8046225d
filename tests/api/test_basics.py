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


def test_public_endpoints_are_rate_limited_per_client(db, database_url, monkeypatch) -> None:
    from geo.settings import get_settings

    monkeypatch.setenv("YIZHAN_RATE_LIMIT_PER_MINUTE", "60")
    monkeypatch.setenv("YIZHAN_RATE_LIMIT_BURST", "5")
    get_settings.cache_clear()
    try:
        with TestClient(create_app(database_url)) as c:
            codes = [c.get("/api/v1/summary").status_code for _ in range(6)]
            assert codes == [200] * 5 + [429]
            limited = c.get("/api/v1/summary")
            assert limited.status_code == 429
            assert int(limited.headers["retry-after"]) >= 1
            assert "请求过于频繁" in limited.json()["message"]
            assert c.get("/healthz").status_code == 200  # health checks are never limited
            other = c.get("/api/v1/summary", headers={"X-Forwarded-For": "10.1.2.3"})
            assert other.status_code == 429  # forwarded headers are not trusted by default
    finally:
        get_settings.cache_clear()


def test_redact_query_hides_secrets_and_phone_numbers() -> None:
    from api.middleware import redact_query

    out = redact_query("lon=114&password=hunter2&access_token=abc&q=13812345678")
    assert "hunter2" not in out and "abc" not in out and "13812345678" not in out
    assert "lon=114" in out
