"""#16: the OGC collection ``planned_sites``: the stations added or moved by saved,
non-archived what-if scenarios, for planners and admins only (a bearer token or the
console's session), filtered and in any CRS like the other collections; read by GDAL
with the token and a CQL2 filter in EPSG:4490."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.crs import to_wgs84_point
from tests.api.test_scenarios import AS_OF, D, _add, _login, _pos
from tests.api.test_scenarios import street as street  # noqa: F401 - the fixture
from tests.helpers.cities import lonlat
from tests.helpers.live import start_server, stop_server

ITEMS = "/ogc/collections/planned_sites/items"
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"


def _scenario(name: str, changes: list[dict]) -> dict:
    return {"name": name, "as_of": AS_OF, "distance": D, "changes": changes}


def _save(c: TestClient, name: str, changes: list[dict]) -> dict:
    r = c.post("/api/v1/scenarios", json=_scenario(name, changes))
    assert r.status_code == 201, r.text
    return r.json()


def _ids(db) -> dict[str, int]:
    return {r["name"]: r["id"] for r in db.execute("SELECT id, name FROM stations").fetchall()}


@pytest.fixture
def saved(street, database_url) -> dict[str, int]:  # noqa: F811 - the fixture above
    """Three scenarios: 东段补点 (an add in GCJ-02 then its move in BD-09, an add, a
    station switched off), 乙站西移 (乙 moved), 已归档 (archived: never listed)."""
    ids = _ids(street)
    with TestClient(create_app(database_url)) as c:
        c.headers.update(_login(database_url, "li.planner", "planner"))
        east = _save(
            c,
            "东段补点",
            [
                _add(900, 0, "p", crs="gcj02"),
                {"op": "move", "id": "p", **_pos(1500, 0, "bd09")},
                {**_add(2000, 0, "q"), "name": "东段二号"},
                {"op": "remove", "station_id": ids["甲"]},
            ],
        )
        west = _save(
            c, "乙站西移", [{"op": "move", "station_id": ids["乙"], **_pos(2500, 0, "wgs84")}]
        )
        old = _save(c, "已归档", [_add(100, 0, "z")])
        r = c.post(f"/api/v1/scenarios/{old['id']}/archive", headers={"If-Match": 'W/"1"'})
        assert r.status_code == 200, r.text
    return {"east": east["id"], "west": west["id"], "old": old["id"], "乙": ids["乙"]}


@pytest.fixture
def app_client(database_url) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as c:
        yield c


def test_anonymous_callers_are_refused_and_not_told_it_exists(saved, app_client) -> None:
    c = app_client
    for path in (
        ITEMS,
        f"{ITEMS}/1",
        "/ogc/collections/planned_sites",
        "/ogc/collections/planned_sites/queryables",
    ):
        r = c.get(path)
        assert r.status_code == 401, (path, r.text)
        body = r.json()
        assert body["code"] and "请先登录" in body["message"] and "log in" in body["message_en"]
        assert r.headers["WWW-Authenticate"] == "Bearer"
    listed = [x["id"] for x in c.get("/ogc/collections").json()["collections"]]
    assert "planned_sites" not in listed and "stations" in listed
    bad = c.get("/ogc/collections", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 200 and "planned_sites" not in str(bad.json())


def test_other_staff_are_forbidden(saved, app_client, database_url) -> None:
    headers = _login(database_url, "wang.reviewer", "reviewer")
    r = app_client.get(ITEMS, headers=headers)
    assert r.status_code == 403 and r.json()["message_en"]
    listed = app_client.get("/ogc/collections", headers=headers).json()["collections"]
    assert "planned_sites" not in [x["id"] for x in listed]


def test_planners_read_the_added_and_moved_stations_of_saved_scenarios(
    saved, app_client, database_url
) -> None:
    c = app_client
    c.headers.update(_login(database_url, "zhao.planner", "planner"))
    assert "planned_sites" in [x["id"] for x in c.get("/ogc/collections").json()["collections"]]
    doc = c.get(ITEMS, params={"sortby": "scenario_id,change_index"}).json()
    got = [
        (
            f["properties"]["scenario_name"],
            f["properties"]["change_index"],
            f["properties"]["change_id"],
            f["properties"]["op"],
            f["properties"]["name"],
            f["properties"]["kind"],
        )
        for f in doc["features"]
    ]
    assert got == [
        ("东段补点", 0, "p", "add", "设想驿站", "love_station"),
        ("东段补点", 1, "p", "move", None, "love_station"),
        ("东段补点", 2, "q", "add", "东段二号", "love_station"),
        ("乙站西移", 0, str(saved["乙"]), "move", "乙", "love_station"),
    ]
    assert doc["numberMatched"] == 4
    # Positions given in GCJ-02 and BD-09 come back in WGS-84 (as geo.crs converts them,
    # to the 7 decimals of the answer).
    coords = [f["geometry"]["coordinates"] for f in doc["features"]]
    assert coords[0] == pytest.approx(lonlat(900, 0), abs=1e-6)
    assert coords[1] == pytest.approx(lonlat(1500, 0), abs=1e-6)
    assert coords[3] == pytest.approx(lonlat(2500, 0), abs=1e-6)
    gcj = _add(900, 0, "p", crs="gcj02")
    assert coords[0] == pytest.approx(to_wgs84_point(gcj["lon"], gcj["lat"], "gcj02"), abs=6e-8)
    one = c.get(f"{ITEMS}/{doc['features'][3]['id']}").json()
    assert one["properties"]["scenario_id"] == saved["west"]


def test_planned_sites_filter_and_crs_like_the_others(saved, app_client, database_url) -> None:
    c = app_client
    c.headers.update(_login(database_url, "zhao.planner", "planner"))
    r = c.get(
        ITEMS, params={"filter": "scenario_name = '东段补点' AND op = 'add'", "crs": EPSG4490}
    )
    assert r.status_code == 200, r.text
    assert r.headers["Content-Crs"] == f"<{EPSG4490}>"
    feats = r.json()["features"]
    assert [f["properties"]["change_id"] for f in feats] == ["p", "q"]
    lon, lat = lonlat(900, 0)
    assert feats[0]["geometry"]["coordinates"] == pytest.approx([lat, lon], abs=1e-6)
    west = c.get(ITEMS, params={"filter": f"scenario_id = {saved['west']}", "kind": "love_station"})
    assert [f["properties"]["name"] for f in west.json()["features"]] == ["乙"]
    q = c.get("/ogc/collections/planned_sites/queryables").json()["properties"]
    assert {"scenario_id", "scenario_name", "change_id", "op", "kind", "name"} <= set(q)
    bad = c.get(ITEMS, params={"filter": "phone = '1'"})
    assert bad.status_code == 400 and "phone" in bad.json()["message_en"]


# ----------------------------------------------------------------- GDAL

gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL tools not installed")


@pytest.fixture
def server(saved, database_url) -> Iterator[str]:
    base, proc = start_server(database_url)
    try:
        yield base
    finally:
        stop_server(proc)


def _ogrinfo(*args: str, headers: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "ON"}
    config = ["--config", "GDAL_HTTP_HEADERS", headers] if headers else []
    return subprocess.run(
        ["ogrinfo", "-ro", "--debug", "on", *config, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@gdal
def test_gdal_reads_planned_sites_with_the_token_and_a_cql2_filter_in_epsg_4490(
    server, database_url
) -> None:
    token = _login(database_url, "gis.planner", "planner")["Authorization"]
    dataset = f"OAPIF:{server}/ogc/collections/planned_sites?crs={EPSG4490}"
    run = _ogrinfo("-al", dataset, "-where", "op = 'add'", headers=f"Authorization: {token}")
    assert run.returncode == 0, run.stderr[-3000:]
    names = re.findall(r"^\s+change_id \(String\) = (.*)$", run.stdout, re.MULTILINE)
    assert names == ["p", "q"]
    fetched = re.findall(r"HTTP: Fetch\((\S+)\)\s*$", run.stderr, re.MULTILINE)
    assert any("filter=" in u and "/items" in u for u in fetched), fetched
    lon, lat = lonlat(900, 0)
    point = re.search(r"POINT \(([-0-9.]+) ([-0-9.]+)\)", run.stdout)
    assert point and (float(point[1]), float(point[2])) == pytest.approx((lat, lon), abs=1e-6)

    anonymous = _ogrinfo("-al", dataset)
    assert anonymous.returncode != 0
    assert "planned_sites" not in _ogrinfo("-so", f"OAPIF:{server}/ogc").stdout


def test_the_tileset_s_extent_says_nothing_of_planned_sites(
    saved, app_client, database_url
) -> None:
    c = app_client
    before = c.get("/ogc/tiles/WebMercatorQuad").json()["tileMatrixSetLimits"]
    planner = _login(database_url, "far.planner", "planner")
    far = {"op": "add", "lon": 116.4, "lat": 39.9, "crs": "wgs84", "id": "far", "name": "远方"}
    r = c.post("/api/v1/scenarios", json=_scenario("远方", [far]), headers=planner)
    assert r.status_code == 201, r.text
    assert c.get(ITEMS, headers=planner).json()["numberMatched"] == 5
    assert c.get("/ogc/tiles/WebMercatorQuad").json()["tileMatrixSetLimits"] == before
