"""Hostile requests (issue #11): each case once let a request do harm or get a 500."""

from __future__ import annotations

import pytest

from tests.helpers.staff import PASSWORD


def test_logout_with_the_cookie_needs_the_anti_forgery_header(client, make_user) -> None:
    make_user("wang.field", "field_staff")
    r = client.post("/api/v1/auth/session", json={"username": "wang.field", "password": PASSWORD})
    assert r.status_code == 200
    forged = client.post("/api/v1/auth/logout")  # what another page of the site could send
    assert forged.status_code == 403 and forged.json()["message_en"]
    assert client.get("/api/v1/auth/me").status_code == 200  # still logged in
    real = client.post("/api/v1/auth/logout", headers={"X-Requested-With": "yizhan"})
    assert real.status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/stations", "/ogc/collections/stations/items"])
@pytest.mark.parametrize("offset", ["9223372036854775808", "2147483648", "-1"])
def test_an_offset_out_of_range_is_422_not_500(client, path, offset) -> None:
    r = client.get(path, params={"offset": offset})
    assert r.status_code == 422, r.text
    body = r.json()
    assert "offset" in body["message_en"] and body["message"]


@pytest.mark.parametrize("field", ["opening_hours", "phone"])
def test_an_error_echoes_at_most_a_bounded_part_of_the_input(client, staff, field) -> None:
    huge = "Mo-Fr 08:00-18:00 " + "x" * 900_000
    r = client.post(
        "/api/v1/stations",
        json={
            "kind": "love_station",
            "name": "回声",
            "lon": 114.05,
            "lat": 22.54,
            "crs": "wgs84",
            field: huge,
        },
        headers=staff,
    )
    assert r.status_code == 422
    assert len(r.content) < 10_000, len(r.content)
    # Hours that long are refused for their length, quoting only their start (item 4).
    assert "truncated" in r.text or field == "opening_hours"


def test_a_huge_value_in_a_query_is_not_echoed_whole(client) -> None:
    r = client.get("/api/v1/stations/nearest", params={"lon": "1" * 60_000, "lat": 22.5})
    assert r.status_code == 422
    assert len(r.content) < 10_000, len(r.content)
