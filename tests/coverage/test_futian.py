"""Coverage on the real Futian network, checked against an independent computation:
snapping by PostGIS on the ellipsoid, distances by networkx, intervals by plain Python."""

from __future__ import annotations

import datetime as dt

import networkx as nx
import pytest

from geo.coverage import service

pytestmark = pytest.mark.realcity

D = 1000.0
AS_OF = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def futian(shared_data, database_url, db_module):
    from tests.helpers.db import add_futian_stations, load_futian

    load_futian(shared_data, database_url)
    add_futian_stations(db_module)
    return service.run(db_module, service.question(AS_OF, "love_station", D, cell_m=50.0))


def _independent_covered_m(conn) -> tuple[float, float]:
    edges = conn.execute(
        "SELECT e.id, e.source, e.target, e.length_m, s.is_main FROM walk_edges e"
        " JOIN streets s ON s.id = e.street_id"
    ).fetchall()
    stations = conn.execute(
        """SELECT st.id, e.id AS edge, e.length_m * ST_LineLocatePoint(e.geom, st.geom) AS along,
                  ST_Distance(e.geom::geography, st.geom::geography) AS offset
           FROM stations st CROSS JOIN LATERAL (
               SELECT id, geom, length_m FROM walk_edges
               ORDER BY geom::geography <-> st.geom::geography LIMIT 1) e"""
    ).fetchall()
    dist = nx.single_source_dijkstra_path_length(_graph(edges, stations), "S", cutoff=D)
    on_edge: dict[int, list[tuple[float, float]]] = {}
    for s in stations:
        on_edge.setdefault(s["edge"], []).append((s["along"], s["offset"]))
    main = [e for e in edges if e["is_main"]]
    total = sum(e["length_m"] for e in main)
    covered = sum(_union_length(_spans(e, dist, on_edge.get(e["id"], []))) for e in main)
    return total, covered


def _graph(edges, stations) -> nx.Graph:
    """The walk network with a super-source "S" joined to each station's edge ends."""
    g = nx.Graph()

    def join(a, b, w: float) -> None:
        if g.has_edge(a, b):
            w = min(w, g[a][b]["weight"])
        g.add_edge(a, b, weight=w)

    for e in edges:
        join(e["source"], e["target"], e["length_m"])
    by_id = {e["id"]: e for e in edges}
    for s in stations:
        e = by_id[s["edge"]]
        join("S", e["source"], s["offset"] + s["along"])
        join("S", e["target"], s["offset"] + e["length_m"] - s["along"])
    return g


def _spans(e, dist, stations_on_edge) -> list[tuple[float, float]]:
    """The covered stretches of one edge: from each reached end, and around stations on it."""
    length = e["length_m"]
    spans = []
    if e["source"] in dist:
        spans.append((0.0, min(length, D - dist[e["source"]])))
    if e["target"] in dist:
        spans.append((max(0.0, length - (D - dist[e["target"]])), length))
    for along, offset in stations_on_edge:
        if offset < D:
            r = D - offset
            spans.append((max(0.0, along - r), min(length, along + r)))
    return spans


def _union_length(spans: list[tuple[float, float]]) -> float:
    covered = end = 0.0
    for lo, hi in sorted(spans):
        lo = max(lo, end)
        if hi > lo:
            covered += hi - lo
            end = hi
    return covered


def test_futian_main_street_coverage_agrees_with_networkx_within_a_thousandth(
    futian, db_module
) -> None:
    off = db_module.execute(
        "SELECT count(*) AS n FROM streets WHERE is_main AND NOT walkable"
    ).fetchone()["n"]
    assert off == 0  # every Futian main street is walkable, so the edges are the streets
    total, covered = _independent_covered_m(db_module)
    s = futian["figures"]["summary"]
    assert s["main_street_m"] == pytest.approx(total, abs=0.01)
    assert 0.05 < covered / total < 0.95  # a partial answer, so the check means something
    assert s["main_street_covered_m"] == pytest.approx(covered, rel=1e-3)


def test_futian_per_street_and_per_district_figures_add_up(futian) -> None:
    figs = futian["figures"]
    s = figs["summary"]
    assert sum(r["covered_m"] for r in figs["streets"]) == pytest.approx(
        s["main_street_covered_m"], rel=1e-6
    )
    futian_row = next(d for d in figs["districts"] if d["district"] == "福田")
    assert futian_row["is_key"]
    assert futian_row["main_street_m"] == pytest.approx(s["main_street_m"], rel=1e-3)
    assert futian_row["main_street_covered_m"] == pytest.approx(
        s["main_street_covered_m"], rel=1e-3
    )
    assert 0 < futian_row["area_share"] < 1
    # the grid covers the whole district polygon
    assert futian_row["area_m2"] == pytest.approx(next(iter([s["key_district_area_m2"]])), rel=1e-9)


def test_futian_key_district_share_is_stable_to_half_a_point_at_the_default_cell(
    futian, db_module
) -> None:
    coarse = futian["figures"]["summary"]["key_district_share"]
    fine = service.run(db_module, service.question(AS_OF, "love_station", D, cell_m=25.0))
    assert abs(fine["figures"]["summary"]["key_district_share"] - coarse) < 0.005
