"""#12 item 9: a station file declared in the wrong datum is stopped, not stored ~600 m off.

A GCJ-02 file declared ``--crs wgs84`` used to import silently, every station in the
wrong block. Now the import compares the median distance of the rows to the stored walk
network read in each of WGS-84, GCJ-02 and BD-09 (``geo.stations.datum``) and stops,
naming the likely ``--crs`` and the medians, with nothing stored; ``--force`` /
``force=true`` imports anyway and the report says so; a dry run reports the same
finding; with no streets the check is skipped and the notes say so.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo.crs import from_wgs84
from geo.errors import DatumMismatch
from geo.importers import import_streets
from geo.stations.imports import import_stations
from tests.helpers.cities import load_streets, lonlat
from tests.helpers.cli import yizhan
from tests.helpers.imports import upload, wait_for_job

# A sparse grid of streets 400 m apart over 4.8 × 4.8 km (as a main-roads export is).
GRID = [
    {"name": f"横{i}路", "coords": [(0.0, 400.0 * i), (4800.0, 400.0 * i)]} for i in range(13)
] + [{"name": f"纵{i}路", "coords": [(400.0 * i, 0.0), (400.0 * i, 4800.0)]} for i in range(13)]

# Twelve stations 8–15 m beside the streets in the grid's middle, in WGS-84 (lon, lat):
# moved 600 m by a wrong datum they are still inside the streets' area.
TRUE = [
    lonlat(x + 1200.0, y + 1200.0)
    for x, y in [
        (150, 410),
        (610, 812),
        (1010, 1300),
        (1790, 392),
        (2210, 1590),
        (388, 2000),
        (1200, 2010),
        (2010, 650),
        (1590, 1790),
        (805, 1500),
        (1400, 1212),
        (2390, 2200),
    ]
]


def _csv(path: Path, crs: str) -> Path:
    lon, lat = from_wgs84([p[0] for p in TRUE], [p[1] for p in TRUE], crs)
    lines = ["id,name,lng,lat"] + [
        f"s{i},{i}号驿站,{x:.6f},{y:.6f}" for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def streets(db) -> None:
    load_streets(db, GRID)


def _stations(db) -> int:
    return db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"]


def _imports(db) -> int:
    return db.execute("SELECT count(*) AS n FROM import_log").fetchone()["n"]


def test_a_gcj02_file_declared_wgs84_is_stopped_naming_gcj02_and_storing_nothing(
    db, streets, database_url, tmp_path
) -> None:
    before = _imports(db)
    with pytest.raises(DatumMismatch) as err:
        import_stations(
            _csv(tmp_path / "s.csv", "gcj02"), kind="love_station", crs="wgs84", url=database_url
        )
    d = err.value.details
    assert d["outcome"] == "mismatch" and d["declared"] == "wgs84" and d["likely"] == "gcj02"
    assert d["rows_compared"] == 12
    assert d["medians_m"]["gcj02"] < 16 < 50 < d["medians_m"]["wgs84"], d
    assert "--crs gcj02" in err.value.zh and "--crs gcj02" in err.value.en
    assert "wgs84" in err.value.en and "m" in err.value.en
    assert _stations(db) == 0 and _imports(db) == before


def test_a_bd09_file_declared_gcj02_is_stopped_naming_bd09(db, streets, database_url, tmp_path):
    with pytest.raises(DatumMismatch) as err:
        import_stations(
            _csv(tmp_path / "s.csv", "bd09"), kind="love_station", crs="gcj02", url=database_url
        )
    assert err.value.details["likely"] == "bd09"
    assert _stations(db) == 0


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_a_file_in_its_declared_datum_imports_and_fits(db, streets, database_url, tmp_path, crs):
    report = import_stations(
        _csv(tmp_path / "s.csv", crs), kind="love_station", crs=crs, url=database_url
    )
    assert report.counts["created"] == 12
    assert report.datum["outcome"] == "fits" and report.datum["likely"] is None
    assert report.datum["medians_m"][crs] < 16


def test_force_imports_the_declared_datum_and_the_report_says_so(
    db, streets, database_url, tmp_path
) -> None:
    report = import_stations(
        _csv(tmp_path / "s.csv", "gcj02"),
        kind="love_station",
        crs="wgs84",
        force=True,
        url=database_url,
    )
    assert report.counts["created"] == 12
    assert report.datum["forced"] and report.datum["likely"] == "gcj02"
    assert any("--force" in n and "gcj02" in n for n in report.notes), report.notes
    logged = db.execute("SELECT options FROM import_log ORDER BY id DESC LIMIT 1").fetchone()
    assert logged["options"]["force"] is True


def test_a_dry_run_reports_the_same_finding_and_stores_nothing(
    db, streets, database_url, tmp_path
) -> None:
    report = import_stations(
        _csv(tmp_path / "s.csv", "gcj02"),
        kind="love_station",
        crs="wgs84",
        dry_run=True,
        url=database_url,
    )
    assert report.datum["outcome"] == "mismatch" and report.datum["likely"] == "gcj02"
    assert any("would stop unless --crs gcj02 or --force" in n for n in report.notes)
    assert report.counts["would_create"] == 12 and _stations(db) == 0


def test_without_streets_the_check_is_skipped_and_the_notes_say_so(
    db, database_url, tmp_path
) -> None:
    report = import_stations(
        _csv(tmp_path / "s.csv", "gcj02"), kind="love_station", crs="wgs84", url=database_url
    )
    assert report.counts["created"] == 12
    assert report.datum["outcome"] == "skipped"
    assert any("datum not checked: no streets loaded" in n for n in report.notes)


def test_too_few_rows_near_the_streets_skip_the_check(db, streets, database_url, tmp_path):
    path = tmp_path / "s.csv"
    rows = _csv(tmp_path / "all.csv", "gcj02").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(rows[:6]) + "\n", encoding="utf-8")  # 5 rows < 8
    report = import_stations(path, kind="love_station", crs="wgs84", url=database_url)
    assert report.datum["outcome"] == "skipped" and report.counts["created"] == 5
    assert any("too few rows near the streets" in n for n in report.notes)


def test_a_right_list_reaching_beyond_the_streets_is_not_taken_for_another_datum(
    db, streets, database_url, tmp_path
) -> None:
    """Stations east of the loaded streets come closer to them in any datum that moves
    them west; only the rows among the streets judge the datum."""
    beyond = [lonlat(4800.0 + 300.0 + 90.0 * i, 500.0 + 310.0 * i) for i in range(12)]
    lines = ["id,name,lng,lat"] + [
        f"s{i},{i}号驿站,{x:.7f},{y:.7f}" for i, (x, y) in enumerate([*TRUE, *beyond])
    ]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_stations(path, kind="love_station", crs="wgs84", url=database_url)
    assert report.counts["created"] == 24
    assert report.datum["outcome"] == "fits" and report.datum["rows_compared"] == 12


def test_the_cli_stops_with_status_2_and_force_imports(db, streets, database_url, tmp_path):
    path = str(_csv(tmp_path / "s.csv", "gcj02"))
    args = ("import", "stations", path, "--kind", "love_station", "--crs", "wgs84")
    refused = yizhan(*args, url=database_url)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    out = refused.stdout + refused.stderr
    assert "--crs gcj02" in out and "不是声明的 wgs84" in out
    assert _stations(db) == 0
    dry = yizhan(*args, "--dry-run", url=database_url)
    assert dry.returncode == 0 and "would stop unless" in dry.stdout
    forced = yizhan(*args, "--force", url=database_url)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "--force" in forced.stdout and _stations(db) == 12
    right = yizhan(
        "import", "stations", path, "--kind", "love_station", "--crs", "gcj02", url=database_url
    )
    assert right.returncode == 0 and "the declared datum gcj02 fits the streets" in right.stdout


def test_the_api_answers_422_and_force_true_imports_in_the_request_and_as_a_job(
    db, streets, client, reviewer, tmp_path
) -> None:
    content = _csv(tmp_path / "s.csv", "gcj02").read_bytes()
    r = upload(client, reviewer, content)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "datum_mismatch" and body["details"]["likely"] == "gcj02"
    assert "--crs gcj02" in body["message"] and "--crs gcj02" in body["message_en"]
    assert _stations(db) == 0

    job = upload(client, reviewer, content, run_async=True)
    assert job.status_code == 202
    failed = wait_for_job(client, reviewer, job.headers["Location"])
    assert failed["state"] == "failed" and failed["error"]["code"] == "datum_mismatch"
    assert _stations(db) == 0

    job = upload(client, reviewer, content, run_async=True, force=True)
    done = wait_for_job(client, reviewer, job.headers["Location"])
    assert done["state"] == "succeeded", done
    assert done["result"]["datum"]["forced"] is True
    assert _stations(db) == 12


# -- real data ---------------------------------------------------------------------------


def _beside_main_streets(streets_file: Path, n: int, off_m: float) -> list[tuple[float, float]]:
    """``n`` positions ``off_m`` beside the middle of the longest named main-road segments
    of a real street file (where stations stand: on the pavement of a main road)."""
    data = json.loads(streets_file.read_text(encoding="utf-8"))
    to_m = Transformer.from_crs(4326, 32650, always_xy=True)
    back = Transformer.from_crs(32650, 4326, always_xy=True)
    named = [
        shapely.transform(
            shapely.geometry.shape(f["geometry"]),
            lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])),
        )
        for f in data["features"]
        if f["properties"].get("name")
        and f["properties"].get("highway") in ("primary", "secondary", "tertiary")
    ]
    named.sort(key=lambda g: -g.length)
    out: list[tuple[float, float]] = []
    for line in named:
        mid = line.interpolate(0.5, normalized=True)
        if any(mid.distance(shapely.Point(to_m.transform(*p))) < 300 for p in out):
            continue  # one station per block, as real lists have
        ahead = line.interpolate(min(0.5 * line.length + 1.0, line.length))
        dx, dy = ahead.x - mid.x, ahead.y - mid.y
        norm = float(np.hypot(dx, dy)) or 1.0
        out.append(back.transform(mid.x - dy / norm * off_m, mid.y + dx / norm * off_m))
        if len(out) == n:
            break
    return out


def test_real_futian_streets_stop_a_gcj02_list_declared_wgs84_and_real_lists_elsewhere_pass(
    db, database_url, shared_data, tmp_path
) -> None:
    import_streets(shared_data / "shenzhen-futian" / "streets.geojson", url=database_url)
    true = _beside_main_streets(shared_data / "shenzhen-futian" / "streets.geojson", 20, 12.0)
    lon, lat = from_wgs84([p[0] for p in true], [p[1] for p in true], "gcj02")
    path = tmp_path / "futian-gcj02.csv"
    rows = [
        f"f{i},福田{i}号驿站,{x:.6f},{y:.6f}" for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    path.write_text("id,name,lng_gcj02,lat_gcj02\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DatumMismatch) as err:
        import_stations(path, kind="love_station", crs="wgs84", url=database_url)
    medians = err.value.details["medians_m"]
    assert err.value.details["likely"] == "gcj02", medians
    assert _stations(db) == 0
    right = import_stations(path, kind="love_station", crs="gcj02", url=database_url)
    assert right.datum["outcome"] == "fits" and right.counts["created"] == 20

    # The real GCJ-02 lists lie in other cities, hundreds of km from these streets: they
    # are never judged by them (no false alarm, whatever they are declared in).
    for name in ("zhengzhou-gcj02.csv", "duchang-gcj02.csv", "zhaoqing-gcj02.csv"):
        for crs in ("gcj02", "wgs84"):
            report = import_stations(
                shared_data / "stations" / name,
                kind="love_station",
                crs=crs,
                dry_run=True,
                url=database_url,
            )
            assert report.datum["outcome"] == "skipped", (name, report.datum)
            assert report.datum["reason"] == "too few rows near the streets"


def test_real_lists_without_streets_import_with_the_check_skipped(
    db, database_url, shared_data
) -> None:
    report = import_stations(
        shared_data / "stations" / "duchang-gcj02.csv",
        kind="love_station",
        crs="gcj02",
        url=database_url,
    )
    assert report.counts["created"] == 11
    assert any("no streets loaded" in n for n in report.notes)
