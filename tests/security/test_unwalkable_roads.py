"""#12 item 4: roads where nobody walks or rides an e-bike (motorways, ``motorroad=yes``,
``expressway=yes``, ``foot=no``, elevated trunk roads without sidewalks, names matching
``YIZHAN_UNWALKABLE_NAME_PATTERN``) are out of the walk network and out of the
main-street denominator, and listed apart as "not walkable" (不可步行) in the import
summary and the coverage report (HTML, XLSX, API JSON), never as gaps."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from geo.coverage import service
from geo.coverage.city import load_city
from geo.coverage.evaluate import evaluate
from geo.importers import import_streets
from geo.io.streets import read_streets
from geo.settings import CoverageSettings, get_settings
from geo.siting.demand import uncovered_demand
from geo.stations import sql as stations_sql
from tests.helpers.cities import add_station, load_district, lonlat
from tests.helpers.cli import yizhan
from tests.helpers.paths import SHARED_DATA

FUTIAN_STREETS = SHARED_DATA / "shenzhen-futian" / "streets.geojson"
PATTERN = CoverageSettings().unwalkable_name_pattern
AS_OF = "2026-11-24"
ELEVATED = "延安高架路"


def _feature(points, **props):
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": [lonlat(*p) for p in points]},
    }


def _write(path: Path, *features) -> Path:
    fc = {"type": "FeatureCollection", "features": list(features)}
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("props", "reason"),
    [
        ({"highway": "motorway"}, "motorway"),
        ({"highway": "motorway_link"}, "motorway"),
        ({"highway": "trunk", "motorroad": "yes"}, "motorroad"),
        ({"highway": "primary", "expressway": "yes"}, "expressway"),
        ({"highway": "primary", "foot": "no"}, "foot_no"),
        ({"highway": "trunk", "bridge": "yes", "name": "延安路"}, "elevated_trunk"),
        ({"highway": "trunk", "bridge": "viaduct"}, "elevated_trunk"),
        ({"highway": "primary", "name": "南坪快速路"}, "name"),
        ({"highway": "secondary", "name": ELEVATED}, "name"),
        # walkable after all
        ({"highway": "trunk", "bridge": "yes", "sidewalk": "both"}, None),
        ({"highway": "trunk", "bridge": "yes", "sidewalk:left": "yes"}, None),
        ({"highway": "trunk", "bridge": "yes", "foot": "yes"}, None),
        ({"highway": "primary", "bridge": "yes"}, None),  # a bridge on a primary road
        ({"highway": "primary", "name": "延安高架路辅路"}, None),  # the road beside it
        ({"highway": "primary", "name": ELEVATED, "foot": "designated"}, None),
        ({"highway": "primary", "motorroad": "no"}, None),
        ({"highway": "secondary", "name": "深南大道"}, None),
    ],
)
def test_each_rule_takes_the_road_out(tmp_path, props, reason) -> None:
    path = _write(tmp_path / "r.geojson", _feature([(0, 0), (500, 0)], **props))
    s = read_streets(path, unwalkable_names=PATTERN).streets.iloc[0]
    assert s["not_walkable"] == reason
    main_class = props["highway"] in ("trunk", "primary", "secondary")
    assert bool(s["walkable"]) is (reason is None)
    assert bool(s["is_main"]) is (main_class and reason is None)
    assert bool(s["excluded_main"]) is (main_class and reason is not None)


def test_name_pattern_is_a_setting(tmp_path, monkeypatch) -> None:
    path = _write(
        tmp_path / "r.geojson", _feature([(0, 0), (500, 0)], highway="primary", name=ELEVATED)
    )
    assert read_streets(path, unwalkable_names="").streets.iloc[0]["walkable"]
    assert not read_streets(path, unwalkable_names="高架").streets.iloc[0]["walkable"]
    monkeypatch.setenv("YIZHAN_UNWALKABLE_NAME_PATTERN", "环路$")
    assert CoverageSettings().unwalkable_name_pattern == "环路$"
    monkeypatch.setenv("YIZHAN_UNWALKABLE_NAME_PATTERN", "高架(")
    with pytest.raises(ValidationError, match="YIZHAN_UNWALKABLE_NAME_PATTERN"):
        CoverageSettings()


OSM_ELEVATED = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="22.540" lon="114.050" version="1"/>
  <node id="2" lat="22.540" lon="114.054" version="1"/>
  <node id="3" lat="22.541" lon="114.050" version="1"/>
  <node id="4" lat="22.541" lon="114.054" version="1"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="trunk"/><tag k="bridge" v="yes"/><tag k="layer" v="2"/>
    <tag k="name" v="南北高架"/>
  </way>
  <way id="11" version="1">
    <nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="trunk"/><tag k="bridge" v="yes"/><tag k="sidewalk:right" v="yes"/>
  </way>
</osm>
"""


def test_osm_tags_are_read(tmp_path) -> None:
    path = tmp_path / "e.osm"
    path.write_text(OSM_ELEVATED, encoding="utf-8")
    s = read_streets(path, unwalkable_names="").streets.set_index("osm_id")
    assert s.loc["10", "not_walkable"] == "elevated_trunk"
    assert s.loc["11", "walkable"] and s.loc["11", "is_main"]


# --- a test city with an elevated trunk road -----------------------------------------
# metres in UTM 50N (tests.helpers.cities): 红荔路 on the ground along y = 0, the elevated
# 延安高架路 (trunk, bridge=yes, no sidewalk) above y = 100, the service road beside it
# 延安高架路辅路 along y = 200, a footway joining the ground streets at x = 0; one station.


def _city_file(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "city.geojson",
        _feature([(0, 0), (3000, 0)], highway="primary", name="红荔路"),
        _feature([(0, 100), (3000, 100)], highway="trunk", bridge="yes", name=ELEVATED),
        _feature([(0, 200), (3000, 200)], highway="primary", name="延安高架路辅路"),
        _feature([(0, 0), (0, 200)], highway="footway"),
    )


@pytest.fixture
def city(db, tmp_path):
    report = import_streets(_city_file(tmp_path))
    load_district(db, "福田", (-100, -100, 3100, 300))
    add_station(db, 100, 0, name="红荔驿站", opened_on=dt.date(2025, 1, 1))
    return report


def test_import_summary_lists_the_elevated_road(db, city) -> None:
    c = city.counts
    assert c["not_walkable_main_streets"] == 1
    assert c["not_walkable_main_km"] == pytest.approx(3.0, rel=0.01)
    assert c["not_walkable_by_reason"] == {"elevated_trunk": 1}
    assert c["main_street_km"] == pytest.approx(6.0, rel=0.01)
    assert any(ELEVATED in n and "不可步行" in n and "not walkable" in n for n in city.notes)
    row = db.execute(
        "SELECT is_main, walkable, not_walkable, excluded_main FROM streets WHERE name = %s",
        (ELEVATED,),
    ).fetchone()
    assert dict(row) == {
        "is_main": False,
        "walkable": False,
        "not_walkable": "elevated_trunk",
        "excluded_main": True,
    }
    on_walk = db.execute(
        "SELECT count(*) AS n FROM walk_edges e JOIN streets s ON s.id = e.street_id"
        " WHERE s.name = %s",
        (ELEVATED,),
    ).fetchone()
    assert on_walk["n"] == 0
    ogc = db.execute("SELECT count(*) AS n FROM streets WHERE is_main AND name = %s", (ELEVATED,))
    assert ogc.fetchone()["n"] == 0


def test_coverage_figures_gaps_and_demand_leave_it_out(db, city) -> None:
    q = service.question(dt.date.fromisoformat(AS_OF), "love_station")
    snap = service.run(db, q)
    figs = snap["figures"]
    s = figs["summary"]
    assert s["main_street_m"] == pytest.approx(6000, rel=0.01)  # not 9000
    assert s["not_walkable_main_m"] == pytest.approx(3000, rel=0.01)
    assert ELEVATED not in [r["street"] for r in figs["streets"]]
    assert "延安高架路辅路" in [r["street"] for r in figs["streets"]]
    (listed,) = figs["not_walkable"]
    assert listed["street"] == ELEVATED and listed["reason"] == "elevated_trunk"
    assert listed["reason_zh"] and listed["reason_en"]
    gaps = service.features(db, snap["id"], ("street_gap",))["features"]
    assert gaps and ELEVATED not in {g["properties"]["street"] for g in gaps}
    # siting's demand is the uncovered main streets of the same denominator
    city_ = load_city(db, cell_m=q.cell_m)
    st = stations_sql.operating_stations(db, q.kind, q.as_of)
    demand = uncovered_demand(city_, evaluate(city_, st["lon"], st["lat"], 1000.0, "walking"), 250)
    uncovered = s["main_street_m"] - s["main_street_covered_m"]
    assert float(demand.street_m.sum()) == pytest.approx(uncovered, abs=1.0)


def test_api_json_lists_it_as_not_walkable(client, db, city) -> None:
    service.run(db, service.question(dt.date.fromisoformat(AS_OF), "love_station"))
    body = client.get(f"/api/v1/coverage?as_of={AS_OF}&kind=love_station").json()
    assert body["summary"]["not_walkable_main_m"] == pytest.approx(3000, rel=0.01)
    assert [r["street"] for r in body["not_walkable"]] == [ELEVATED]
    assert ELEVATED not in [r["street"] for r in body["streets"]]
    gaps = client.get(f"/api/v1/coverage/gaps?as_of={AS_OF}&kind=love_station").json()
    assert ELEVATED not in {f["properties"]["street"] for f in gaps["features"]}


def test_report_shows_it_under_not_walkable_only(db, database_url, city, tmp_path) -> None:
    html, xlsx = tmp_path / "r.html", tmp_path / "r.xlsx"
    out = yizhan(
        "report",
        "coverage",
        "--as-of",
        AS_OF,
        "--out",
        str(html),
        "--xlsx",
        str(xlsx),
        url=database_url,
    )
    assert out.returncode == 0, out.stderr
    page = html.read_text("utf-8")
    head, rest = page.split("<h2>不可步行道路</h2>")
    section, tail = rest.split("<h2>", 1)
    assert ELEVATED in section.replace("延安高架路辅路", "")
    # nowhere else: not in the gaps, the streets, the plan or the map's layers
    assert ELEVATED not in (head + tail).replace("延安高架路辅路", "")
    wb = load_workbook(xlsx)
    sheet = [[c.value for c in row] for row in wb["不可步行道路"].iter_rows()]
    assert sheet[1][0] == ELEVATED
    for name in ("街道缺口", "街道", "建议新址"):
        cells = [str(c.value) for row in wb[name].iter_rows() for c in row]
        assert ELEVATED not in cells, name


def test_import_uses_the_configured_pattern(db, tmp_path, monkeypatch) -> None:
    path = _write(
        tmp_path / "n.geojson", _feature([(0, 0), (500, 0)], highway="primary", name="北环快速路")
    )
    assert import_streets(path).counts["not_walkable_by_reason"] == {"name": 1}
    monkeypatch.setenv("YIZHAN_UNWALKABLE_NAME_PATTERN", "")
    get_settings.cache_clear()
    try:
        assert import_streets(path).counts["not_walkable_roads"] == 0
    finally:
        monkeypatch.delenv("YIZHAN_UNWALKABLE_NAME_PATTERN")
        get_settings.cache_clear()


@pytest.mark.skipif(not FUTIAN_STREETS.exists(), reason="../shared/data/shenzhen-futian absent")
def test_real_futian_roads_excluded() -> None:
    """Futian: the motorway links of 福田立交 and 竹子林立交桥 (33 segments, 5.2 km) are out
    of the walk network; no main street is excluded (its trunk roads are at grade and no
    name says 高架 or 快速路)."""
    read = read_streets(FUTIAN_STREETS, unwalkable_names=PATTERN)
    c = read.counts
    assert c["not_walkable_roads"] == 33
    assert c["not_walkable_by_reason"] == {"motorway": 33}
    assert c["not_walkable_km"] == pytest.approx(5.211, abs=0.001)
    assert c["not_walkable_main_streets"] == 0
    names = set(read.streets.loc[read.streets["not_walkable"].notna(), "name"].dropna())
    assert names == {"福田立交", "竹子林立交桥"}
