"""#12: the data health, and one messy city with every problem of the issue in it.

The messy city (``tests/helpers/messy.py``) is imported the way staff import a real one,
through the CLI: each problem is either fixed and counted (doubled ways, levels at
crossings, roads nobody walks on, address-only rows) or refused with a clear line (the
wrong datum), and ``yizhan db status``, the report and ``/api/v1/summary`` list what is
left in one "data health" section.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from geo.health import data_health
from geo.report import report_data
from geo.settings import LookupSettings
from maps.coverage_report import render_html
from tests.helpers import messy
from tests.helpers.cli import yizhan

AS_OF = dt.date(2026, 12, 1)


def _counts(out: str) -> dict[str, str]:
    """The rows of an import's summary table: ``│ key │ value │``."""
    return dict(re.findall(r"│ (\w+) +│ (.+?) +│", out))


@pytest.fixture
def imported(db, database_url, tmp_path):
    city = messy.write(tmp_path)
    run = lambda *a: yizhan(*a, url=database_url)  # noqa: E731
    out = run("import", "districts", str(city.districts), "--name-field", "name", "--all-key")
    assert out.returncode == 0, out.stderr
    streets = run("import", "streets", str(city.streets))
    assert streets.returncode == 0, streets.stderr
    stations = [
        "import", "stations", str(city.stations), "--kind", "love_station",
        "--lon-field", "lng", "--lat-field", "lat",
    ]  # fmt: skip
    wrong = run(*stations, "--crs", "wgs84")
    right = run(*stations, "--crs", "gcj02")
    return {"streets": streets, "wrong": wrong, "right": right, "city": city}


def test_the_messy_street_file_is_fixed_and_counted(imported) -> None:
    c = _counts(imported["streets"].stdout)
    # 长乐路 written twice (9 segments) and a footway doubling back: merged, counted
    assert c["doubled_segments_merged"] == "10"
    # the elevated road and the tunnel cross the 10 north-south streets, the footbridge
    # crosses 巨鹿路 and ends on 常熟路: 22 crossings on other levels kept apart, the 100
    # junctions of the grid (shared vertices) joined
    assert c["crossings_kept_apart"] == "22" and c["crossings_at_shared_vertices"] == "100"
    assert c["crossings_noded"] == "0"
    # 延安高架路 (elevated trunk) and the motorway are out of the walk network; the
    # former, a main street by class, is out of the main streets too
    assert c["not_walkable_roads"] == "2" and c["not_walkable_main_streets"] == "1"
    # main streets: 长乐路 once (1.8 km), 陕西南路 (1.8 km), 人民路隧道 (2 km), not the
    # elevated road (before #12: 7.599 km, with 长乐路 twice and 延安高架路)
    assert float(c["main_street_km"]) == pytest.approx(5.598, abs=0.002)
    # the grid, the island, the tunnel and the footbridge
    assert c["network_pieces"] == "4"


def test_a_wrong_datum_is_refused_and_address_only_rows_are_kept(imported, db) -> None:
    wrong = imported["wrong"]
    assert wrong.returncode == 2
    assert "--crs gcj02" in wrong.stdout + wrong.stderr
    right = _counts(imported["right"].stdout)
    assert imported["right"].returncode == 0, imported["right"].stderr
    assert right["created"] == str(len(messy.PLACED) + len(messy.ADDRESS_ONLY))
    assert right["unlocated"] == str(len(messy.ADDRESS_ONLY)) and right["problems"] == "0"


def _by_key(findings: list[dict]) -> dict[str, dict]:
    return {f["key"]: f for f in findings}


def test_data_health_lists_what_is_left(imported, db) -> None:
    h = _by_key(data_health(db, LookupSettings(), today=AS_OF))
    assert h["walk_pieces"]["level"] == "warn" and h["walk_pieces"]["figure"] == 4
    assert h["stations_on_small_pieces"]["level"] == "warn"
    (island,) = h["stations_on_small_pieces"]["items"]
    assert "绿地驿站" in island and island.endswith("：244 m")  # the island loop's length
    assert h["stations_off_network"]["level"] == "ok"
    assert h["doubled_ways"]["level"] == "info" and h["doubled_ways"]["figure"] == 10
    assert h["crossings"]["figure"] == 0
    assert h["not_walkable"]["level"] == "info" and h["not_walkable"]["figure"] == 2
    assert any("高架" in i for i in h["not_walkable"]["items"])
    assert h["unlocated_stations"]["level"] == "warn"
    assert h["unlocated_stations"]["figure"] == len(messy.ADDRESS_ONLY)
    assert h["stations_without_district"]["level"] == "ok"


def test_db_status_shows_the_data_health(imported, database_url) -> None:
    out = yizhan("db", "status", url=database_url)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "数据健康 / data health:" in text
    assert "! 步行路网共 4 块" in text
    assert "绿地驿站" in text
    assert "· 上次导入街道（streets.geojson）合并了重复路段 10 段" in text
    assert "高架干道（无人行道）" in text
    assert (
        "unlocated stations: 3 (the console's Unlocated page, or yizhan stations unlocated)" in text
    )
    assert "✓ 不在任何已导入区域内（无所属区域）的站点：0 座" in text


def test_a_station_outside_every_district_is_a_warning(db, database_url, tmp_path) -> None:
    from tests.helpers.nearest_city import add_station

    city = messy.write(tmp_path)
    out = yizhan(
        "import", "districts", str(city.districts), "--name-field", "name", "--all-key",
        url=database_url,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    add_station(db, "区外驿站", 0, 0)  # at 114.05 E, 22.54 N: Shenzhen, not 静安区
    h = _by_key(data_health(db, LookupSettings()))
    assert h["stations_without_district"]["level"] == "warn"
    assert h["stations_without_district"]["figure"] == 1
    assert h["walk_network"]["level"] == "warn"  # no streets loaded: said, not skipped


def test_the_report_and_the_summary_carry_the_data_health(imported, db, client) -> None:
    report = report_data(db, AS_OF, "love_station", 300.0, plan_solver="greedy")
    keys = [f["key"] for f in report["data_health"]]
    assert "unlocated_stations" in keys and "not_walkable" in keys
    html = render_html(report)
    assert "<h2>数据健康</h2>" in html and "未定位的站点（只有地址）：3 座" in html
    json.dumps(report, default=str)  # the --json file
    body = client.get("/api/v1/summary").json()
    assert _by_key(body["data_health"])["unlocated_stations"]["figure"] == 3
    assert "数据健康" in client.get("/summary").text
