"""#12 item 10: a station row with a name and an address but no coordinates is kept as an
unlocated draft.

Such rows (64 of the 82 of the real Zhengzhou list) used to be only reported. Now they
are stored with their address and every other field and no position: never public, never
in coverage, nearest, OGC or the map; counted in the import report (``unlocated``);
re-imported in place (source + external id, or name + address); and an address-only row
of a station placed since never takes its position away. Staff list them (API, and
``yizhan stations unlocated`` in tests/cli) and place them (``locate``), after which they
follow the normal review flow; publishing one still without a position is refused.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import psycopg
import pytest

from geo.crs import to_wgs84_point
from geo.importers import import_districts
from geo.stations import sql as stations_sql
from geo.stations.export import export_stations
from geo.stations.imports import import_stations

FUTIAN = (114.055, 22.541)  # inside 福田 of the districts below (WGS-84)
ROWS = (
    "name,address,district,lng,lat,services\n"
    f"有坐标驿站,福华三路 88 号,福田区,{FUTIAN[0]},{FUTIAN[1]},饮水\n"
    "只有地址一号站,郑州市中原区翠竹街1号,高新区,,,饮水、热水\n"
    "只有地址二号站,郑州市金水区花园路 2 号,金水区,,,\n"
    "什么都没有站,,,,,\n"
)


@pytest.fixture
def districts(db, database_url, tmp_path) -> str:
    ring = [[114.03, 22.50], [114.09, 22.50], [114.09, 22.58], [114.03, 22.58], [114.03, 22.50]]
    path = tmp_path / "d.geojson"
    feature = {
        "type": "Feature",
        "properties": {"name": "福田"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False),
        encoding="utf-8",
    )
    import_districts(path, name_field="name", url=database_url)
    return database_url


def _write(tmp_path: Path, text: str = ROWS, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _stored(db) -> dict[str, dict]:
    rows = db.execute(
        "SELECT id, name, address, district, services, review_state, version, created_by,"
        " ST_X(geom) AS lon, ST_Y(geom) AS lat FROM stations ORDER BY id"
    ).fetchall()
    return {r["name"]: r for r in rows}


def _import(path: Path, url: str, **kw):
    return import_stations(path, kind="love_station", crs="wgs84", url=url, **kw)


def test_address_only_rows_are_kept_as_unlocated_drafts_with_every_field(
    db, districts, tmp_path
) -> None:
    report = _import(_write(tmp_path), districts)
    assert report.counts["unlocated"] == 2
    assert report.counts["created"] == 3
    assert [(p.row, p.code) for p in report.problems] == [(5, "no_coordinates")]
    assert "没有坐标也没有地址" in report.problems[0].reason_zh
    assert any("yizhan stations unlocated" in n for n in report.notes)
    stored = _stored(db)
    one = stored["只有地址一号站"]
    assert (one["lon"], one["lat"]) == (None, None)
    assert one["address"] == "郑州市中原区翠竹街1号"
    assert one["district"] == "高新区"  # the file's, kept: no position to take one from
    assert one["services"] == ["drinking_water", "hot_water"]
    assert one["review_state"] == "pending_review"  # a draft, though the CLI publishes
    assert stored["有坐标驿站"]["review_state"] == "approved"
    assert stored["有坐标驿站"]["district"] == "福田"
    audit = db.execute(
        "SELECT after FROM station_audit WHERE station_id = %s", (one["id"],)
    ).fetchone()
    assert audit["after"]["lon"] is None and audit["after"]["address"] == one["address"]


def test_reimport_and_dry_run_count_the_same_and_create_no_duplicates(
    db, districts, tmp_path
) -> None:
    path = _write(tmp_path)
    dry = _import(path, districts, dry_run=True)
    assert dry.counts["would_create"] == 3 and dry.counts["unlocated"] == 2
    first = _import(path, districts)
    assert first.counts["created"] == dry.counts["would_create"]
    again_dry = _import(path, districts, dry_run=True)
    again = _import(path, districts)
    assert again.counts["created"] == 0 and again.counts["unlocated"] == 2
    assert again_dry.counts["would_update"] == again.counts["updated"] + again.counts["unchanged"]
    assert len(_stored(db)) == 3
    # the same rows under other row numbers and without the located one: same records
    moved = "name,address\n只有地址二号站,郑州市金水区花园路 2 号\n"
    moved += "只有地址一号站,郑州市中原区翠竹街1号\n"
    third = _import(_write(tmp_path, moved), districts, source="list")
    assert third.counts["created"] == 0 and len(_stored(db)) == 3


def test_an_unlocated_station_is_never_public_nor_in_coverage(
    db, districts, tmp_path, client
) -> None:
    _import(_write(tmp_path), districts)
    ids = {r["name"]: r["id"] for r in _stored(db).values()}
    drafts = [ids["只有地址一号站"], ids["只有地址二号站"]]
    # the database refuses a published station without a position
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute("UPDATE stations SET review_state = 'approved' WHERE id = %s", (drafts[0],))
    # even one whose review state is forced past the check is no public station
    public = {r["id"] for r in stations_sql.public_positions(db)}
    assert public == {ids["有坐标驿站"]}
    page = client.get("/api/v1/stations").json()
    assert [f["id"] for f in page["features"]] == [ids["有坐标驿站"]]
    ogc = client.get("/ogc/collections/stations/items").json()
    assert [f["id"] for f in ogc["features"]] == [ids["有坐标驿站"]]
    for draft in drafts:
        assert client.get(f"/api/v1/stations/{draft}").status_code == 404
        assert client.get(f"/ogc/collections/stations/items/{draft}").status_code == 404
    near = client.get(f"/api/v1/stations/nearest?lon={FUTIAN[0]}&lat={FUTIAN[1]}&limit=50")
    assert [s["id"] for s in near.json()["stations"]] == [ids["有坐标驿站"]]
    import datetime as dt

    operating = stations_sql.operating_stations(db, "love_station", dt.date(2100, 1, 1))
    assert list(operating["id"]) == []  # the located one has no opening date; drafts never


def test_publishing_an_unlocated_station_is_refused_with_a_clear_409(
    db, districts, tmp_path, client, reviewer
) -> None:
    _import(_write(tmp_path), districts)
    draft = _stored(db)["只有地址一号站"]
    r = client.post(f"/api/v1/review/{draft['id']}/approve", json={}, headers=reviewer)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["code"] == "unlocated"
    assert "还没有位置" in body["message"] and "no position" in body["message_en"]
    assert _stored(db)["只有地址一号站"]["review_state"] == "pending_review"


def _locate(client, station, headers, **body):
    return client.post(
        f"/api/v1/staff/stations/{station['id']}/locate",
        json=body,
        headers={**headers, "If-Match": f'"{station["version"]}"'},
    )


def test_locating_converts_checks_assigns_the_district_and_stays_a_draft(
    db, districts, tmp_path, client, staff, reviewer
) -> None:
    _import(_write(tmp_path), districts, actor="wang.field")
    draft = _stored(db)["只有地址一号站"]
    glon, glat = 114.0600, 22.5450  # GCJ-02, as Amap gives it
    # outside the service area: 422, nothing changes
    far = _locate(client, draft, staff, lon=113.60, lat=34.80, crs="gcj02")
    assert far.status_code == 422 and "服务区域" in far.json()["message"]
    r = _locate(client, draft, staff, lon=glon, lat=glat, crs="gcj02")
    assert r.status_code == 200, r.text
    out = r.json()
    wlon, wlat = to_wgs84_point(glon, glat, "gcj02")
    assert out["lon"] == pytest.approx(wlon, abs=1e-9) and out["lat"] == pytest.approx(wlat)
    assert out["district"] == "福田"  # from the position, no longer the file's 高新区
    assert out["review_state"] == "pending_review"
    history = client.get(f"/api/v1/stations/{draft['id']}/history", headers=staff).json()
    last = history[-1]
    assert last["actor"] == "wang.field" and "located" in last["reason"]
    changed = {c["field"]: (c["from"], c["to"]) for c in last["changes"]}
    assert changed["lon"][0] is None and changed["lon"][1] == pytest.approx(wlon)
    assert changed["district"] == ("高新区", "福田")
    # placed again without --move: 409; with move: an ordinary move
    placed = _stored(db)["只有地址一号站"]
    again = _locate(client, placed, staff, lon=glon, lat=glat, crs="gcj02")
    assert again.status_code == 409 and again.json()["code"] == "already_located"
    moved = _locate(client, placed, staff, lon=glon + 0.001, lat=glat, crs="gcj02", move=True)
    assert moved.status_code == 200, moved.text
    assert moved.json()["lon"] > out["lon"]
    # now it can be published, and then it is public
    ok = client.post(f"/api/v1/review/{draft['id']}/approve", json={}, headers=reviewer)
    assert ok.status_code == 200, ok.text
    assert client.get(f"/api/v1/stations/{draft['id']}").status_code == 200


def test_locate_follows_the_roles_of_station_edits(
    db, districts, tmp_path, client, staff, reviewer, planner
) -> None:
    _import(_write(tmp_path), districts, actor="li.review")  # not wang.field's
    draft = _stored(db)["只有地址二号站"]
    here = {"lon": FUTIAN[0], "lat": FUTIAN[1], "crs": "wgs84"}
    assert _locate(client, draft, staff, **here).status_code == 403  # another's draft
    assert _locate(client, draft, planner, **here).status_code == 403  # not an editor
    assert _locate(client, draft, {}, **here).status_code == 401
    stale = {**draft, "version": draft["version"] + 1}
    assert _locate(client, stale, reviewer, **here).status_code == 412
    no_match = client.post(
        f"/api/v1/staff/stations/{draft['id']}/locate", json=here, headers=reviewer
    )
    assert no_match.status_code == 428
    # on top of the stored station: a possible duplicate, as for any new position
    dup = _locate(client, draft, reviewer, **here)
    assert dup.status_code == 409 and dup.json()["code"] == "possible_duplicate"
    r = _locate(client, draft, reviewer, **{**here, "lon": FUTIAN[0] + 0.01})
    assert r.status_code == 200, r.text
    assert r.json()["review_state"] == "pending_review"  # placed, still for review


def test_the_unlocated_listing_shows_field_staff_their_own_and_reviewers_all(
    db, districts, tmp_path, client, staff, reviewer, planner
) -> None:
    _import(_write(tmp_path), districts, actor="wang.field")
    _import(_write(tmp_path, "name,address\n别人的站,某路 9 号\n", "b.csv"), districts, actor="x")
    mine = client.get("/api/v1/staff/stations/unlocated", headers=staff)
    assert mine.status_code == 200, mine.text
    assert mine.json()["total"] == 2
    assert {s["name"] for s in mine.json()["items"]} == {"只有地址一号站", "只有地址二号站"}
    item = mine.json()["items"][0]
    assert item["address"] and item["district"] == "高新区" and item["source"] == "list"
    everyone = client.get("/api/v1/staff/stations/unlocated?limit=2", headers=reviewer).json()
    assert everyone["total"] == 3 and len(everyone["items"]) == 2
    assert client.get("/api/v1/staff/stations/unlocated", headers=planner).json()["total"] == 3
    assert client.get("/api/v1/staff/stations/unlocated").status_code == 401
    # the staff views show them with a null position
    listed = client.get("/api/v1/staff/stations", headers=reviewer).json()
    assert sum(s["lon"] is None for s in listed) == 3


def test_an_address_only_row_never_takes_away_a_position_given_since(
    db, districts, tmp_path, client, reviewer
) -> None:
    path = _write(tmp_path)
    _import(path, districts)
    draft = _stored(db)["只有地址一号站"]
    placed = _locate(client, draft, reviewer, lon=FUTIAN[0], lat=22.55, crs="wgs84")
    assert placed.status_code == 200, placed.text
    approved = client.post(f"/api/v1/review/{draft['id']}/approve", json={}, headers=reviewer)
    assert approved.status_code == 200, approved.text
    edited = ROWS.replace("饮水、热水", "饮水、热水、厕所")
    report = _import(_write(tmp_path, edited), districts)
    assert report.counts["unlocated"] == 1  # only 二号站 is still without a position
    after = _stored(db)["只有地址一号站"]
    assert (after["lon"], after["lat"]) == (FUTIAN[0], 22.55)
    assert after["review_state"] == "approved" and after["district"] == "福田"
    assert after["services"] == ["drinking_water", "hot_water", "toilet"]


def test_a_row_with_coordinates_places_a_stored_unlocated_station(db, districts, tmp_path) -> None:
    _import(_write(tmp_path), districts)
    placed = ROWS.replace("翠竹街1号,高新区,,", f"翠竹街1号,高新区,{FUTIAN[0]},{FUTIAN[1] + 0.01}")
    report = _import(_write(tmp_path, placed), districts)
    assert report.counts["created"] == 0 and report.counts["unlocated"] == 1
    one = _stored(db)["只有地址一号站"]
    assert one["lon"] == FUTIAN[0] and one["district"] == "福田"


def test_an_export_with_unlocated_stations_imports_again_in_place(db, districts, tmp_path) -> None:
    _import(_write(tmp_path), districts)
    for fmt in ("csv", "geojson"):
        out = tmp_path / f"all.{fmt}"
        assert export_stations(db, out, fmt) == 3
    with (tmp_path / "all.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    assert rows["只有地址一号站"]["lng"] == "" and rows["只有地址一号站"]["lat"] == ""
    features = json.loads((tmp_path / "all.geojson").read_text(encoding="utf-8"))["features"]
    assert sum(f["geometry"] is None for f in features) == 2
    again = _import(tmp_path / "all.csv", districts)
    assert again.counts["created"] == 0 and again.counts["unlocated"] == 2
    assert len(_stored(db)) == 3


@pytest.mark.realcity
def test_real_zhengzhou_list_keeps_its_64_address_only_rows_as_unlocated_drafts(
    shared_data, db, database_url
) -> None:
    path = shared_data / "stations" / "zhengzhou-gcj02.csv"
    report = import_stations(path, kind="love_station", crs="gcj02", url=database_url)
    assert report.counts["unlocated"] == 64
    assert report.counts["created"] == 82
    assert report.problems == []
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    address_only = {r["name"]: r for r in rows if not r["lat_gcj02"].strip()}
    stored = db.execute(
        "SELECT name, address, district, review_state FROM stations WHERE geom IS NULL"
    ).fetchall()
    assert len(stored) == 64
    for s in stored:
        given = address_only[s["name"]]
        assert (s["address"], s["district"]) == (given["address"], given["district"])
        assert s["review_state"] == "pending_review"
    located = db.execute(
        "SELECT count(*) AS n FROM stations WHERE geom IS NOT NULL AND review_state = 'approved'"
    ).fetchone()
    assert located["n"] == 18
    again = import_stations(path, kind="love_station", crs="gcj02", url=database_url)
    assert again.counts["created"] == 0 and again.counts["unlocated"] == 64
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 82


def test_editing_an_unlocated_draft_keeps_it_unlocated_and_a_patch_may_place_it(
    db, districts, tmp_path, client, staff
) -> None:
    _import(_write(tmp_path), districts, actor="wang.field")
    draft = _stored(db)["只有地址二号站"]
    etag = {**staff, "If-Match": f'"{draft["version"]}"'}
    r = client.patch(
        f"/api/v1/stations/{draft['id']}", json={"phone": "0371-1234567"}, headers=etag
    )
    assert r.status_code == 200, r.text
    assert (r.json()["lon"], r.json()["lat"]) == (None, None)
    assert r.json()["district"] == "金水区"  # no position to take another from
    etag = {**staff, "If-Match": f'"{r.json()["version"]}"'}
    here = {"lon": FUTIAN[0] + 0.01, "lat": FUTIAN[1], "crs": "wgs84"}
    placed = client.patch(f"/api/v1/stations/{draft['id']}", json=here, headers=etag)
    assert placed.status_code == 200, placed.text
    assert (
        placed.json()["lon"] == pytest.approx(here["lon"]) and placed.json()["district"] == "福田"
    )
