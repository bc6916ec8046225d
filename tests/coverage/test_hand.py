"""Coverage on small hand-built cities whose answers are worked out on paper.

The main street 主街 runs along y = 0 from x = 0 to 3000 m, noded at 1000 and 2500 m
(edges e0 = [0, 1000], e1 = [1000, 2500], e2 = [2500, 3000]). D = 1000 m unless said.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geo.coverage import service
from geo.errors import InvalidInput, NotLoaded
from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets

AS_OF = dt.date(2026, 11, 24)


def _run(db, as_of=AS_OF, distance=1000.0, mode="walking", cell=100.0):
    q = service.question(as_of, "love_station", distance, mode, cell)
    return service.run(db, q)


def _summary(db, **kw):
    return _run(db, **kw)["figures"]["summary"]


def test_partial_edges_are_measured_from_each_end(db) -> None:
    load_streets(db, MAIN_STREET)
    # 30 m off e0 at x = 200: reach 970 m along e0 covers all of it; node 1000 is at
    # 30 + 800 = 830 m, so e1 is covered for its first 170 m; node 2500 is out of reach.
    add_station(db, 200, 30, name="甲")
    s = _summary(db)
    assert s["main_street_covered_m"] == pytest.approx(1170.0, abs=1e-3)
    assert s["main_street_m"] == pytest.approx(3000.0, abs=1e-3)
    assert s["main_street_share"] == pytest.approx(0.39, abs=1e-6)


def test_two_stations_cover_both_ends_of_an_edge_and_leave_the_middle_as_a_gap(db) -> None:
    load_streets(db, MAIN_STREET)
    add_station(db, 200, 30, name="甲")
    add_station(db, 2800, 0, name="乙")  # on e2: node 2500 at 300 m, e1 covered [800, 1500]
    snap = _run(db)
    s = snap["figures"]["summary"]
    assert s["main_street_covered_m"] == pytest.approx(1000 + 170 + 700 + 500, abs=1e-3)
    from geo.db.coverage import snapshot_geoms

    gaps = snapshot_geoms(db, snap["id"], ["street_gap"])
    assert len(gaps) == 1
    assert gaps[0]["street"] == "主街"
    assert gaps[0]["measure"] == pytest.approx(630.0, abs=0.5)


def test_a_station_in_the_middle_of_a_long_edge_covers_it_both_ways(db) -> None:
    load_streets(db, [{"name": "长街", "coords": [(0, 0), (3000, 0)]}])
    add_station(db, 1500, 0)  # reaches no node: covers [500, 2500] along the edge itself
    s = _summary(db)
    assert s["main_street_covered_m"] == pytest.approx(2000.0, abs=1e-3)


def test_the_snapping_distance_counts_as_walking(db) -> None:
    load_streets(db, [{"name": "长街", "coords": [(0, 0), (3000, 0)]}])
    add_station(db, 1500, 400)  # 400 m from the street: 600 m left each way
    s = _summary(db)
    assert s["main_street_covered_m"] == pytest.approx(1200.0, abs=1e-3)


def test_walking_round_a_corner_reaches_less_than_a_straight_line(db) -> None:
    # An L: 主街 along y = 0, a side street up x = 0 to (0, 600), and 北街 from there east.
    load_streets(
        db,
        [
            {"name": "主街", "coords": [(0, 0), (1000, 0)], "is_main": False},
            {"name": "支路", "coords": [(0, 0), (0, 600)], "is_main": False},
            {"name": "北街", "coords": [(0, 600), (1000, 600)]},
        ],
    )
    add_station(db, 300, 0)  # to 北街: 300 + 600 = 900 m walk, leaving 100 m along it
    walk = _summary(db)
    straight = _summary(db, mode="straight_line")
    assert walk["main_street_covered_m"] == pytest.approx(100.0, abs=1e-3)
    # circle of 1000 m around (300, 0) meets y = 600 for |x - 300| <= 800: x in [0, 1000]
    assert straight["main_street_covered_m"] == pytest.approx(1000.0, abs=0.5)
    assert straight["mode_label"].startswith("直线距离")


def test_closed_planned_and_unapproved_stations_count_only_while_operating(db) -> None:
    load_streets(db, [{"name": "长街", "coords": [(0, 0), (3000, 0)]}])
    add_station(
        db,
        500,
        0,
        name="已关闭",
        status="closed",
        opened_on=dt.date(2025, 1, 1),
        closed_on=dt.date(2026, 3, 1),
    )
    add_station(db, 2500, 0, name="规划中", status="planned", opened_on=None)
    add_station(db, 2500, 0, name="待审核", review_state="pending_review")
    before = _summary(db, as_of=dt.date(2026, 2, 28))
    on_closing_day = _summary(db, as_of=dt.date(2026, 3, 1))
    assert before["stations"] == 1
    assert before["main_street_covered_m"] == pytest.approx(1500.0, abs=1e-3)
    assert on_closing_day["stations"] == 0
    assert on_closing_day["main_street_covered_m"] == 0


def test_a_station_counts_from_its_opening_date(db) -> None:
    load_streets(db, [{"name": "长街", "coords": [(0, 0), (3000, 0)]}])
    add_station(db, 500, 0, name="早", opened_on=dt.date(2025, 1, 1))
    add_station(db, 2500, 0, name="晚", opened_on=dt.date(2026, 6, 1))
    assert _summary(db, as_of=dt.date(2026, 5, 31))["main_street_covered_m"] == pytest.approx(
        1500.0, abs=1e-3
    )
    assert _summary(db, as_of=dt.date(2026, 6, 1))["main_street_covered_m"] == pytest.approx(
        3000.0, abs=1e-3
    )


def test_a_temporarily_closed_station_counts_until_its_closing_date(db) -> None:
    load_streets(db, [{"name": "长街", "coords": [(0, 0), (3000, 0)]}])
    add_station(db, 500, 0, status="temporarily_closed", closed_on=dt.date(2026, 10, 1))
    assert _summary(db, as_of=dt.date(2026, 9, 30))["stations"] == 1
    assert _summary(db, as_of=dt.date(2026, 10, 1))["stations"] == 0


def test_key_district_cells_count_when_their_centre_is_within_walking_distance(db) -> None:
    load_streets(db, MAIN_STREET)
    load_district(db, "示范区", (0, 0, 1000, 1000))
    add_station(db, 0, 0)
    # 100 m cells, centres (50 + 100 i, 50 + 100 j): walk = centre y (snap) + centre x,
    # within 990 m when i + j <= 8: 45 of the 100 cells.
    snap = _run(db, distance=990.0)
    s = snap["figures"]["summary"]
    assert s["key_district_share"] == pytest.approx(0.45, abs=1e-6)
    district = next(d for d in snap["figures"]["districts"] if d["district"] == "示范区")
    assert district["area_share"] == pytest.approx(0.45, abs=1e-6)
    assert district["area_m2"] == pytest.approx(1_000_000, rel=1e-6)
    # straight line: centres within 990 m of the corner
    expected = sum(
        1
        for i in range(10)
        for j in range(10)
        if (50 + 100 * i) ** 2 + (50 + 100 * j) ** 2 <= 990**2
    )
    straight = _summary(db, distance=990.0, mode="straight_line")
    assert straight["key_district_share"] == pytest.approx(expected / 100, abs=1e-6)
    assert expected > 45


def test_main_streets_are_split_between_districts_at_their_border(db) -> None:
    load_streets(db, MAIN_STREET)
    # e0 lies wholly in 西区, e2 wholly in 东区, e1 crosses the border at x = 1200
    load_district(db, "西区", (-500, -500, 1200, 500))
    load_district(db, "东区", (1200, -500, 3500, 500))
    add_station(db, 200, 30, name="甲")  # covers [0, 1170] (see the first test)
    by_name = {d["district"]: d for d in _run(db)["figures"]["districts"]}
    assert by_name["西区"]["main_street_m"] == pytest.approx(1200.0, abs=0.01)
    assert by_name["西区"]["main_street_covered_m"] == pytest.approx(1170.0, abs=0.01)
    assert by_name["东区"]["main_street_m"] == pytest.approx(1800.0, abs=0.01)
    assert by_name["东区"]["main_street_covered_m"] == pytest.approx(0.0, abs=0.01)


def test_uncovered_cells_are_reported_as_one_gap_polygon_with_its_area(db) -> None:
    load_streets(db, MAIN_STREET)
    load_district(db, "示范区", (0, 0, 1000, 1000))
    add_station(db, 0, 0)
    snap = _run(db, distance=990.0)
    from geo.db.coverage import snapshot_geoms

    gaps = snapshot_geoms(db, snap["id"], ["area_gap"])
    assert len(gaps) == 1  # the 55 uncovered cells form one staircase polygon
    assert gaps[0]["district"] == "示范区"
    assert gaps[0]["measure"] == pytest.approx(550_000, rel=1e-4)


def test_a_main_street_off_the_walk_network_is_measured_by_snapping(db) -> None:
    # A trunk road pedestrians may not use, 50 m north of a walkable street.
    load_streets(
        db,
        [
            {"name": "人行街", "coords": [(0, 0), (2000, 0)], "is_main": False},
            {
                "name": "快速路",
                "coords": [(0, 50), (2000, 50)],
                "walkable": False,
                "highway": "trunk",
            },
        ],
    )
    add_station(db, 0, 0)
    # a point x along it is 50 + x away: covered for x <= 950 (10 m pieces, exact here)
    s = _summary(db)
    assert s["main_street_off_network_m"] == pytest.approx(2000.0, abs=1e-3)
    assert s["main_street_covered_m"] == pytest.approx(950.0, abs=1e-3)


def test_an_unchanged_run_reuses_its_snapshot_and_a_new_station_invalidates_it(db) -> None:
    load_streets(db, MAIN_STREET)
    add_station(db, 200, 30, name="甲")
    first = _run(db)
    again = _run(db)
    assert not first["reused"] and again["reused"] and again["id"] == first["id"]
    add_station(db, 2800, 0, name="乙")
    third = _run(db)
    assert not third["reused"] and third["fingerprint"] != first["fingerprint"]
    assert third["figures"]["summary"]["main_street_covered_m"] > 2000


def test_changing_the_network_invalidates_the_snapshot(db) -> None:
    load_streets(db, MAIN_STREET)
    add_station(db, 200, 30)
    first = _run(db)
    load_streets(db, MAIN_STREET[:2])
    second = _run(db)
    assert not second["reused"]
    assert second["figures"]["summary"]["main_street_m"] == pytest.approx(2500.0, abs=1e-3)
    assert first["figures"]["summary"]["main_street_m"] == pytest.approx(3000.0, abs=1e-3)


@pytest.mark.parametrize("distance", [0, -5, 20_001])
def test_absurd_distances_are_refused(distance) -> None:
    with pytest.raises(InvalidInput) as err:
        service.question(AS_OF, "love_station", distance)
    assert "服务距离" in err.value.zh and "distance" in err.value.en


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        service.question(AS_OF, "tea_house")
    assert "未知的站点类型" in err.value.zh and "unknown station kind" in err.value.en


def test_a_date_before_the_first_station_is_zero_with_a_note(db) -> None:
    load_streets(db, MAIN_STREET)
    add_station(db, 200, 30, opened_on=dt.date(2025, 3, 15))
    s = _run(db, as_of=dt.date(2025, 3, 14))["figures"]["summary"]
    assert s["stations"] == 0 and s["main_street_covered_m"] == 0.0
    assert "2025-03-15" in s["note"] and "before the first" in s["note_en"]
    assert "note" not in _run(db, as_of=dt.date(2025, 3, 15))["figures"]["summary"]


def test_an_empty_network_is_refused(db) -> None:
    add_station(db, 200, 30)
    with pytest.raises(NotLoaded) as err:
        _run(db)
    assert "步行路网" in err.value.zh and "walk network" in err.value.en
