"""#12 item 6: a station's district is the district its position lies in.

Stations used to keep whatever district a file or a person gave (null for every imported
one), so OGC ``?district=`` found nothing. Now the position decides: on import (one query
for the file; a file's district that the polygons contradict is reported and the row
still imported), on create, on a move (a field staff move is a revision whose change
includes the district), and again for every station when districts are re-imported.
"""

from __future__ import annotations

import json

import pytest

from geo.importers import import_districts
from geo.stations.imports import import_stations
from tests.helpers.staff import station

FUTIAN = 114.055  # lon inside 福田 (the helpers' default station)
LUOHU = 114.080  # lon inside 罗湖 before the border moves, inside 福田 after


def _districts(path, border: float) -> str:
    """福田 west of ``border``, 罗湖 east of it (lat 22.50-22.58)."""

    def box(name: str, x0: float, x1: float) -> dict:
        ring = [[x0, 22.50], [x1, 22.50], [x1, 22.58], [x0, 22.58], [x0, 22.50]]
        return {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }

    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [box("福田", 114.03, border), box("罗湖", border, 114.12)],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return str(path)


@pytest.fixture
def districts(db, database_url, tmp_path) -> str:
    import_districts(
        _districts(tmp_path / "d1.geojson", 114.06), name_field="name", url=database_url
    )
    return database_url


def _district_of(db, station_id: int) -> str | None:
    return db.execute("SELECT district FROM stations WHERE id = %s", (station_id,)).fetchone()[
        "district"
    ]


def test_an_import_assigns_districts_by_position_and_reports_a_contradicting_file(
    db, districts, tmp_path, client
) -> None:
    path = tmp_path / "stations.csv"
    path.write_text(
        "id,name,lng,lat,district\n"
        f"a1,福田一号站,{FUTIAN},22.541,罗湖区\n"
        f"a2,罗湖一号站,{LUOHU},22.541,\n"
        f"a3,福田二号站,{FUTIAN},22.561,福田区\n",
        encoding="utf-8",
    )
    report = import_stations(path, kind="love_station", crs="wgs84", url=districts)
    assert report.counts["created"] == 3, report
    stored = {
        r["external_id"]: r["district"]
        for r in db.execute("SELECT external_id, district FROM stations").fetchall()
    }
    assert stored == {"a1": "福田", "a2": "罗湖", "a3": "福田"}
    assert report.district_mismatches == [
        {"row": 2, "name": "福田一号站", "file_district": "罗湖区", "district": "福田"}
    ]
    assert any("row 2: 罗湖区 → 福田" in note for note in report.notes), report.notes
    ogc = client.get("/ogc/collections/stations/items?district=福田").json()
    assert sorted(f["properties"]["name"] for f in ogc["features"]) == ["福田一号站", "福田二号站"]


def test_a_created_station_gets_the_district_of_its_position(
    db, districts, client, reviewer
) -> None:
    r = client.post("/api/v1/stations", json=station(district="南山"), headers=reviewer)
    assert r.status_code == 201, r.text
    assert r.json()["district"] == "福田"
    assert client.get(f"/api/v1/stations/{r.json()['id']}").json()["district"] == "福田"


def test_a_move_changes_the_district_and_a_field_staff_move_proposes_it(
    db, districts, client, reviewer, staff
) -> None:
    row = client.post("/api/v1/stations", json=station(), headers=reviewer).json()
    move = {"lon": LUOHU, "lat": 22.541, "crs": "wgs84"}
    r = client.patch(
        f"/api/v1/stations/{row['id']}",
        json=move,
        headers={**staff, "If-Match": f'"{row["version"]}"'},
    )
    assert r.status_code == 202, r.text
    diff = {d["field"]: (d["before"], d["proposed"]) for d in r.json()["diff"]}
    assert diff["district"] == ("福田", "罗湖")
    assert _district_of(db, row["id"]) == "福田"  # not until a reviewer approves
    ok = client.post(
        f"/api/v1/review/revisions/{r.json()['id']}/approve", json={}, headers=reviewer
    )
    assert ok.status_code == 200, ok.text
    assert client.get(f"/api/v1/stations/{row['id']}").json()["district"] == "罗湖"
    # A reviewer's move writes it at once; a district the position contradicts is overruled.
    now = client.get(f"/api/v1/staff/stations/{row['id']}", headers=reviewer).json()
    back = {"lon": FUTIAN, "lat": 22.541, "crs": "wgs84", "district": "罗湖"}
    r = client.patch(
        f"/api/v1/stations/{row['id']}",
        json=back,
        headers={**reviewer, "If-Match": f'"{now["version"]}"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["district"] == "福田"


def test_reimported_districts_reassign_the_stations_audited(
    db, districts, client, reviewer, tmp_path
) -> None:
    ids = []
    for lon, name in ((FUTIAN, "西站"), (LUOHU, "东站")):
        body = station(name=name, lon=lon)
        r = client.post("/api/v1/stations", json=body, headers=reviewer)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    assert [_district_of(db, i) for i in ids] == ["福田", "罗湖"]
    report = import_districts(
        _districts(tmp_path / "d2.geojson", 114.09),
        name_field="name",
        url=districts,
        actor="gis.officer",
    )
    assert report.counts["stations_reassigned"] == 1
    assert [_district_of(db, i) for i in ids] == ["福田", "福田"]
    audit = db.execute(
        "SELECT actor, before->>'district' AS was, after->>'district' AS now"
        " FROM station_audit WHERE station_id = %s ORDER BY id DESC LIMIT 1",
        (ids[1],),
    ).fetchone()
    assert dict(audit) == {"actor": "gis.officer", "was": "罗湖", "now": "福田"}
