"""Security and bad input: authentication, roles, CSRF, body limits, malformed input,
injection strings, and failed requests that leave the database exactly as it was."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.staff import PASSWORD, dump_stations, station

WRITES = [
    ("post", "/api/v1/stations", station()),
    ("patch", "/api/v1/stations/1", {"phone": "0755-1234567"}),
    ("post", "/api/v1/stations/1/status", {"status": "open"}),
    ("post", "/api/v1/review/1/approve", {}),
    ("post", "/api/v1/review/1/reject", {"comment": "no"}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_without_a_login_get_401(client, method, path, body) -> None:
    r = client.request(method, path, json=body, headers={"If-Match": '"1"'})
    assert r.status_code == 401
    assert r.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "path", ["/api/v1/review", "/api/v1/staff/stations", "/api/v1/stations/1/history"]
)
def test_staff_reads_without_a_login_get_401(client, path) -> None:
    assert client.get(path).status_code == 401


def test_wrong_roles_get_403(client, staff, planner) -> None:
    assert client.post("/api/v1/stations", json=station(), headers=planner).status_code == 403
    sid = client.post("/api/v1/stations", json=station(), headers=staff).json()["id"]
    h = {**planner, "If-Match": '"1"'}
    assert client.patch(f"/api/v1/stations/{sid}", json={}, headers=h).status_code == 403
    assert client.get("/api/v1/review", headers=staff).status_code == 403
    r = client.post(f"/api/v1/review/{sid}/approve", json={}, headers=staff)
    assert r.status_code == 403
    assert "无权" in r.json()["message"]
    # Planners may read the staff views.
    assert client.get(f"/api/v1/staff/stations/{sid}", headers=planner).status_code == 200


def test_tampered_and_expired_tokens_cannot_write(client, staff, db) -> None:
    token = staff["Authorization"].split()[1]
    tampered = {"Authorization": f"Bearer {token[::-1]}"}
    assert client.post("/api/v1/stations", json=station(), headers=tampered).status_code == 401
    db.execute("UPDATE auth_tokens SET expires_at = now() - interval '1 minute'")
    assert client.post("/api/v1/stations", json=station(), headers=staff).status_code == 401


def test_a_session_cookie_alone_cannot_change_anything(client, make_user) -> None:
    make_user("wang.field", "field_staff")
    client.post("/api/v1/auth/session", json={"username": "wang.field", "password": PASSWORD})
    forged = client.post("/api/v1/stations", json=station())
    assert forged.status_code == 403  # what another site's form could send
    ok = client.post("/api/v1/stations", json=station(), headers={"X-Requested-With": "yizhan"})
    assert ok.status_code == 201


def test_oversized_bodies_get_413(client, staff) -> None:
    big = station(address="x" * 1_100_000)
    r = client.post("/api/v1/stations", json=big, headers=staff)
    assert r.status_code == 413
    assert r.json()["code"] == "body_too_large"


def test_oversized_chunked_bodies_without_length_get_413(live_server, staff) -> None:
    def chunks():
        for _ in range(40):
            yield b"x" * 50_000

    r = httpx.post(
        f"{live_server}/api/v1/stations",
        content=chunks(),
        headers={**staff, "Content-Type": "application/json"},
    )
    assert r.status_code == 413


def test_the_body_limit_is_configurable(client, staff, monkeypatch) -> None:
    from geo.settings import get_settings

    monkeypatch.setenv("YIZHAN_MAX_BODY_BYTES", "200")
    get_settings.cache_clear()
    try:
        r = client.post("/api/v1/stations", json=station(), headers=staff)
        assert r.status_code == 413
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"kind": "love_station", "name": ',  # truncated
        b"[1, 2, 3]",
        b"\xff\xfe not utf-8",
        b'{"kind": "love_station", "name": "a", "lon": NaN, "lat": 22.5}',
        b'{"kind": "love_station", "name": "a", "lon": 1e999, "lat": 22.5}',
        b'{"kind": "love_station", "name": "a", "lon": "east", "lat": 22.5}',
        b'{"kind": "love_station", "name": "a", "lon": [114, 22], "lat": 22.5}',
        b'{"kind": "love_station", "name": "a", "lat": 22.5}',
        b'{"kind": "love_station", "name": "a", "lon": 114.05, "lat": 22.5, "geom": "POINT"}',
        b'{"kind": "love_station", "name": {"$ne": 1}, "lon": 114.05, "lat": 22.5}',
    ],
)
def test_malformed_json_or_geometry_gets_422(client, staff, raw) -> None:
    r = client.post(
        "/api/v1/stations", content=raw, headers={**staff, "Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_input" and r.json()["message"]


INJECTIONS = {
    "name": "<script>alert('x')</script>\"; DROP TABLE stations; --",
    "address": "' OR '1'='1'; <img src=x onerror=alert(1)>",
    "host_org": "{{7*7}} ${7*7} %s %(name)s \\x00",
}


def test_injection_strings_are_stored_verbatim(client, staff, db) -> None:
    r = client.post("/api/v1/stations", json=station(**INJECTIONS), headers=staff)
    assert r.status_code == 201, r.text
    back = client.get(f"/api/v1/staff/stations/{r.json()['id']}", headers=staff).json()
    assert {k: back[k] for k in INJECTIONS} == INJECTIONS
    stored = db.execute("SELECT name, address, host_org FROM stations").fetchone()
    assert stored == INJECTIONS
    history = client.get(f"/api/v1/stations/{back['id']}/history", headers=staff).json()
    assert {"field": "name", "from": None, "to": INJECTIONS["name"]} in history[0]["changes"]


def test_failed_requests_leave_the_database_exactly_as_it_was(client, staff, reviewer, db):
    db.execute(
        "INSERT INTO districts (name, geom, area_m2) VALUES ('福田区', ST_Multi("
        "ST_MakeEnvelope(114.0, 22.5, 114.1, 22.6, 4326)), 1)"
    )
    sid = client.post("/api/v1/stations", json=station(), headers=staff).json()["id"]
    before = dump_stations(db)
    v1 = {**staff, "If-Match": '"1"'}
    failing = [
        ("post", "/api/v1/stations", station(), staff, 409),  # duplicate
        ("post", "/api/v1/stations", station(name="远处", lon=114.3), staff, 422),  # outside
        ("post", "/api/v1/stations", station(opening_hours="??"), staff, 422),
        ("post", "/api/v1/stations", station(address="x" * 1_100_000), staff, 413),
        ("post", "/api/v1/stations", station(), {}, 401),
        ("patch", f"/api/v1/stations/{sid}", {"phone": "0755-0000000"}, staff, 428),
        (
            "patch",
            f"/api/v1/stations/{sid}",
            {"phone": "0755-0000000"},
            {**staff, "If-Match": '"7"'},
            412,
        ),
        ("patch", f"/api/v1/stations/{sid}", {"phone": "bad phone!"}, v1, 422),
        ("patch", f"/api/v1/stations/{sid}", {"services": ["teleport"]}, v1, 422),
        ("post", f"/api/v1/stations/{sid}/status", {"status": "closed"}, v1, 422),
        ("post", f"/api/v1/review/{sid}/reject", {}, reviewer, 422),
        ("post", f"/api/v1/review/{sid}/approve", {}, staff, 403),
        ("post", "/api/v1/review/99999/approve", {}, reviewer, 404),
    ]
    for method, path, body, headers, expected in failing:
        r = client.request(method, path, json=body, headers=headers)
        assert r.status_code == expected, (path, r.status_code, r.text[:300])
    assert dump_stations(db) == before


def test_nul_characters_are_refused_not_a_server_error(client, staff) -> None:
    r = client.post("/api/v1/stations", json=station(name="驿站\x00"), headers=staff)
    assert r.status_code == 422 and "控制字符" in r.json()["message"]
    login = client.post("/api/v1/auth/token", data={"username": "\x00x", "password": "\x00"})
    assert login.status_code == 401
    sid = client.post("/api/v1/stations", json=station(), headers=staff).json()["id"]
    h = {**staff, "If-Match": '"1"'}
    r = client.post(
        f"/api/v1/stations/{sid}/status", json={"status": "closed", "reason": "\x00"}, headers=h
    )
    assert r.status_code == 422


def test_a_body_that_is_not_utf8_gets_422_in_the_usual_shape(client, staff) -> None:
    r = client.post(
        "/api/v1/stations",
        content=b"\xee\x72\x17",
        headers={**staff, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_input"
