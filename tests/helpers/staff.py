"""Staff API helpers: the test accounts' password and logins, station bodies, and a dump
of the stations and their history."""

from __future__ import annotations

import functools
import json

from fastapi.testclient import TestClient

from geo.accounts import User, issue_token
from geo.db.accounts import user_by_name
from geo.db.connection import transaction

PASSWORD = "correct horse battery"


@functools.cache
def password_hash() -> str:
    from geo.accounts import _hasher

    return _hasher.hash(PASSWORD)  # hashed once: Argon2 is slow on purpose


def bearer(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization headers for ``name`` (logs in through the token endpoint)."""
    r = client.post("/api/v1/auth/token", data={"username": name, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def token_for(database_url: str, name: str) -> dict[str, str]:
    """Authorization headers for ``name`` without a (slow) password check."""
    with transaction(database_url, actor="test") as conn:
        row = user_by_name(conn, name)
        token, _ = issue_token(conn, User(row["id"], row["name"], row["role"]))
    return {"Authorization": f"Bearer {token}"}


def station(**over) -> dict:
    """A valid new love station body near Futian, Shenzhen (WGS-84)."""
    body = {
        "kind": "love_station",
        "name": "福田街道爱心驿站",
        "lon": 114.0550,
        "lat": 22.5410,
        "crs": "wgs84",
        "address": "福田区福华三路 88 号",
        "opening_hours": "Mo-Fr 08:00-18:00",
        "services": ["drinking_water", "heating", "rest_seats"],
        "phone": "0755-1234567",
        "host_org": "福田街道总工会",
        "level": "street",
        "opened_on": "2025-03-01",
    }
    body.update(over)
    return body


def offset(lon: float, lat: float, east_m: float = 0.0, north_m: float = 0.0):
    """A point ``east_m``/``north_m`` metres from (lon, lat)."""
    import math

    return (
        lon + east_m / (111_320.0 * math.cos(math.radians(lat))),
        lat + north_m / 110_574.0,
    )


def dump_stations(db) -> str:
    """Every station and audit row, as one string to compare before and after."""
    rows = db.execute(
        "SELECT (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.id), '[]') FROM"
        " (SELECT *, ST_AsText(geom) AS wkt FROM stations) s) AS stations,"
        " (SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.id), '[]') FROM station_audit a)"
        " AS audit"
    ).fetchone()
    return json.dumps(rows, sort_keys=True, default=str)
