"""#11 item 1: a field staff import cannot overwrite a station it did not create.

The review's attack: an import with the demo bookshops' source name and a row
``id=work-01,name=DEFACED…`` renamed a published station, wiped its fields and took it off
the public map. Now such a row is refused by name, and only the importer's own stations
change: drafts directly, published ones through a revision.
"""

from __future__ import annotations

from tests.helpers.staff import dump_stations

SOURCE = "demo:stations-bookshops"
HEADER = "名称,地址,经度,纬度,服务,开放时间,编号"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _upload(client, headers, content: bytes, **form) -> dict:
    data = {"kind": "worker_bookshop", "crs": "wgs84", "source": SOURCE, **form}
    r = client.post(
        "/api/v1/imports",
        files={"file": ("list.csv", content, "text/csv")},
        data=data,
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return r.json()


GOOD = "职工书屋,福田区福华路 1 号,114.0550,22.5410,图书,Mo-Su 09:00-18:00,work-01"
DEFACED = "DEFACED 已被篡改,,114.0550,22.5410,,,work-01"


def _public_names(client) -> list[str]:
    body = client.get("/api/v1/stations?kind=worker_bookshop&limit=100").json()
    return [f["properties"]["name"] for f in body["features"]]


def test_a_field_staff_import_cannot_deface_a_published_station(client, reviewer, staff, db):
    assert _upload(client, reviewer, _csv(GOOD))["counts"]["created"] == 1
    before = dump_stations(db)
    report = _upload(client, staff, _csv(DEFACED))
    assert report["counts"]["created"] == 0 and report["counts"]["updated"] == 0
    [problem] = report["problems"]
    assert problem["row"] == 2 and problem["code"] == "not_yours"
    assert "li.review" in problem["reason_zh"] and "work-01" in problem["reason_en"]
    assert dump_stations(db) == before
    assert _public_names(client) == ["职工书屋"]


def test_a_dry_run_names_the_refused_rows_too(client, reviewer, staff, db) -> None:
    _upload(client, reviewer, _csv(GOOD))
    report = _upload(client, staff, _csv(DEFACED), dry_run="true")
    assert [p["code"] for p in report["problems"]] == ["not_yours"]
    assert report["counts"]["would_update"] == 0


def test_own_published_stations_get_revisions_from_a_reimport(client, staff, reviewer, db):
    first = _upload(client, staff, _csv(GOOD))
    assert first["counts"]["created"] == 1
    [row] = client.get("/api/v1/review", headers=reviewer).json()
    assert client.post(f"/api/v1/review/{row['id']}/approve", json={}, headers=reviewer).is_success
    changed = _csv(GOOD.replace("Mo-Su 09:00-18:00", "Mo-Fr 09:00-17:00"))
    report = _upload(client, staff, changed)
    assert report["counts"]["revisions"] == 1 and report["counts"]["updated"] == 0
    [revision] = client.get("/api/v1/review/revisions", headers=reviewer).json()
    assert revision["station_id"] == row["id"]
    assert [(d["field"], d["proposed"]) for d in revision["diff"]] == [
        ("opening_hours", "Mo-Fr 09:00-17:00")
    ]
    public = client.get(f"/api/v1/stations/{row['id']}").json()
    assert public["opening_hours"] == "Mo-Su 09:00-18:00"
    # Importing the same file again proposes nothing new... but the open revision stays.
    assert _upload(client, staff, _csv(GOOD))["counts"].get("revisions") is None


def test_own_drafts_are_updated_directly_and_stay_pending(client, staff, db) -> None:
    _upload(client, staff, _csv(GOOD))
    report = _upload(client, staff, _csv(GOOD.replace("职工书屋", "福华职工书屋")))
    assert report["counts"]["updated"] == 1
    row = db.execute("SELECT name, review_state FROM stations").fetchone()
    assert (row["name"], row["review_state"]) == ("福华职工书屋", "pending_review")
