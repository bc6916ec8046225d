"""``yizhan plan --full`` on the real Futian network with a handful of test stations: the
recommended sites, once built, give full coverage of main streets and the key district."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest

from geo.coverage import service
from geo.siting.plan import plan, plan_question
from geo.stations import sql as stations_db

pytestmark = pytest.mark.realcity

AS_OF = dt.date(2026, 11, 24)
D = 1000.0


def _stations(lon, lat, prefix, opened):
    return [
        {
            "kind": "love_station",
            "name": f"{prefix}{i}",
            "status": "open",
            "review_state": "approved",
            "opened_on": opened,
            "services": [],
            "is_demo": False,
            "source": prefix,
            "external_id": f"{prefix}{i}",
            "lon": float(x),
            "lat": float(y),
        }
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]


@pytest.fixture(scope="module")
def futian(shared_data, database_url, db_module):
    from tests.helpers.db import load_futian

    load_futian(shared_data, database_url)
    rng = np.random.default_rng(5)
    rows = _stations(
        rng.uniform(114.000, 114.037, 6), rng.uniform(22.520, 22.548, 6), "福田测试", AS_OF
    )
    with db_module.transaction():
        stations_db.upsert_many(db_module, rows)
    return db_module


def test_futian_full_plan_once_built_covers_everything(futian) -> None:
    started = time.perf_counter()
    out = plan(futian, plan_question(AS_OF, distance_m=D, solver="greedy", spacing_m=200))
    seconds = time.perf_counter() - started
    assert out["before"]["main_street_share"] < 0.9 and out["sites"]
    # Futian's streets file holds the main roads only: much of the district (hills, parks,
    # the bay shore) lies over D from any walkable street. Those cells are reported, and
    # nothing else is left open.
    u = out["unreachable"]
    assert u["main_street_m"] == 0 and u["listed"]
    reachable = 1 - u["key_district_m2"] / out["before"]["key_district_area_m2"]
    assert out["verified"]["main_street_share"] == pytest.approx(1.0, abs=1e-6)
    assert out["verified"]["key_district_share"] == pytest.approx(reachable, abs=1e-5)
    rows = [
        {**r, "lon": s["lon"], "lat": s["lat"]}
        for r, s in zip(
            _stations([0] * len(out["sites"]), [0] * len(out["sites"]), "新址", AS_OF),
            out["sites"],
            strict=True,
        )
    ]
    with futian.transaction():
        stations_db.upsert_many(futian, rows)
    s = service.run(futian, service.question(AS_OF, "love_station", D))["figures"]["summary"]
    assert s["main_street_share"] == pytest.approx(1.0, abs=1e-6)
    assert s["key_district_share"] == pytest.approx(reachable, abs=1e-5)
    print(f"Futian plan: {len(out['sites'])} sites, {seconds:.1f} s")
