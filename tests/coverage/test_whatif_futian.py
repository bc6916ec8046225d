"""The what-if engine on the real Futian network equals full coverage runs of the same
stations: random add/remove/move sets, figures to 1e-9, and the stored snapshot's own
figures for the base."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from geo.coverage import service, whatif_service
from geo.coverage.changes import parse_changes, resolve
from geo.coverage.evaluate import evaluate as full_evaluate
from geo.coverage.figures import cell_areas
from geo.coverage.whatif import evaluate
from geo.stations import sql as stations_db

pytestmark = pytest.mark.realcity

AS_OF = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def futian(shared_data, database_url, db_module):
    from tests.helpers.db import add_futian_stations, load_futian

    load_futian(shared_data, database_url)
    add_futian_stations(
        db_module, seed=16, n=20, name="福田推演驿站", source="test-whatif", opened_every_days=0
    )
    whatif_service.clear_cache()
    return db_module


def test_the_base_equals_the_stored_snapshot(futian) -> None:
    q = service.question(AS_OF, "love_station", 800.0, cell_m=50.0)
    snap = service.run(futian, q)
    out = whatif_service.whatif(futian, q, [])
    summary = snap["figures"]["summary"]
    for key in (
        "main_street_m",
        "main_street_covered_m",
        "main_street_share",
        "key_district_share",
        "stations",
        "stations_reaching_network",
    ):
        assert out["base"][key] == pytest.approx(summary[key], abs=1e-6), key
    assert out["scenario"] == out["base"]


@pytest.mark.parametrize("seed", range(6))
def test_random_changes_equal_full_runs_on_futian(futian, seed) -> None:
    q = service.question(AS_OF, "love_station", 800.0, cell_m=50.0)
    base = whatif_service.base_for(futian, q)
    rng = np.random.default_rng(100 + seed)
    ids = base.ids.tolist()
    rng.shuffle(ids)
    changes: list[dict] = [{"op": "remove", "station_id": int(s)} for s in ids[:2]]
    changes += [
        {
            "op": "move",
            "station_id": int(s),
            "lon": float(rng.uniform(114.0, 114.037)),
            "lat": float(rng.uniform(22.52, 22.548)),
        }
        for s in ids[2 : 2 + int(rng.integers(0, 3))]
    ]
    changes += [
        {
            "op": "add",
            "id": f"n{k}",
            "lon": float(rng.uniform(114.0, 114.037)),
            "lat": float(rng.uniform(22.52, 22.548)),
            "crs": "gcj02" if k % 2 else "wgs84",
        }
        for k in range(int(rng.integers(1, 4)))
    ]
    res = resolve(base, parse_changes(changes))
    out = evaluate(base, res.removed, res.added)
    keep = np.setdiff1d(np.arange(len(base.ids)), res.removed)
    lon = np.r_[base.lon[keep], [a.lon for a in res.added]]
    lat = np.r_[base.lat[keep], [a.lat for a in res.added]]
    cov = full_evaluate(base.city, lon, lat, q.distance_m, "walking")
    covered_m = float((cov.main_covered.hi - cov.main_covered.lo).sum())
    covered_a = float(cell_areas(base.city)[cov.cell_covered].sum())
    assert out.scenario.main_street_covered_m == pytest.approx(covered_m, rel=1e-12, abs=1e-9)
    assert out.scenario.key_district_covered_m2 == pytest.approx(covered_a, rel=1e-12, abs=1e-9)
    assert abs(out.scenario.main_street_share - covered_m / out.scenario.main_street_m) <= 1e-9
    assert out.scenario.stations_reaching_network == cov.n_stations_on_network
    answer = whatif_service.whatif(futian, q, changes)
    assert answer["scenario"]["main_street_covered_m"] == round(covered_m, 2)


def test_a_changed_station_set_builds_a_new_base(futian) -> None:
    """The base is cached under the stations' fingerprint: a new station is never
    missed."""
    q = service.question(AS_OF, "love_station", 800.0, cell_m=50.0)
    before = whatif_service.base_for(futian, q)
    with futian.transaction():
        stations_db.upsert_many(
            futian,
            [
                {
                    "kind": "love_station",
                    "name": "新开驿站",
                    "status": "open",
                    "review_state": "approved",
                    "opened_on": dt.date(2025, 1, 1),
                    "services": [],
                    "is_demo": False,
                    "source": "test-whatif",
                    "external_id": "new",
                    "lon": 114.02,
                    "lat": 22.53,
                }
            ],
        )
    after = whatif_service.base_for(futian, q)
    assert after is not before and len(after.ids) == len(before.ids) + 1
    assert whatif_service.base_for(futian, q) is after
