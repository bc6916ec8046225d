"""Strict-Transport-Security only when ``YIZHAN_HSTS_MAX_AGE_S`` asks for it, and only
over https (#13, phones need a secure context).

HSTS is off by default: on an intranet a lapsed certificate, or a phone without the
union's CA installed, would otherwise leave no way past the browser's warning for the
whole max-age. Browsers ignore it over plain http (RFC 6797 §8.1), so it is not sent there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

PATHS = ["/", "/api/v1/summary", "/static/yizhan/map.js", "/no/such/path"]


@contextmanager
def served(database_url: str, base_url: str, **env: str) -> Iterator[TestClient]:
    from api.app import create_app
    from geo.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        get_settings.cache_clear()
        try:
            with TestClient(create_app(database_url), base_url=base_url) as client:
                yield client
        finally:
            get_settings.cache_clear()


def test_hsts_is_sent_over_https_when_the_setting_asks(db, database_url) -> None:
    with served(database_url, "https://testserver", YIZHAN_HSTS_MAX_AGE_S="31536000") as c:
        for path in PATHS:
            answer = c.get(path)
            assert answer.headers["strict-transport-security"] == "max-age=31536000", path


def test_hsts_is_never_sent_over_plain_http(db, database_url) -> None:
    with served(database_url, "http://testserver", YIZHAN_HSTS_MAX_AGE_S="31536000") as c:
        for path in PATHS:
            assert "strict-transport-security" not in c.get(path).headers, path


def test_hsts_is_off_by_default(db, database_url) -> None:
    with served(database_url, "https://testserver") as c:
        for path in PATHS:
            assert "strict-transport-security" not in c.get(path).headers, path


def test_a_negative_hsts_max_age_is_refused_at_start(database_url) -> None:
    from pydantic import ValidationError

    with (
        pytest.raises(ValidationError, match="hsts_max_age_s"),
        served(database_url, "https://testserver", YIZHAN_HSTS_MAX_AGE_S="-1"),
    ):
        pass
