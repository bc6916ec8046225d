"""The Import page (#13 "Import"): the dry run's ``preview`` (the rows to import with
their WGS-84 positions, bounded by ``YIZHAN_IMPORT_PREVIEW_ROWS``), the page's role
check, and in a real Chromium an importer's walk: preview a GCJ-02 file with
address-only rows on a map and a table, confirm, see the report, place one address-only
row on the Unlocated page; the datum warning and its "use the likely datum"; a bad file's
error; a big file's job progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.crs import from_wgs84, gcj02_to_wgs84, wgs84_to_gcj02
from tests.helpers.cities import load_district, load_streets, lonlat
from tests.helpers.imports import app_with, upload

# Streets 400 m apart over 4.8 × 4.8 km (a main-roads export), and the district around
# them: the datum check has a network to judge the file against.
GRID = [
    {"name": f"横{i}路", "coords": [(0.0, 400.0 * i), (4800.0, 400.0 * i)]} for i in range(13)
] + [{"name": f"纵{i}路", "coords": [(400.0 * i, 0.0), (400.0 * i, 4800.0)]} for i in range(13)]
# Ten stations 8–15 m beside the streets in the grid's middle (metres east, north).
SPOTS = [
    (1350, 1610),
    (1810, 2012),
    (2210, 2500),
    (2990, 1592),
    (3410, 2790),
    (1588, 3200),
    (2400, 3210),
    (3210, 1850),
    (2790, 2990),
    (2005, 2700),
]
ADDRESS_ONLY = ["翠竹街爱心驿站", "花园路爱心驿站"]


def station_csv(path: Path, crs: str = "gcj02", *, spots=SPOTS, problem: bool = True) -> Path:
    """Stations at ``spots`` written in ``crs``, two address-only rows (rows 3 and 6 of
    the file) and, with ``problem``, a row with a latitude out of range."""
    wgs = [lonlat(x, y) for x, y in spots]
    lon, lat = from_wgs84([p[0] for p in wgs], [p[1] for p in wgs], crs)
    lines = ["id,name,address,lng,lat"]
    located = [
        f"s{i},{i}号驿站,测试路{i}号,{x:.6f},{y:.6f}"
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    lines += located[:1]
    lines.append(f"a0,{ADDRESS_ONLY[0]},郑州市中原区翠竹街1号,,")
    lines += located[1:3]
    lines.append(f"a1,{ADDRESS_ONLY[1]},郑州市金水区花园路2号,,")
    if problem:
        lines.append("bad,坏坐标驿站,某路,114.05,95.0")
    lines += located[3:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def city(db) -> None:
    load_streets(db, GRID)
    load_district(db, "测试区", (-500.0, -500.0, 5300.0, 5300.0))


# ------------------------------------------------------------------ the preview field


def test_a_dry_run_previews_the_rows_to_import_in_wgs84_bounded_and_null_for_address_only(
    database_url, city, reviewer, tmp_path
) -> None:
    content = station_csv(tmp_path / "s.csv").read_bytes()
    with app_with(database_url, YIZHAN_IMPORT_PREVIEW_ROWS=4) as client:
        r = upload(client, reviewer, content, crs="gcj02", dry_run=True)
    assert r.status_code == 200, r.text[:2000]
    report = r.json()
    assert report["counts"]["valid"] == 12 and report["counts"]["unlocated"] == 2
    assert report["datum"]["outcome"] == "fits"  # the grid judges the file: it is GCJ-02
    preview = report["preview"]
    # The first four rows to import in file order; the problem row (6) is not one.
    assert [p["row"] for p in preview] == [2, 3, 4, 5]
    assert [p["name"] for p in preview] == ["0号驿站", ADDRESS_ONLY[0], "1号驿站", "2号驿站"]
    assert {p["kind"] for p in preview} == {"love_station"}
    assert preview[1]["lon"] is None and preview[1]["lat"] is None  # address only
    # Positions in WGS-84: the file's GCJ-02 converted back, not the file's numbers.
    x, y = lonlat(*SPOTS[0])
    gx, gy = (round(float(v), 6) for v in wgs84_to_gcj02(x, y))
    wx, wy = (float(v) for v in gcj02_to_wgs84(gx, gy))
    assert preview[0]["lon"] == pytest.approx(wx, abs=1e-7)
    assert preview[0]["lat"] == pytest.approx(wy, abs=1e-7)
    assert abs(preview[0]["lon"] - gx) > 1e-3


def test_the_preview_lists_every_row_up_to_the_default_and_an_import_lists_none(
    client, city, reviewer, tmp_path, db
) -> None:
    content = station_csv(tmp_path / "s.csv").read_bytes()
    dry = upload(client, reviewer, content, crs="gcj02", dry_run=True).json()
    assert len(dry["preview"]) == 12  # under YIZHAN_IMPORT_PREVIEW_ROWS (500)
    assert sum(p["lon"] is None for p in dry["preview"]) == 2
    done = upload(client, reviewer, content, crs="gcj02")
    assert done.status_code == 200, done.text[:2000]
    assert done.json()["preview"] == [] and done.json()["counts"]["created"] == 12
