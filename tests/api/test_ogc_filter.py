"""OGC API – Features Part 3 (#16): CQL2 text and JSON filters translated to
parameterised SQL over each collection's queryables, ``sortby`` and ``properties``."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo import clock

ITEMS = "/ogc/collections/{}/items"
EPSG3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
STATIONS = [
    # kind, name, district, level, address, opened_on, lon, lat
    ("love_station", "莲花驿站", "福田", "city", "深南大道1号", "2020-01-01", 114.05, 22.54),
    ("mother_baby_room", "华强母婴室", "福田", "district", None, "2022-06-01", 114.08, 22.55),
    ("worker_bookshop", "罗湖书屋", "罗湖", "street", "人民南路", "2024-03-01", 114.12, 22.54),
    ("love_station", "Lianhua Rest", "南山", None, None, None, 113.93, 22.52),
]


def _load(conn) -> None:
    for kind, name, district, level, address, opened, lon, lat in STATIONS:
        conn.execute(
            "INSERT INTO stations (kind, name, district, level, address, opened_on, geom)"
            " VALUES (%s, %s, %s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
            (kind, name, district, level, address, opened, lon, lat),
        )
    conn.execute(  # never public: never matched by any filter
        "INSERT INTO stations (kind, name, district, review_state, geom) VALUES ('love_station',"
        " '莲花待审核', '福田', 'pending_review', ST_SetSRID(ST_MakePoint(114.05, 22.54), 4326))"
    )
    conn.execute(
        "INSERT INTO districts (name, is_key, geom, area_m2) VALUES"
        " ('福田', true, ST_Multi(ST_MakeEnvelope(114.0, 22.5, 114.1, 22.6, 4326)), 1.0e8),"
        " ('罗湖', false, ST_Multi(ST_MakeEnvelope(114.1, 22.5, 114.2, 22.6, 4326)), 8.0e7)"
    )
    conn.execute(
        "INSERT INTO streets (id, name, highway, is_main, length_m, geom) VALUES"
        " (1, '深南大道', 'primary', true, 5000,"
        "  ST_SetSRID(ST_MakeLine(ST_MakePoint(114.0, 22.54), ST_MakePoint(114.1, 22.54)), 4326)),"
        " (2, '红荔路', 'secondary', true, 1200,"
        "  ST_SetSRID(ST_MakeLine(ST_MakePoint(114.1, 22.56), ST_MakePoint(114.12, 22.56)), 4326)),"
        " (3, '小巷', 'residential', false, 80,"
        "  ST_SetSRID(ST_MakeLine(ST_MakePoint(114.0, 22.5), ST_MakePoint(114.001, 22.5)), 4326))"
    )


@pytest.fixture
def client(db, database_url):
    _load(db)
    with clock.frozen("2025-06-01T12:00:00"), TestClient(create_app(database_url)) as c:
        yield c


def _names(client, collection="stations", **params) -> list[str]:
    r = client.get(ITEMS.format(collection), params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["numberMatched"] == body["numberReturned"] == len(body["features"])
    return [f["properties"]["name"] for f in body["features"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kind = 'love_station'", ["莲花驿站", "Lianhua Rest"]),
        ("district = '福田' AND kind <> 'love_station'", ["华强母婴室"]),
        ("district = '罗湖' OR name = 'Lianhua Rest'", ["罗湖书屋", "Lianhua Rest"]),
        ("NOT (district = '福田')", ["罗湖书屋", "Lianhua Rest"]),
        ("name LIKE '%驿站'", ["莲花驿站"]),
        ("name NOT LIKE 'L%'", ["莲花驿站", "华强母婴室", "罗湖书屋"]),
        ("CASEI(name) LIKE CASEI('lianhua%')", ["Lianhua Rest"]),
        ("kind IN ('worker_bookshop', 'mother_baby_room')", ["华强母婴室", "罗湖书屋"]),
        ("level NOT IN ('city')", ["华强母婴室", "罗湖书屋"]),
        ("opened_on BETWEEN DATE('2021-01-01') AND DATE('2023-01-01')", ["华强母婴室"]),
        ("opened_on >= '2022-06-01'", ["华强母婴室", "罗湖书屋"]),
        ("address IS NULL", ["华强母婴室", "Lianhua Rest"]),
        ("opened_on IS NOT NULL AND address IS NOT NULL", ["莲花驿站", "罗湖书屋"]),
        ("S_INTERSECTS(geometry, BBOX(114.0, 22.5, 114.1, 22.6))", ["莲花驿站", "华强母婴室"]),
        (
            "S_WITHIN(geometry, POLYGON((114.1 22.5, 114.2 22.5, 114.2 22.6, 114.1 22.6, "
            "114.1 22.5)))",
            ["罗湖书屋"],
        ),
        ("BBOX(geometry, 113.9, 22.5, 114.0, 22.6)", ["Lianhua Rest"]),
        ("INCLUDE", ["莲花驿站", "华强母婴室", "罗湖书屋", "Lianhua Rest"]),
    ],
)
def test_cql2_text_filters_stations(client, text, expected) -> None:
    assert _names(client, filter=text) == expected
    assert _names(client, filter=text, **{"filter-lang": "cql2-text"}) == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ({"op": "=", "args": [{"property": "kind"}, "worker_bookshop"]}, ["罗湖书屋"]),
        (
            {
                "op": "and",
                "args": [
                    {"op": "like", "args": [{"property": "name"}, "%母婴%"]},
                    {"op": "isNull", "args": [{"property": "address"}]},
                ],
            },
            ["华强母婴室"],
        ),
        (
            {"op": "in", "args": [{"property": "district"}, ["南山", "罗湖"]]},
            ["罗湖书屋", "Lianhua Rest"],
        ),
        (
            {
                "op": "s_intersects",
                "args": [{"property": "geometry"}, {"bbox": [114.1, 22.5, 114.2, 22.6]}],
            },
            ["罗湖书屋"],
        ),
        (
            {
                "op": "s_intersects",
                "args": [
                    {"property": "geometry"},
                    {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [113.9, 22.5],
                                [114.0, 22.5],
                                [114.0, 22.6],
                                [113.9, 22.6],
                                [113.9, 22.5],
                            ]
                        ],
                    },
                ],
            },
            ["Lianhua Rest"],
        ),
        (
            {"op": "not", "args": [{"op": "=", "args": [{"property": "kind"}, "love_station"]}]},
            ["华强母婴室", "罗湖书屋"],
        ),
    ],
)
def test_cql2_json_filters_stations(client, expr, expected) -> None:
    params = {"filter": json.dumps(expr), "filter-lang": "cql2-json"}
    assert _names(client, **params) == expected


def test_filters_on_districts_and_main_streets_numbers_and_booleans(client) -> None:
    assert _names(client, "districts", filter="is_key = true") == ["福田"]
    assert _names(client, "districts", filter="area_m2 < 9e7") == ["罗湖"]
    assert _names(client, "main_streets", filter="length_m > 2000") == ["深南大道"]
    between = {"op": "between", "args": [{"property": "length_m"}, 1000, 2000]}
    got = _names(client, "main_streets", filter=json.dumps(between), **{"filter-lang": "cql2-json"})
    assert got == ["红荔路"]
    crossing = "S_INTERSECTS(geometry, POINT(114.05 22.55))"
    assert _names(client, "districts", filter=crossing) == ["福田"]


def test_a_value_is_never_sql(client) -> None:
    sneaky = {"op": "=", "args": [{"property": "name"}, "x' OR '1'='1"]}
    assert _names(client, filter=json.dumps(sneaky), **{"filter-lang": "cql2-json"}) == []
    semicolon = {"op": "=", "args": [{"property": "name"}, "莲花驿站'; DROP TABLE stations; --"]}
    assert _names(client, filter=json.dumps(semicolon), **{"filter-lang": "cql2-json"}) == []
    assert len(_names(client)) == 4


@pytest.mark.parametrize(
    ("params", "needle_zh", "needle_en"),
    [
        ({"filter": "host_org = 'x'"}, "host_org", "unknown property 'host_org'"),
        ({"filter": "review_state = 'pending_review'"}, "review_state", "review_state"),
        ({"filter": "kind = = 'x'"}, "无法解析", "cannot parse"),
        ({"filter": "name > 3"}, "name", "cannot be compared"),
        ({"filter": "opened_on = 'soon'"}, "日期", "not one (YYYY-MM-DD)"),
        ({"filter": "S_INTERSECTS(kind, POINT(1 2))"}, "geometry", "geometry"),
        ({"filter": "kind = 'x'", "filter-lang": "ecql"}, "filter-lang", "filter-lang"),
        ({"filter": "{not json", "filter-lang": "cql2-json"}, "无法解析", "cannot parse"),
        ({"filter": "x" * 30_000}, "字符", "characters"),
        ({"sortby": "-secret"}, "secret", "sortby"),
        ({"properties": "name,secret"}, "secret", "properties"),
        ({"filter": "INCLUDE", "filter-crs": "EPSG:4326"}, "filter-crs", "filter-crs"),
    ],
)
def test_a_bad_filter_sortby_or_properties_is_a_400_naming_it(
    client, params, needle_zh, needle_en
) -> None:
    r = client.get(ITEMS.format("stations"), params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert needle_zh in body["message"] and needle_en in body["message_en"], body
    assert len(body["message"]) < 1500


def test_sortby_orders_by_properties_then_id(client) -> None:
    assert _names(client, sortby="-opened_on") == [
        "罗湖书屋",
        "华强母婴室",
        "莲花驿站",
        "Lianhua Rest",
    ]
    assert _names(client, sortby="+district,name") == [
        "Lianhua Rest",
        "华强母婴室",
        "莲花驿站",
        "罗湖书屋",
    ]
    assert _names(client, "main_streets", sortby="length_m") == ["红荔路", "深南大道"]


def test_properties_returns_only_those_asked(client) -> None:
    body = client.get(ITEMS.format("stations"), params={"properties": "name,kind_zh"}).json()
    assert [set(f["properties"]) for f in body["features"]] == [{"name", "kind_zh"}] * 4
    assert body["features"][0]["properties"]["kind_zh"] == "爱心驿站"
    none = client.get(ITEMS.format("districts"), params={"properties": ""}).json()
    assert [f["properties"] for f in none["features"]] == [{}, {}]
    one = client.get(ITEMS.format("stations") + "/1", params={"properties": "address"}).json()
    assert one["properties"] == {"address": "深南大道1号"}


def test_a_filter_keeps_paging_links_and_counts(client) -> None:
    r = client.get(ITEMS.format("stations"), params={"filter": "district = '福田'", "limit": 1})
    body = r.json()
    assert body["numberMatched"] == 2 and body["numberReturned"] == 1
    nxt = next(x["href"] for x in body["links"] if x["rel"] == "next")
    second = client.get(nxt).json()
    assert [f["properties"]["name"] for f in second["features"]] == ["华强母婴室"]
    assert not any(x["rel"] == "next" for x in second["links"])


@pytest.mark.parametrize(
    ("collection", "text", "expected"),
    [
        ("districts", "S_CONTAINS(geometry, POINT(114.05 22.55))", ["福田"]),
        ("districts", "S_DISJOINT(geometry, POINT(114.05 22.55))", ["罗湖"]),
        ("districts", "S_TOUCHES(geometry, POINT(114.1 22.55))", ["福田", "罗湖"]),
        (
            "districts",
            "S_OVERLAPS(geometry, POLYGON((114.05 22.52, 114.08 22.52, 114.08 22.58, "
            "114.05 22.58, 114.05 22.52)))",
            [],  # inside 福田: contained, not overlapping
        ),
        (
            "districts",
            "S_OVERLAPS(geometry, POLYGON((114.15 22.52, 114.25 22.52, 114.25 22.58, "
            "114.15 22.58, 114.15 22.52)))",
            ["罗湖"],
        ),
        (
            "districts",
            "S_EQUALS(geometry, POLYGON((114.0 22.5, 114.1 22.5, 114.1 22.6, 114.0 22.6, "
            "114.0 22.5)))",
            ["福田"],
        ),
        (
            "main_streets",
            "S_CROSSES(geometry, LINESTRING(114.05 22.50, 114.05 22.60))",
            ["深南大道"],
        ),
        ("main_streets", "S_INTERSECTS(geometry, MULTIPOINT((114.11 22.56), (1 1)))", ["红荔路"]),
        (
            "stations",
            "S_INTERSECTS(geometry, LINESTRING(114.05 22.50, 114.05 22.60))",
            ["莲花驿站"],
        ),
        (
            "stations",
            "S_INTERSECTS(geometry, MULTIPOLYGON(((114.11 22.53, 114.13 22.53, 114.13 22.55, "
            "114.11 22.53))))",
            ["罗湖书屋"],
        ),
    ],
)
def test_every_spatial_function_and_geometry_type(client, collection, text, expected) -> None:
    assert _names(client, collection, filter=text) == expected


@pytest.mark.parametrize(
    ("params", "status"),
    [
        (
            {"filter": "S_INTERSECTS(geometry, POLYGON((114 22, 115 23, 115 22, 114 23, 114 22)))"},
            200,
        ),
        ({"filter": "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 0 0)))"}, 200),  # made valid
        ({"filter": "S_INTERSECTS(geometry, POINT(1e300 1e300))", "filter-crs": EPSG3857}, 400),
        ({"filter": "BBOX(geometry, -3e7, -3e7, 3e7, 3e7)", "filter-crs": EPSG3857}, 400),
        ({"filter": "S_INTERSECTS(geometry, POINT(500 500))"}, 200),
        ({"filter": "name IN ()"}, 400),
        ({"filter": "(" * 400 + "INCLUDE" + ")" * 400}, 200),
        ({"filter": "NOT " * 2000 + "INCLUDE"}, 400),
        ({"filter-lang": "sql"}, 400),
    ],
)
def test_odd_filters_never_make_a_server_error(client, params, status) -> None:
    r = client.get(ITEMS.format("stations"), params=params)
    assert r.status_code == status, r.text
