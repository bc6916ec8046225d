"""The incremental what-if engine equals a full recomputation with the same stations:
property-style checks of random add/remove/move sets on small synthetic cities."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.coverage.city import load_city
from geo.coverage.engine import Intervals
from geo.coverage.evaluate import evaluate as full_evaluate
from geo.coverage.figures import cell_areas
from geo.coverage.whatif import Added, build_base, difference, evaluate
from tests.helpers.cities import load_district, load_streets, lonlat

D = 300.0


def _grid_streets() -> list[dict]:
    """A 2 km grid every 250 m; every other line a main street; one main street closed to
    walkers (measured by samples off the network), one diagonal, one dead end."""
    streets = []
    for k in range(9):
        v = k * 250.0
        main = k % 2 == 0
        for a in range(8):
            streets.append(
                {
                    "name": f"东西{k}路",
                    "coords": [(a * 250.0, v), ((a + 1) * 250.0, v)],
                    "is_main": main,
                }
            )
            streets.append(
                {
                    "name": f"南北{k}街",
                    "coords": [(v, a * 250.0), (v, (a + 1) * 250.0)],
                    "is_main": not main,
                }
            )
    streets.append({"name": "斜街", "coords": [(250, 250), (750, 750)], "is_main": True})
    streets.append({"name": "死胡同", "coords": [(1000, 1000), (1120, 1060)], "is_main": True})
    streets.append(
        {"name": "封闭路", "coords": [(120, 1800), (900, 1870)], "is_main": True, "walkable": False}
    )
    return streets


@pytest.fixture(scope="module")
def grid_city(database_url, db_module):
    from tests.helpers.db import truncate_all

    truncate_all(database_url)
    load_streets(db_module, _grid_streets())
    load_district(db_module, "中心区", (0, 0, 1200, 1200))
    load_district(db_module, "北区", (0, 1200, 2000, 2000))
    load_district(db_module, "外区", (1200, 0, 2000, 1200), key=False)
    return load_city(db_module, cell_m=50.0)


def _lonlat(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pts = [lonlat(float(x), float(y)) for x, y in xy]
    return np.array([p[0] for p in pts]), np.array([p[1] for p in pts])


def _full(city, lon, lat):
    cov = full_evaluate(city, lon, lat, D, "walking")
    covered_m = float((cov.main_covered.hi - cov.main_covered.lo).sum())
    area = cell_areas(city)
    return cov, covered_m, float(area[cov.cell_covered].sum())


def _random_scenario(rng, n_base):
    """Positions of the base to switch off, to move (with new xy) and new xy to add."""
    order = rng.permutation(n_base)
    k_off = int(rng.integers(0, min(3, n_base) + 1))
    k_move = int(rng.integers(0, min(3, n_base - k_off) + 1))
    off = order[:k_off]
    move = order[k_off : k_off + k_move]
    add = rng.uniform(-100, 2100, size=(int(rng.integers(0, 4)), 2))
    return off, move, rng.uniform(-100, 2100, size=(k_move, 2)), add


@pytest.mark.parametrize("seed", range(12))
def test_random_changes_equal_a_full_recomputation(grid_city, seed) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 9))
    base_xy = rng.uniform(-50, 2050, size=(n, 2))
    # some stations set back from the street (courtyards): the straight-line rule counts
    base_xy[: n // 2] += rng.uniform(-60, 60, size=(n // 2, 2))
    lon, lat = _lonlat(base_xy)
    base = build_base(grid_city, D, np.arange(1, n + 1), [f"s{i}" for i in range(n)], lon, lat)
    _, b_m, b_a = _full(grid_city, lon, lat)
    assert base.figures.main_street_covered_m == pytest.approx(b_m, rel=1e-12, abs=1e-9)
    assert base.figures.key_district_covered_m2 == pytest.approx(b_a, rel=1e-12, abs=1e-9)

    off, move, moved_xy, add_xy = _random_scenario(rng, n)
    m_lon, m_lat = _lonlat(moved_xy) if len(moved_xy) else (np.array([]), np.array([]))
    a_lon, a_lat = _lonlat(add_xy) if len(add_xy) else (np.array([]), np.array([]))
    added = [
        Added(f"m{i}", float(x), float(y), station_id=int(move[i]) + 1)
        for i, (x, y) in enumerate(zip(m_lon, m_lat, strict=True))
    ]
    added += [
        Added(f"a{i}", float(x), float(y))
        for i, (x, y) in enumerate(zip(a_lon, a_lat, strict=True))
    ]
    out = evaluate(base, [*off.tolist(), *move.tolist()], added)

    keep = np.setdiff1d(np.arange(n), np.r_[off, move])
    s_lon = np.r_[lon[keep], m_lon, a_lon]
    s_lat = np.r_[lat[keep], m_lat, a_lat]
    cov, s_m, s_a = _full(grid_city, s_lon, s_lat)
    sc = out.scenario
    assert sc.stations == len(s_lon)
    assert sc.stations_reaching_network == cov.n_stations_on_network
    assert sc.main_street_covered_m == pytest.approx(s_m, rel=1e-12, abs=1e-9)
    assert sc.key_district_covered_m2 == pytest.approx(s_a, rel=1e-12, abs=1e-9)
    assert abs(sc.main_street_share - s_m / sc.main_street_m) <= 1e-9
    assert abs(sc.key_district_share - s_a / sc.key_district_area_m2) <= 1e-9
    # the newly covered and uncovered stretches account for the change exactly
    gained = float((out.newly_covered.hi - out.newly_covered.lo).sum())
    lost = float((out.newly_uncovered.hi - out.newly_uncovered.lo).sum())
    assert gained - lost == pytest.approx(s_m - b_m, abs=1e-6)
    base_cells = base.cell_count > 0
    assert np.array_equal(np.flatnonzero(cov.cell_covered & ~base_cells), out.newly_covered_cells)


def test_no_changes_leave_the_base_as_it_is(grid_city) -> None:
    lon, lat = _lonlat(np.array([[500.0, 500.0], [1500.0, 1500.0]]))
    base = build_base(grid_city, D, np.array([7, 8]), ["甲", "乙"], lon, lat)
    out = evaluate(base, [], [])
    assert out.scenario == out.base
    assert out.newly_covered.edge.size == 0 and out.newly_uncovered.edge.size == 0


def test_switching_off_the_only_station_uncovers_what_it_covered(grid_city) -> None:
    lon, lat = _lonlat(np.array([[500.0, 500.0]]))
    base = build_base(grid_city, D, np.array([7]), ["甲"], lon, lat)
    out = evaluate(base, [0], [])
    assert out.scenario.main_street_covered_m == 0.0
    assert out.scenario.key_district_covered_m2 == 0.0
    lost = float((out.newly_uncovered.hi - out.newly_uncovered.lo).sum())
    assert lost == pytest.approx(base.figures.main_street_covered_m, abs=1e-9)


def test_a_station_on_the_closed_main_street_covers_its_samples(grid_city) -> None:
    """The street closed to walkers is measured by samples: adding a station beside it
    covers some of its pieces, which count in the figures and the newly covered."""
    lon, lat = _lonlat(np.array([[1500.0, 500.0]]))
    base = build_base(grid_city, D, np.array([1]), ["远"], lon, lat)
    x, y = lonlat(500.0, 1850.0)
    out = evaluate(base, [], [Added("n", x, y)])
    closed = int(np.flatnonzero(grid_city.main_name == "封闭路")[0])
    assert closed in out.newly_covered.edge.tolist()
    assert grid_city.main_edge[closed] == -1


def test_difference_of_interval_sets() -> None:
    a = Intervals(np.array([0, 0, 2]), np.array([0.0, 5.0, 1.0]), np.array([3.0, 9.0, 4.0]))
    b = Intervals(np.array([0, 1]), np.array([2.0, 0.0]), np.array([6.0, 9.0]))
    d = difference(a, b)
    assert d.edge.tolist() == [0, 0, 2]
    assert d.lo.tolist() == [0.0, 6.0, 1.0]
    assert d.hi.tolist() == [2.0, 9.0, 4.0]
    assert shapely is not None
