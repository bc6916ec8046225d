"""Reading station files (CSV, XLSX, GeoJSON) into validated rows and row problems."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import box

from geo.crs import from_wgs84_point
from geo.errors import InvalidFile, InvalidInput
from geo.io.stations import StationsRead, read_stations
from tests.helpers.paths import SHARED_DATA

DATA = SHARED_DATA / "stations"
GEOD = Geod(ellps="WGS84")

# Published WGS-84 → GCJ-02 pairs from the test suite of the eviltransform library
# (googollee/eviltransform, python tests): (wgs lon, wgs lat, gcj lon, gcj lat).
EVILTRANSFORM_WGS_GCJ = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # Beijing
]
# Its BD-09 → WGS-84 pair; eviltransform's bd2wgs uses the one-step approximate GCJ inverse
# (metres of error), so this pair is only checked to ~15 m, the exact pairs above to 1e-9.
EVILTRANSFORM_BD_WGS = (120.019809, 29.199786, 120.00877901149691, 29.196131605295484)


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def read(path: Path, **kwargs: object) -> StationsRead:
    kwargs.setdefault("kind", "love_station")
    kwargs.setdefault("crs", "wgs84")
    return read_stations(path, **kwargs)  # type: ignore[arg-type]


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


CSV = (
    "名称,地址,经度,纬度,服务项目\n"
    "人民广场爱心驿站,东风大道982号,116.221689,29.281885,饮用水、热水\n"
)


# ------------------------------------------------------------------ formats and encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_chinese_encoding(tmp_path: Path, encoding: str) -> None:
    result = read(write_csv(tmp_path / "s.csv", CSV, encoding))
    assert result.problems == []
    (rec,) = result.records
    assert rec.row == 2
    assert rec.station.name == "人民广场爱心驿站"
    assert rec.station.services == ["drinking_water", "hot_water"]
    assert result.columns == {"name": "名称", "address": "地址", "lon": "经度", "lat": "纬度",
                              "services": "服务项目"}  # fmt: skip


def test_csv_bom_does_not_hide_the_first_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", "name,lon,lat\nA,116.2,29.2\n", "utf-8-sig")
    assert read(path).columns["name"] == "name"


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    frame = pd.DataFrame(
        {
            "驿站名称": ["A站", "B站"],
            "经度": [116.2, None],
            "纬度": [29.27, None],
            "联系电话": [13800138000, None],
            "开放日期": [pd.Timestamp("2025-03-01"), None],
        }
    )
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="驿站", index=False)
        pd.DataFrame({"name": ["other sheet"]}).to_excel(writer, sheet_name="x", index=False)
    result = read(path)
    (rec,) = result.records
    assert (rec.row, rec.station.name, rec.station.lon, rec.station.lat) == (2, "A站", 116.2, 29.27)
    assert rec.station.phone == "13800138000"
    assert str(rec.station.opened_on) == "2025-03-01"
    assert [(p.row, p.code) for p in result.problems] == [(3, "no_coordinates")]


def test_geojson_points_numbered_from_one_in_the_given_crs(tmp_path: Path) -> None:
    wlon, wlat, glon, glat = EVILTRANSFORM_WGS_GCJ[1]
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [glon, glat]},
         "properties": {"name": "深圳站", "id": 7}},
        {"type": "Feature", "geometry": None, "properties": {"name": "无坐标站"}},
        {"type": "Feature", "properties": {"name": "线站"},
         "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}},
    ]  # fmt: skip
    path = tmp_path / "s.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    result = read(path, crs="gcj02")
    (rec,) = result.records
    assert rec.row == 1 and rec.station.external_id == "7"
    assert math.isclose(rec.station.lon, wlon, abs_tol=1e-7)
    assert math.isclose(rec.station.lat, wlat, abs_tol=1e-7)
    assert [(p.row, p.code) for p in result.problems] == [(2, "no_coordinates"), (3, "not_point")]
    assert result.columns["lon"] == "geometry" and result.total_rows == 3


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("s.shp", b"whatever"),
        ("s.xlsx", b"not a zip file"),
        ("s.geojson", b"{not json"),
        ("s.geojson", b'{"type": "Point", "coordinates": [1, 2]}'),
        ("s.csv", b""),
        ("s.csv", b'name,lon\n"A,1\nB,2,3,4\n'),
    ],
)
def test_unreadable_files_raise_invalid_file(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidFile) as info:
        read(path)
    assert info.value.zh and info.value.en and "s." in info.value.zh


def test_missing_file_raises_invalid_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile):
        read(tmp_path / "absent.csv")


def test_unknown_crs_or_kind_argument(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", CSV)
    with pytest.raises(InvalidInput):
        read(path, crs="utm")
    with pytest.raises(InvalidInput):
        read(path, kind="加油站")


# ------------------------------------------------------------------ columns


def test_missing_name_column_lists_columns_found(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", "标题,地址,经度,纬度\nA,B,116,29\n")
    with pytest.raises(InvalidFile) as info:
        read(path)
    assert "标题、地址、经度、纬度" in info.value.zh and "名称" in info.value.zh


def test_column_synonyms_case_insensitive(tmp_path: Path) -> None:
    text = (
        "Station,NAME,Detailed,详细地址,区县,Longitude,LATITUDE,POIID,Hours,服务,Tel,依托单位,"
        "级别,状态,建成日期,类型\n"
        "x,母婴室A,y,人民路1号,浉河区,114.1,32.1,B01,24/7,哺乳椅,0376-1234567,市总工会,"
        "市级,开放,2024/5/1,母婴室\n"
    )
    result = read(write_csv(tmp_path / "s.csv", text))
    assert result.columns == {
        "name": "NAME", "address": "详细地址", "district": "区县", "lon": "Longitude",
        "lat": "LATITUDE", "external_id": "POIID", "opening_hours": "Hours",
        "services": "服务", "phone": "Tel", "host_org": "依托单位", "level": "级别",
        "status": "状态", "opened_on": "建成日期", "kind": "类型",
    }  # fmt: skip
    assert result.ignored_columns == ["Station", "Detailed"]
    s = result.records[0].station
    assert (s.kind, s.external_id, s.level, s.services) == (
        "mother_baby_room", "B01", "city", ["nursing_chair"]
    )  # fmt: skip


def test_prefixed_coordinate_columns_are_detected(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", "name,lat_gcj02,lng_gcj02\nA,29.27,116.2\n")
    assert read(path).columns | {} == {"name": "name", "lat": "lat_gcj02", "lon": "lng_gcj02"}


def test_explicit_coordinate_fields_override_detection(tmp_path: Path) -> None:
    text = "name,lng,lat,经度2,纬度2\nA,0,0,116.2,29.27\n"
    result = read(write_csv(tmp_path / "s.csv", text), lon_field="经度2", lat_field="纬度2")
    assert (result.records[0].station.lon, result.records[0].station.lat) == (116.2, 29.27)


def test_named_coordinate_field_absent_raises(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", CSV)
    with pytest.raises(InvalidFile) as info:
        read(path, lon_field="wgs_lng")
    assert "wgs_lng" in info.value.zh and "经度" in info.value.zh


def test_only_one_coordinate_column_raises(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile):
        read(write_csv(tmp_path / "s.csv", "name,经度\nA,116\n"))


def test_title_rows_above_header_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    text = "都昌县驿站名单,,\n,,\nname,lng,lat\nA,116.2,29.27\n,,\nB,,\n"
    result = read(write_csv(tmp_path / "s.csv", text))
    assert [r.row for r in result.records] == [4]
    assert [(p.row, p.code) for p in result.problems] == [(6, "no_coordinates")]
    assert result.total_rows == 2  # the blank row 5 is no station


# ------------------------------------------------------------------ row problems


def test_address_only_rows_are_kept_unlocated_and_rows_without_either_reported(
    tmp_path: Path,
) -> None:
    text = "name,address,lng,lat\nA,人民路1号,,\nB,人民路2号,116.2,29.27\nC,,116.2,\nD,,,\n"
    result = read(write_csv(tmp_path / "s.csv", text))
    assert [r.row for r in result.records] == [3]
    (kept,) = result.unlocated
    assert (kept.row, kept.located, kept.station.address) == (2, False, "人民路1号")
    assert kept.station.external_id.startswith("h:")  # name + address: the record key
    assert [(p.row, p.code, p.field) for p in result.problems] == [
        (4, "no_coordinates", "lat"), (5, "no_coordinates", None)
    ]  # fmt: skip
    assert result.problems[1].values == {"name": "D"}
    assert "没有坐标也没有地址" in result.problems[1].reason_zh


def test_bad_coordinates_are_reported(tmp_path: Path) -> None:
    text = (
        "name,lng,lat\n"
        "A,116.2,95\n"  # 2: lat out of range
        "B,-181,29\n"  # 3: lon out of range
        "C,NaN,29\n"  # 4: NaN
        "D,东经116,29\n"  # 5: not a number
        "E,１１６.２,２９.２７\n"  # 6: full-width digits are fine
    )
    result = read(write_csv(tmp_path / "s.csv", text))
    assert [(p.row, p.code, p.field) for p in result.problems] == [
        (2, "out_of_range", "lat"), (3, "out_of_range", "lon"),
        (4, "bad_number", "lon"), (5, "bad_number", "lon"),
    ]  # fmt: skip
    assert "纬度" in result.problems[0].reason_zh and "95" in result.problems[0].reason_zh
    assert [r.row for r in result.records] == [6] and result.records[0].station.lon == 116.2


def test_geojson_nan_coordinate_is_a_bad_number(tmp_path: Path) -> None:
    path = tmp_path / "s.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"A"},'
        '"geometry":{"type":"Point","coordinates":[NaN, 29.2]}}]}',
        "utf-8",
    )
    assert [p.code for p in read(path).problems] == ["bad_number"]


def test_invalid_fields_are_reported_with_chinese_labels(tmp_path: Path) -> None:
    text = (
        "name,lng,lat,services,opening_hours,phone,opened_on\n"
        "A,116.2,29.27,饮用水、桑拿,全天,0792-1234567,2025/3/1\n"
        "B,116.2,29.27,热水,早八晚六,,\n"
        "C,116.2,29.27,,,电话,2025/2/30\n"
        "D,116.2,29.27,热水 first aid,08：00－18：00,,\n"
    )
    result = read(write_csv(tmp_path / "s.csv", text))
    found = [(p.row, p.field, p.code) for p in result.problems]
    assert found == [
        (2, "services", "invalid_field"), (3, "opening_hours", "invalid_field"),
        (4, "phone", "invalid_field"), (4, "opened_on", "invalid_field"),
    ]  # fmt: skip
    services = result.problems[0]
    assert services.reason_zh.startswith("服务项目") and "桑拿" in services.reason_zh
    assert "drinking_water" in services.reason_zh and "桑拿" in services.reason_en
    assert "早八晚六" in result.problems[1].reason_zh and "24/7" in result.problems[1].reason_zh
    (rec,) = result.records
    assert rec.row == 5 and rec.station.services == ["hot_water", "first_aid"]
    assert rec.station.opening_hours == "08:00-18:00"


def test_address_only_row_with_bad_field_reports_both(tmp_path: Path) -> None:
    text = "name,lng,lat,phone\nA,,,abc\n"
    assert [p.code for p in read(write_csv(tmp_path / "s.csv", text)).problems] == [
        "no_coordinates", "invalid_field"
    ]  # fmt: skip


def test_name_missing_in_a_row_is_reported(tmp_path: Path) -> None:
    result = read(write_csv(tmp_path / "s.csv", "name,lng,lat\n ,116.2,29.27\n"))
    assert [(p.row, p.field) for p in result.problems] == [(2, "name")]
    assert result.problems[0].reason_zh.startswith("名称")


def test_kind_column_overrides_default_per_row(tmp_path: Path) -> None:
    text = "name,类型,lng,lat\nA,,116.2,29.27\nB,职工书屋,116.2,29.27\nC,加油站,116.2,29.27\n"
    result = read(write_csv(tmp_path / "s.csv", text))
    assert [r.station.kind for r in result.records] == ["love_station", "worker_bookshop"]
    assert [(p.row, p.field) for p in result.problems] == [(4, "kind")]


def test_rows_far_outside_service_area_are_reported_in_km(tmp_path: Path) -> None:
    area = box(116.15, 29.25, 116.25, 29.30)  # around 都昌
    # Inside; ~1.9 km east of the box (allowed); ~19 km east (reported).
    text = "name,lng,lat\nA,116.2,29.27\nB,116.27,29.27\nC,116.45,29.27\n"
    result = read(write_csv(tmp_path / "s.csv", text), service_area=area, max_outside_m=5000)
    assert [r.row for r in result.records] == [2, 3]
    (problem,) = result.problems
    assert (problem.row, problem.code) == (4, "outside_area")
    assert "19.4 公里" in problem.reason_zh and "19.4 km" in problem.reason_en


def test_duplicate_external_ids_keep_the_first(tmp_path: Path) -> None:
    text = "name,poi_id,lng,lat\nA,B0J1,116.2,29.27\nA2,B0J1,116.3,29.28\nC,B0J2,116.2,29.27\n"
    result = read(write_csv(tmp_path / "s.csv", text))
    assert [r.station.external_id for r in result.records] == ["B0J1", "B0J2"]
    (dup,) = result.problems
    assert (dup.row, dup.code, dup.field) == (3, "duplicate_id", "external_id")
    assert "第 2 行" in dup.reason_zh


def test_duplicate_name_and_address_without_id_is_a_duplicate(tmp_path: Path) -> None:
    text = "name,address,lng,lat\nA,路1号,116.2,29.27\n A ,路1号,116.2,29.27\nA,路2号,116.2,29.27\n"
    result = read(write_csv(tmp_path / "s.csv", text))
    assert [r.row for r in result.records] == [2, 4]
    assert [(p.row, p.code) for p in result.problems] == [(3, "duplicate_id")]


def test_source_and_hash_ids_are_stable_across_reads(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "duchang.csv", CSV)
    first, again = read(path), read(path)
    assert first.source == "duchang"
    ids = [r.station.external_id for r in first.records]
    assert ids == [r.station.external_id for r in again.records]
    assert ids[0] is not None and ids[0].startswith("h:")
    assert {r.station.source for r in first.records} == {"duchang"}
    assert read(path, source="九江工会").records[0].station.source == "九江工会"
    # The same station typed in GBK with a BOM-less header gets the same id.
    gbk = write_csv(tmp_path / "other.csv", CSV, "gbk")
    assert read(gbk).records[0].station.external_id == ids[0]


# ------------------------------------------------------------------ datum conversion


def test_gcj02_rows_match_published_eviltransform_pairs(tmp_path: Path) -> None:
    lines = ["name,lng,lat"] + [
        f"P{i},{g[2]!r},{g[3]!r}" for i, g in enumerate(EVILTRANSFORM_WGS_GCJ)
    ]
    result = read(write_csv(tmp_path / "s.csv", "\n".join(lines) + "\n"), crs="gcj02")
    for rec, (wlon, wlat, glon, glat) in zip(result.records, EVILTRANSFORM_WGS_GCJ, strict=True):
        assert (rec.given_lon, rec.given_lat, rec.given_crs) == (glon, glat, "gcj02")
        assert math.isclose(rec.station.lon, wlon, abs_tol=1e-9)
        assert math.isclose(rec.station.lat, wlat, abs_tol=1e-9)
        assert rec.station.crs == "wgs84"


def test_bd09_rows_converted_to_wgs84(tmp_path: Path) -> None:
    wgs = [(116.3912757, 39.906217), (113.2644, 23.1291)]  # Beijing, Guangzhou
    bd = [from_wgs84_point(lon, lat, "bd09") for lon, lat in wgs]
    blon, blat, elon, elat = EVILTRANSFORM_BD_WGS
    rows = [f"P{i},{x!r},{y!r}" for i, (x, y) in enumerate([*bd, (blon, blat)])]
    path = write_csv(tmp_path / "s.csv", "name,lng,lat\n" + "\n".join(rows) + "\n")
    result = read(path, crs="bd09")
    for rec, (lon, lat) in zip(result.records, wgs, strict=False):
        assert math.isclose(rec.station.lon, lon, abs_tol=1e-7)
        assert math.isclose(rec.station.lat, lat, abs_tol=1e-7)
    last = result.records[-1].station
    assert metres(last.lon, last.lat, elon, elat) < 15


# ------------------------------------------------------------------ real city data


def real(name: str) -> Path:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"real station data absent: {path}")
    return path


@pytest.mark.realcity
def test_real_zhengzhou_keeps_address_only_rows_unlocated() -> None:
    result = read(real("zhengzhou-gcj02.csv"), crs="gcj02")
    assert result.total_rows == 82
    assert len(result.records) == 18
    assert [r.row for r in result.records] == list(range(2, 20))
    assert result.problems == []
    assert [r.row for r in result.unlocated] == list(range(20, 84))
    assert all(r.station.address and r.station.district for r in result.unlocated)
    assert result.columns["lon"] == "lng_gcj02" and result.columns["lat"] == "lat_gcj02"
    for rec in result.records:
        shift = metres(rec.given_lon, rec.given_lat, rec.station.lon, rec.station.lat)
        assert 300 < shift < 700, (rec.row, shift)
        assert rec.station.district and rec.station.external_id.startswith("h:")


@pytest.mark.realcity
def test_real_duchang_keeps_amap_poi_ids() -> None:
    path = real("duchang-gcj02.csv")
    result = read(path, crs="gcj02")
    expected = pd.read_csv(path, dtype=str)["amap_poi_id"].tolist()
    assert result.problems == []
    assert [r.station.external_id for r in result.records] == expected
    assert len(expected) == 11 and result.source == "duchang-gcj02"


@pytest.mark.realcity
def test_real_zhaoqing_has_four_records() -> None:
    result = read(real("zhaoqing-gcj02.csv"), crs="gcj02")
    assert len(result.records) == 4 and result.problems == []
