"""#12 item 8: importing a station export again updates in place and creates nothing.

Re-importing ``yizhan export stations --format csv`` proposed 13 new stations: the
file's ``source`` column was ignored (every row got the file's name as its source), and
stations registered by staff, which have no (source, external id), could only be
recognised by the export's ``id`` column. Now both are honoured, and the dry run and the
real run count the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.stations.export import export_stations
from geo.stations.imports import import_stations
from tests.helpers.staff import dump_stations, station


def _count(db) -> int:
    return db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"]


@pytest.fixture
def stored(db, client, reviewer, staff, shared_data: Path) -> int:
    """Real stations from a list (with Amap ids), one list without ids, and stations
    registered through the API by a reviewer and by field staff (no record key)."""
    duchang = shared_data / "stations" / "duchang-gcj02.csv"
    assert import_stations(duchang, kind="love_station", crs="gcj02").counts["created"] == 11
    zhaoqing = shared_data / "stations" / "zhaoqing-gcj02.csv"
    assert import_stations(zhaoqing, kind="love_station", crs="gcj02").counts["created"] == 4
    for who, name, lon in ((reviewer, "福田街道爱心驿站", 114.0550), (staff, "华强北驿站", 114.09)):
        body = station(name=name, lon=lon, address=f"{name}地址")
        r = client.post("/api/v1/stations", json=body, headers=who)
        assert r.status_code == 201, r.text
    return _count(db)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_creates_nothing(db, stored: int, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"stations.{fmt}"
    assert export_stations(db, path, fmt, crs="gcj02") == stored
    before = dump_stations(db)

    dry = import_stations(path, kind="love_station", crs="gcj02", dry_run=True)
    assert dry.counts["problems"] == 0, dry.problems
    assert dry.counts["would_create"] == 0 and dry.counts["would_update"] == stored
    # No row is its own duplicate (two real Duchang stations do stand close together).
    assert all(c["name"] != d["name"] for d in dry.duplicates for c in d["candidates"])
    assert dump_stations(db) == before

    real = import_stations(path, kind="love_station", crs="gcj02")
    assert real.counts["created"] == 0
    assert real.counts["updated"] + real.counts["unchanged"] == dry.counts["would_update"]
    assert _count(db) == stored
    ids = db.execute("SELECT array_agg(id ORDER BY id) AS ids FROM stations").fetchone()["ids"]
    again = import_stations(path, kind="love_station", crs="gcj02")
    assert again.counts["created"] == 0 and again.counts["unchanged"] == stored
    assert db.execute("SELECT array_agg(id ORDER BY id) AS i FROM stations").fetchone()["i"] == ids


def test_a_given_source_still_wins_over_the_file_column(db, stored: int, tmp_path) -> None:
    path = tmp_path / "stations.csv"
    export_stations(db, path, "csv", crs="gcj02")
    dry = import_stations(path, kind="love_station", crs="gcj02", source="copy", dry_run=True)
    # Keyed rows now belong to the source "copy"; the keyless ones still match by id.
    assert dry.counts["would_create"] == stored - 2 and dry.counts["would_update"] == 2


def test_field_staff_reimporting_an_export_may_change_only_their_own(
    db, client, staff, stored: int, tmp_path: Path
) -> None:
    path = tmp_path / "stations.csv"
    export_stations(db, path, "csv", crs="gcj02")
    before = dump_stations(db)
    with path.open("rb") as f:
        r = client.post(
            "/api/v1/imports",
            files={"file": ("stations.csv", f, "text/csv")},
            data={"kind": "love_station", "crs": "gcj02"},
            headers=staff,
        )
    assert r.status_code == 200, r.text
    report = r.json()
    refused = [p for p in report["problems"] if p["code"] == "not_yours"]
    # Everything but the station field staff registered (their own draft, unchanged).
    assert len(refused) == stored - 1 == report["counts"]["problems"]
    assert report["counts"]["created"] == 0 and report["counts"]["updated"] == 0
    assert dump_stations(db) == before
