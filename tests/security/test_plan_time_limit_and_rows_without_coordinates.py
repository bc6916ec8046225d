"""#12 item 13: ``yizhan plan --candidates`` with a row without coordinates reports the row
and plans with the rest; a solve stopped by the time limit is reported with HiGHS's own
bound, and an interrupted incumbent that understates its sites is reported, not refused."""

from __future__ import annotations

import dataclasses

import pytest
from scipy.spatial import cKDTree

from geo.errors import SolverError
from geo.siting import LSCP, MCLP, CoverageProblem, highs
from tests.helpers.cities import MAIN_STREET, load_streets, lonlat
from tests.helpers.cli import yizhan
from tests.siting.test_models import random_problem


def _problem(n: int = 5000, m: int = 2000, seed: int = 6) -> CoverageProblem:
    demand, sites, radius, w = random_problem(n, m, seed=seed, per_demand=5.0)
    pairs = cKDTree(demand).sparse_distance_matrix(cKDTree(sites), radius, output_type="coo_matrix")
    return CoverageProblem.from_distance_table(
        pairs.row, pairs.col, pairs.data, radius, n_demand=n, n_candidates=m, weights=w
    )


def test_cli_plan_reports_a_candidate_row_without_coordinates_and_plans_with_the_rest(
    db, database_url, tmp_path
) -> None:
    load_streets(db, MAIN_STREET)
    rows = ["name,lng,lat"]
    for x in range(0, 3001, 100):
        lon, lat = lonlat(x, 0.0)
        rows.append(f"候选{x},{lon!r},{lat!r}")
    rows += ["地址不详,,", "只有经度,121.5,"]
    path = tmp_path / "cand.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = yizhan(
        "plan", "--full", "--as-of", "2026-11-24", "--distance", "500",
        "--candidates", str(path), url=database_url,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "AttributeError" not in r.stderr
    out = r.stdout
    assert "未使用的候选行" in out and "candidate rows not used: 2" in out
    assert "33" in out and "没有坐标" in out and "no coordinates" in out
    assert "34" in out and "latitude is missing" in out
    assert "建议新址" in out


def test_mclp_stopped_before_highs_has_a_bound_says_so_and_gives_greedys() -> None:
    r = MCLP(_problem(), k=50).solve("highs", time_limit=0.001).result
    assert r.status == "time_limit" and r.n_sites == 50
    assert r.bound_source == "greedy" and 0 < r.gap < 1
    assert any("HiGHS found no solution" in en for _, en in r.notes)
    assert all(zh for zh, _ in r.notes)


def test_lscp_stopped_before_highs_has_a_bound_says_so_and_gives_greedys() -> None:
    r = LSCP(_problem()).solve("highs", time_limit=0.001).result
    assert r.status == "time_limit" and r.bound_source == "greedy"
    assert 0 < r.gap < 1 and r.bound < r.objective
    assert any("HiGHS found no solution" in en for _, en in r.notes)


def test_highs_bound_is_highs_own_mip_dual_bound() -> None:
    p = _problem(3000, 1000, seed=0)
    answer = highs.solve_mclp(p.covers, p.weights, 30, time_limit=60.0)
    r = MCLP(p, k=30).solve("highs", time_limit=60.0).result
    assert r.bound_source == "highs"
    assert r.bound == pytest.approx(answer.dual_bound)
    assert r.gap == pytest.approx((r.bound - r.objective) / r.bound, abs=1e-12)


def _interrupted(answer: highs.MipAnswer, reported: float) -> highs.MipAnswer:
    """HiGHS's answer as the time limit left it in #12: the same sites, but an incumbent
    whose coverage variables z were not yet tightened, so that it (and the value of its own
    solution) counts less than its sites cover, under a bound it had proven."""
    return dataclasses.replace(
        answer,
        status="time_limit",
        objective=reported,
        solution_value=reported,
        dual_bound=answer.objective * 3.0,
        mip_gap=2.0,
    )


def test_an_interrupted_incumbent_that_understates_its_sites_is_reported_not_refused(
    monkeypatch,
) -> None:
    p = _problem(3000, 1000, seed=0)
    real = highs.solve_mclp(p.covers, p.weights, 30, time_limit=60.0)
    found = real.objective
    reported = found / 26.0  # 59777.1 against 2291.54 in the issue
    monkeypatch.setattr(
        "geo.siting.models.highs.solve_mclp", lambda *a, **kw: _interrupted(real, reported)
    )
    r = MCLP(p, k=30).solve("highs", time_limit=5.0).result
    assert r.status == "time_limit"
    assert r.objective == pytest.approx(found)  # what the sites cover
    assert r.bound == pytest.approx(found * 3.0) and r.bound_source == "highs"
    assert r.gap == pytest.approx(2.0 / 3.0)  # from HiGHS's bound, not greedy's 1/e
    assert any(f"{reported:g}" in en and "time limit" in en for _, en in r.notes)


def test_a_solution_not_worth_what_highs_reports_is_still_refused(monkeypatch) -> None:
    p = _problem(3000, 1000, seed=0)
    real = highs.solve_mclp(p.covers, p.weights, 30, time_limit=60.0)
    wrong = dataclasses.replace(real, solution_value=real.objective / 2)
    monkeypatch.setattr("geo.siting.models.highs.solve_mclp", lambda *a, **kw: wrong)
    with pytest.raises(SolverError) as err:
        MCLP(p, k=30).solve("highs")
    assert "not worth the objective it reports" in err.value.en and err.value.zh


def test_sites_covering_less_than_highs_counts_are_refused(monkeypatch) -> None:
    p = _problem(3000, 1000, seed=0)
    real = highs.solve_mclp(p.covers, p.weights, 30, time_limit=60.0)
    assert real.chosen is not None
    fewer = dataclasses.replace(real, chosen=real.chosen[:-5])
    monkeypatch.setattr("geo.siting.models.highs.solve_mclp", lambda *a, **kw: fewer)
    with pytest.raises(SolverError):
        MCLP(p, k=30).solve("highs")
