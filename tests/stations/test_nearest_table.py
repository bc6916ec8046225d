"""The nearest table (#18 item 2) answers exactly as the search, and never from a stale
table: on small hand-made networks and on the real Futian streets, against PostGIS."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from geo import clock
from geo.settings import LookupSettings
from geo.stations import lookup, nearest_table
from geo.stations import sql as stations_sql
from tests.helpers.nearest_city import add_station, ll, load_network

ON = LookupSettings(nearest_table=True, nearest_table_k=24)
OFF = LookupSettings(nearest_table=False)
KINDS = ("love_station", "mother_baby_room", "worker_bookshop")


def grid(side: int = 8, step: float = 80.0) -> tuple[dict[int, Any], dict[int, Any]]:
    """A ``side`` x ``side`` street grid ``step`` m apart, a few blocks missing, and a
    footway of two edges cut off from it (nodes 900..902) east of the grid."""
    nodes = {r * side + c + 1: (c * step, r * step) for r in range(side) for c in range(side)}
    edges: dict[int, tuple[int, int]] = {}
    for r in range(side):
        for c in range(side):
            n = r * side + c + 1
            if c + 1 < side and (r * 7 + c) % 5 != 0:
                edges[len(edges) + 1] = (n, n + 1)
            if r + 1 < side and (r + c * 3) % 6 != 0:
                edges[len(edges) + 1] = (n, n + side)
    far = side * step + 40
    nodes |= {900: (far, 100.0), 901: (far, 180.0), 902: (far + 60, 180.0)}
    edges[len(edges) + 1] = (900, 901)
    edges[len(edges) + 1] = (901, 902)
    return nodes, edges


def ready(conn: Any) -> nearest_table.StationTable:
    """Build the table of the current network and stations now, and return it."""
    nearest_table.clear()
    nearest_table.refresh(conn, ON.nearest_table_k, clock.today())
    nearest_table.settle()
    found = nearest_table.table(conn)
    assert found is not None
    return found


def test_without_tables_per_kind_a_kind_is_answered_from_the_lists_of_all_kinds(town) -> None:
    shared = LookupSettings(nearest_table=True, nearest_table_k=24, nearest_table_per_kind=False)
    nearest_table.clear()
    nearest_table.refresh(town, 24, clock.today(), per_kind=False)
    nearest_table.settle()
    tab = nearest_table.table(town)
    assert tab is not None and tab.kinds["love_station"].nodes is tab.kinds[None].nodes
    rng = np.random.default_rng(12)
    used = 0
    for i in range(60):
        q = query(*ll(rng.uniform(-100, 760), rng.uniform(-100, 660)), kind=KINDS[i % 3])
        used += lookup._from_table(town, q, shared) is not None
        assert lookup.nearest(town, q, shared) == lookup.nearest(town, q, OFF)
    assert used >= 20


def query(lon: float, lat: float, **kw: Any) -> lookup.NearestQuery:
    where = stations_sql.StationFilter(
        kind=kw.pop("kind", None), services=tuple(kw.pop("services", ()))
    )
    return lookup.NearestQuery(lon=lon, lat=lat, crs="wgs84", at=clock.now(), where=where, **kw)


def same(conn: Any, q: lookup.NearestQuery) -> bool:
    """Assert the answer with the table equals the search's; True when the table gave it."""
    used = lookup._from_table(conn, q, ON) is not None
    with_table = lookup.nearest(conn, q, ON).model_dump()
    searched = lookup.nearest(conn, q, OFF).model_dump()
    assert with_table == searched, (q, used)
    return used


@pytest.fixture
def town(db):
    """The grid with 90 stations of three kinds (some on the cut-off footway, some set back
    from the street, some exactly on it), at seeded random places."""
    nodes, edges = grid()
    load_network(db, nodes, edges)
    rng = np.random.default_rng(7)
    for i in range(90):
        x, y = rng.uniform(-60, 720), rng.uniform(-60, 620)
        if i % 9 == 0:
            x, y = 700 + rng.uniform(-10, 10), 100 + rng.uniform(0, 80)  # by the footway
        if i % 7 == 0:
            x = round(x / 80) * 80  # on a north-south street
        services = ["drinking_water", "toilet"] if i % 2 else ["drinking_water"]
        add_station(db, f"站 {i}", x, y, kind=KINDS[i % 3], services=services)
    return db


def test_the_table_answers_as_the_search_at_random_places_with_every_parameter(town) -> None:
    ready(town)
    rng = np.random.default_rng(11)
    used = 0
    for i in range(120):
        x, y = rng.uniform(-100, 760), rng.uniform(-100, 660)
        kind = (None, *KINDS)[i % 4]
        limit = int(rng.choice([1, 2, 3, 5, 8, 13, 50]))
        max_d = float(rng.choice([60.0, 150.0, 400.0, 3000.0]))
        used += same(town, query(*ll(x, y), kind=kind, limit=limit, max_distance_m=max_d))
    assert used >= 60  # most answers come from the table; the rest were searched


def test_stations_on_the_persons_edge_and_beside_the_person(town) -> None:
    ready(town)
    for x in np.linspace(0, 560, 15):
        for y in (0.0, 3.0, 25.0):
            for limit in (1, 4):
                same(town, query(*ll(float(x), y), limit=limit))
    # Standing at a station set back from the street: 0 m from it, a walk.
    station = add_station(town, "院内站", 200, 40)
    ready(town)
    q = query(*ll(200, 40), limit=1)
    assert same(town, q)
    first = lookup.nearest(town, q, ON).stations[0]
    assert (first.id, first.distance_kind, first.distance_m) == (station, "walk", 0.0)


def test_a_station_on_a_cut_off_piece_is_ranked_by_its_straight_line(town) -> None:
    ready(town)
    q = query(*ll(600, 140), limit=12)
    assert same(town, q)
    kinds = {s.distance_kind for s in lookup.nearest(town, q, ON).stations}
    assert kinds == {"walk", "straight"}


def test_filters_and_far_people_are_searched_with_the_same_answers(town) -> None:
    ready(town)
    at = ll(300, 300)
    filtered = [
        query(*at, services=["toilet"]),
        query(*at, open_now=True),
        query(*ll(300, 2000)),  # beyond walk_max_snap_m: straight lines
    ]
    for q in filtered:
        assert not same(town, q)


def test_no_network_is_searched(db) -> None:
    add_station(db, "甲", 0, 0)
    nearest_table.clear()
    q = query(*ll(10, 10))
    assert not same(db, q)
    nearest_table.settle()
    assert nearest_table.table(db) is None
    assert not same(db, q)
    assert lookup.nearest(db, q, ON).distance_basis == "straight_line"


def _first(conn: Any, q: lookup.NearestQuery) -> tuple[int, float]:
    s = lookup.nearest(conn, q, ON).stations[0]
    return s.id, s.distance_m


def test_a_station_added_closed_or_moved_is_answered_at_once(town) -> None:
    ready(town)
    q = query(*ll(330, 250), limit=1)
    assert same(town, q)
    new = add_station(town, "新站", 330, 255)
    assert lookup._from_table(town, q, ON) is None  # the old table is not used
    assert _first(town, q)[0] == new
    nearest_table.settle()
    assert same(town, q)  # the new table answers
    town.execute(
        "UPDATE stations SET status = 'closed', closed_on = %s WHERE id = %s",
        (clock.today(), new),
    )
    assert lookup._from_table(town, q, ON) is None
    assert _first(town, q)[0] != new
    nearest_table.settle()
    assert same(town, q)
    moved = _first(town, q)[0]
    town.execute(
        "UPDATE stations SET geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326) WHERE id = %s",
        (*ll(0, 0), moved),
    )
    assert lookup._from_table(town, q, ON) is None
    assert _first(town, q)[0] != moved
    nearest_table.settle()
    assert same(town, q)


def test_a_network_reimport_makes_the_table_unused(town) -> None:
    ready(town)
    q = query(*ll(330, 250), limit=3)
    assert same(town, q)
    nodes, edges = grid(side=9, step=70.0)
    load_network(town, nodes, edges)
    assert lookup._from_table(town, q, ON) is None
    same(town, q)
    nearest_table.settle()
    assert same(town, q)


def test_a_new_day_makes_the_table_unused(town) -> None:
    today = clock.today()
    with clock.frozen(dt.datetime(today.year, today.month, today.day, 12, tzinfo=clock.zone())):
        tomorrow = today + dt.timedelta(days=1)
        opening = add_station(town, "明日开业", 330, 252, opened_on=tomorrow)
        ready(town)
        q = query(*ll(330, 250), limit=1)
        assert same(town, q)
        assert _first(town, q)[0] != opening
    with clock.frozen(
        dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day, 12, tzinfo=clock.zone())
    ):
        q = query(*ll(330, 250), limit=1)
        assert lookup._from_table(town, q, ON) is None  # built for yesterday
        assert _first(town, q)[0] == opening
        nearest_table.settle()
        assert same(town, q)


@pytest.fixture(scope="module")
def futian(shared_data, database_url, db_module):
    from tests.helpers.db import load_futian

    load_futian(shared_data, database_url)
    rng = np.random.default_rng(5)
    lon, lat = 114.002 + rng.uniform(0, 0.036, 3000), 22.52 + rng.uniform(0, 0.028, 3000)
    db_module.execute(
        """INSERT INTO stations (kind, name, services, opening_hours, geom)
           SELECT (ARRAY['love_station','mother_baby_room','worker_bookshop'])[1 + (i %% 3)],
                  'futian ' || i, ARRAY['drinking_water'], '24/7',
                  ST_SetSRID(ST_MakePoint(x, y), 4326)
           FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(x, y, i)""",
        (lon.tolist(), lat.tolist()),
    )
    return db_module


def test_the_table_answers_as_the_search_on_the_real_futian_streets(futian) -> None:
    table = ready(futian)
    assert table.ids.size == 3000
    rng = np.random.default_rng(3)
    used = 0
    for i in range(150):
        lon, lat = 114.002 + rng.uniform(0, 0.036), 22.52 + rng.uniform(0, 0.028)
        kind = (None, *KINDS)[i % 4]
        limit = int(rng.choice([1, 5, 10, 20]))
        used += same(futian, query(lon, lat, kind=kind, limit=limit))
    assert used >= 120  # the rest: people off the streets, ranked by straight lines
    assert math.isfinite(table.build_s)


def test_the_table_is_built_without_holding_the_interpreter_lock() -> None:
    """The table is built in a background thread of a serving worker: the compiled search
    must release the GIL, or the worker answers nothing while it runs (minutes on a
    megacity)."""
    from geo.network import nearest_table as kernel

    assert kernel._k_nearest.targetoptions.get("nogil") is True
