"""StationInput and opening hours: every validation rule, without a database."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from geo.crs import from_wgs84_point
from geo.errors import InvalidInput
from geo.hours import HoursState, status_at, validate_opening_hours
from geo.stations.model import StationInput, field_label, field_problems, parse_station

SHANGHAI = ZoneInfo("Asia/Shanghai")


def station(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "love_station",
        "name": "人民广场爱心驿站",
        "lon": 116.2,
        "lat": 29.27,
    }
    data.update(overrides)
    return data


def problems_of(**overrides: object) -> dict[str | None, str]:
    with pytest.raises(ValidationError) as info:
        StationInput.model_validate(station(**overrides))
    return {p.field: p.zh for p in field_problems(info.value)}


# ------------------------------------------------------------------ opening hours


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Mo-Fr 08:00-18:00; Sa 09:00-12:00", "Mo-Fr 08:00-18:00; Sa 09:00-12:00"),
        ("  24/7  ", "24/7"),
        ("全天", "24/7"),
        ("24小时", "24/7"),
        ("08：00－18：00", "08:00-18:00"),
        ("Mo-Fr 08:00-18:00；Sa 09:00-12:00", "Mo-Fr 08:00-18:00; Sa 09:00-12:00"),
        ("周一至周五 08:00~18:00", "Mo-Fr 08:00-18:00"),
        ("mo-fr 8:00-18:00", "Mo-Fr 08:00-18:00"),
    ],
)
def test_opening_hours_normalises_common_spellings(typed: str, canonical: str) -> None:
    assert validate_opening_hours(typed) == canonical


@pytest.mark.parametrize("bad", ["bad", "8点到6点", "Mo-Fr 25:00-26:00x", ""])
def test_opening_hours_rejects_invalid_text_with_example(bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_opening_hours(bad)
    assert f"「{bad}」" in info.value.zh
    assert "Mo-Fr 08:00-18:00; Sa 09:00-12:00" in info.value.zh
    assert "24/7" in info.value.en


def test_status_is_evaluated_in_city_time_zone() -> None:
    # 01:00 UTC on Monday 2025-03-03 is 09:00 in Shanghai: open until 18:00 local.
    state = status_at("Mo-Fr 08:00-18:00", datetime(2025, 3, 3, 1, 0, tzinfo=UTC))
    assert state == HoursState(True, datetime(2025, 3, 3, 18, 0, tzinfo=SHANGHAI))
    assert state.next_change is not None and state.next_change.utcoffset() == timedelta(hours=8)


def test_status_closed_after_hours_and_next_opening() -> None:
    when = datetime(2025, 3, 3, 19, 30, tzinfo=SHANGHAI)
    state = status_at("Mo-Fr 08:00-18:00", when)
    assert not state.is_open
    assert state.next_change == datetime(2025, 3, 4, 8, 0, tzinfo=SHANGHAI)


def test_status_accepts_any_aware_tzinfo_and_other_city() -> None:
    # A fixed-offset tzinfo (not a ZoneInfo) works; the city zone decides the local time.
    when = datetime(2025, 3, 3, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    assert status_at("Mo-Fr 08:00-18:00", when, tz="Asia/Urumqi").is_open is False
    assert status_at("Mo-Fr 08:00-18:00", when).is_open is True


def test_status_24_7_never_changes() -> None:
    assert status_at("全天", datetime(2025, 3, 3, tzinfo=UTC)) == HoursState(True, None)


def test_status_uses_chinese_public_holidays() -> None:
    national_day = datetime(2025, 10, 1, 10, 0, tzinfo=SHANGHAI)  # a Wednesday
    assert not status_at("Mo-Fr 08:00-18:00; PH off", national_day).is_open
    assert status_at("Mo-Fr 08:00-18:00; PH off", national_day, country=None).is_open


def test_status_rejects_naive_datetime_and_unknown_zone() -> None:
    with pytest.raises(InvalidInput):
        status_at("24/7", datetime(2025, 3, 3, 9, 0))
    with pytest.raises(InvalidInput):
        status_at("24/7", datetime(2025, 3, 3, tzinfo=UTC), tz="Mars/Olympus")


# ------------------------------------------------------------------ StationInput


def test_station_accepts_labels_and_normalises_to_codes() -> None:
    s = StationInput.model_validate(
        station(
            kind="爱心驿站",
            name="  人民广场爱心驿站 ",
            level="区级",
            status="暂停开放",
            services="饮用水、热水，drinking water; 手机充电|wifi/纳凉 空调",
            opening_hours="全天",
            phone="(0792) 123-4567",
            opened_on="2025年3月1日",
            closed_on="2025/3/2",
            crs="GCJ-02",
            address="",
        )
    )
    assert s.kind == "love_station"
    assert s.name == "人民广场爱心驿站"
    assert s.level == "district"
    assert s.status == "temporarily_closed"
    assert s.services == ["drinking_water", "hot_water", "phone_charging", "wifi", "cooling"]
    assert s.opening_hours == "24/7"
    assert s.opened_on == date(2025, 3, 1) and s.closed_on == date(2025, 3, 2)
    assert s.crs == "gcj02"
    assert s.address is None


def test_station_defaults() -> None:
    s = StationInput.model_validate(station())
    assert (s.status, s.services, s.crs, s.level, s.opening_hours) == (
        "open",
        [],
        "wgs84",
        None,
        None,
    )


@pytest.mark.parametrize("kind", ["mother_baby_room", "母婴室", "Mother-and-baby room"])
def test_station_kind_from_code_or_label(kind: str) -> None:
    assert StationInput.model_validate(station(kind=kind)).kind == "mother_baby_room"


def test_station_rejects_unknown_kind_listing_codes() -> None:
    zh = problems_of(kind="加油站")["kind"]
    assert "加油站" in zh and "love_station" in zh and zh.startswith("类型")


@pytest.mark.parametrize("name", ["", "   ", "站" * 101])
def test_station_name_must_be_1_to_100_chars(name: str) -> None:
    assert problems_of(name=name)["name"].startswith("名称")


def test_station_name_of_100_chars_is_fine() -> None:
    assert len(StationInput.model_validate(station(name="站" * 100)).name) == 100


def test_station_address_at_most_200_chars() -> None:
    assert "200" in problems_of(address="路" * 201)["address"]


def test_station_rejects_unknown_level_and_status() -> None:
    found = problems_of(level="省级", status="营业中")
    assert "street" in found["level"] and "open" in found["status"]


@pytest.mark.parametrize("phone", ["0791-8888 8888", "+86 138 0013 8000", "(0792)5221234", "12345"])
def test_station_accepts_phone(phone: str) -> None:
    assert StationInput.model_validate(station(phone=phone)).phone == phone


@pytest.mark.parametrize("phone", ["1234", "call me", "0" * 31, "138-0013-8000 转 12"])
def test_station_rejects_phone(phone: str) -> None:
    assert problems_of(phone=phone)["phone"].startswith("联系电话")


def test_station_rejects_bad_opening_hours_quoting_them() -> None:
    zh = problems_of(opening_hours="早八晚六")["opening_hours"]
    assert "早八晚六" in zh and "24/7" in zh


def test_station_services_list_and_dedup() -> None:
    s = StationInput.model_validate(station(services=["water", "饮用水", "toilet", " "]))
    assert s.services == ["drinking_water", "toilet"]


def test_station_unknown_services_named_with_valid_codes() -> None:
    zh = problems_of(services="热水, 桑拿，按摩")["services"]
    assert "桑拿" in zh and "按摩" in zh and "热水" not in zh.split("：")[2]
    assert "drinking_water" in zh and "lockers" in zh


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01", date(2025, 3, 1)),
        ("2025/3/1", date(2025, 3, 1)),
        ("2025.3.1", date(2025, 3, 1)),
        ("2025年3月1日", date(2025, 3, 1)),
        ("2025-03-01 00:00:00", date(2025, 3, 1)),  # how a spreadsheet date cell reads
        (date(2025, 3, 1), date(2025, 3, 1)),
        (datetime(2025, 3, 1, 12), date(2025, 3, 1)),
    ],
)
def test_station_dates_in_common_forms(text: object, expected: date) -> None:
    assert StationInput.model_validate(station(opened_on=text)).opened_on == expected


@pytest.mark.parametrize("text", ["2025/13/1", "2025-02-30", "三月一日", "01/03/2025"])
def test_station_rejects_bad_dates(text: str) -> None:
    assert text in problems_of(opened_on=text)["opened_on"]


def test_station_closed_on_not_before_opened_on() -> None:
    found = problems_of(opened_on="2025-03-02", closed_on="2025-03-01")
    assert "早于" in found[None]
    same = StationInput.model_validate(station(opened_on="2025-03-01", closed_on="2025-03-01"))
    assert same.closed_on == same.opened_on


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("lon", 180.0001, "超出范围"),
        ("lon", -181, "超出范围"),
        ("lat", 90.5, "超出范围"),
        ("lat", -91, "超出范围"),
        ("lon", float("nan"), "NaN"),
        ("lat", "NaN", "NaN"),
        ("lat", float("inf"), "NaN"),
        ("lon", "东经116", "不是有效的数字"),
    ],
)
def test_station_rejects_bad_coordinates(field: str, value: object, needle: str) -> None:
    zh = problems_of(**{field: value})[field]
    assert zh.startswith(field_label(field)) and needle in zh


def test_station_coordinates_at_the_limits_are_fine() -> None:
    s = StationInput.model_validate(station(lon=-180, lat=90))
    assert (s.lon, s.lat) == (-180.0, 90.0)


def test_station_rejects_unknown_crs() -> None:
    assert "bd09" in problems_of(crs="utm50")["crs"]


def test_station_rejects_unknown_fields() -> None:
    assert "colour" in problems_of(colour="red")


def test_station_wgs84_round_trips_from_gcj02_and_bd09() -> None:
    wgs = (116.3912757, 39.906217)  # Tiananmen, WGS-84
    for crs in ("gcj02", "bd09"):
        given = from_wgs84_point(*wgs, crs)
        s = StationInput.model_validate(station(lon=given[0], lat=given[1], crs=crs))
        assert s.lon == given[0]  # kept as given
        lon, lat = s.wgs84()
        assert math.isclose(lon, wgs[0], abs_tol=1e-7) and math.isclose(lat, wgs[1], abs_tol=1e-7)
        moved = s.in_wgs84()
        assert moved.crs == "wgs84" and (moved.lon, moved.lat) == (lon, lat)


def test_station_wgs84_is_identity_for_wgs84() -> None:
    assert StationInput.model_validate(station()).wgs84() == (116.2, 29.27)


def test_field_label_in_both_languages() -> None:
    assert field_label("name") == "名称"
    assert field_label("lon") == "经度" and field_label("lat", "en") == "latitude"
    assert field_label("unknown_field") == "unknown_field"


def test_parse_station_raises_domain_error_with_all_fields() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_station(station(name="", lat=95))
    assert "名称" in info.value.zh and "纬度" in info.value.zh
    assert {d["field"] for d in info.value.details} == {"name", "lat"}
