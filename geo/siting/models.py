"""The two siting models: set covering (LSCP) and maximal covering (MCLP).

As in spopt, one class per model is built from the data (a :class:`CoverageProblem`, or
through the same classmethods as the problem) and ``.solve(solver)`` puts the answer on the
object as ``.result``. The model, the data and the solver are separate choices: ``"highs"``
solves exactly (under a time limit, with the proven gap), ``"greedy"`` answers fast with a
proven bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import geopandas as gpd
import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import InvalidInput, SolverError
from geo.siting import greedy, highs
from geo.siting.problem import CoverageProblem, check_weights

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
SOLVERS = ("highs", "greedy")


@dataclass(frozen=True)
class SitingResult:
    """The answer of a siting model.

    Attributes
    ----------
    model, solver
        ``"lscp"``/``"mclp"`` and ``"highs"``/``"greedy"``.
    status
        ``"optimal"`` (proven, within ``mip_rel_gap``), ``"time_limit"`` (the best found
        when time ran out) or ``"heuristic"`` (greedy).
    chosen
        Candidate indices, largest marginal gain first (the order to build them in).
    gains, cumulative_weight
        The weight each site newly covers in that order, and the running total.
    objective
        LSCP: the number of sites. MCLP: the covered weight.
    bound
        A proven bound on the optimum: LSCP, at least this many sites are needed; MCLP,
        no k sites cover more weight than this. For HiGHS it is HiGHS's own dual bound
        (``mip_dual_bound``, rounded up to a whole site for LSCP), also when the time
        limit stopped it; greedy's classical bound only when HiGHS stopped before it had
        any (``bound_source`` says which).
    bound_source
        ``"highs"`` or ``"greedy"``: whose bound ``bound`` is.
    gap
        Relative distance between ``objective`` and ``bound``, as a share of the larger
        of the two (so in [0, 1]): 0 when proven optimal.
    covered_weight, total_weight
        Weight covered by the chosen sites, and of all demand (reachable or not).
    unreachable, unreachable_weight
        Demand units no candidate covers (LSCP leaves them out of its constraints).
    seconds
        Wall time of build and solve.
    notes
        What a reader should know about how the answer was reached, as (Chinese,
        English) pairs: e.g. that HiGHS was stopped by the time limit with an incumbent
        whose count understates what its sites cover, or that greedy's sites were better.
    """

    model: str
    solver: str
    status: str
    chosen: IntArray
    chosen_ids: list[Any] | None
    gains: FloatArray
    cumulative_weight: FloatArray
    objective: float
    bound: float
    gap: float
    covered_weight: float
    total_weight: float
    unreachable: IntArray
    unreachable_weight: float
    seconds: float
    bound_source: str = "greedy"
    notes: tuple[tuple[str, str], ...] = ()

    @property
    def n_sites(self) -> int:
        """The number of sites chosen."""
        return int(self.chosen.size)

    @property
    def cumulative_share(self) -> FloatArray:
        """Share of all demand weight covered after each added site."""
        total = self.total_weight or 1.0
        return self.cumulative_weight / total


def _check_solve_args(solver: str, time_limit: float, mip_rel_gap: float) -> None:
    if solver not in SOLVERS:
        raise InvalidInput(
            f"未知的求解器「{solver}」，可选：highs、greedy",
            f"unknown solver '{solver}'; use 'highs' or 'greedy'",
        )
    if not (math.isfinite(time_limit) and time_limit > 0):
        raise InvalidInput(
            f"时限必须是正数（秒），收到 {time_limit}",
            f"time_limit must be a positive number of seconds, got {time_limit}",
        )
    if not 0 <= mip_rel_gap < 1:
        raise InvalidInput(
            f"mip_rel_gap 必须在 [0, 1) 内，收到 {mip_rel_gap}",
            f"mip_rel_gap must be in [0, 1), got {mip_rel_gap}",
        )


class _CoveringModel:
    """What both models share: the data, the builders and the presentation of results."""

    name: ClassVar[str]
    result: SitingResult | None

    def __init__(self, problem: CoverageProblem) -> None:
        if not isinstance(problem, CoverageProblem):
            raise InvalidInput(
                "模型需要一个 CoverageProblem", "a siting model needs a CoverageProblem"
            )
        self.problem = problem
        self.result = None

    # Mirrors CoverageProblem.from_distance_table (spopt style): keyword-only options.
    @classmethod
    def from_distance_table(  # noqa: PLR0913
        cls,
        demand_idx: ArrayLike,
        candidate_idx: ArrayLike,
        distance: ArrayLike,
        max_distance: float,
        *,
        n_demand: int,
        n_candidates: int,
        weights: ArrayLike | None = None,
        demand_ids: ArrayLike | None = None,
        candidate_ids: ArrayLike | None = None,
        demand_geometry: gpd.GeoSeries | None = None,
        candidate_geometry: gpd.GeoSeries | None = None,
        **options: Any,
    ) -> Self:
        """The model on :meth:`CoverageProblem.from_distance_table`; ``options`` go to it."""
        problem = CoverageProblem.from_distance_table(
            demand_idx,
            candidate_idx,
            distance,
            max_distance,
            n_demand=n_demand,
            n_candidates=n_candidates,
            weights=weights,
            demand_ids=demand_ids,
            candidate_ids=candidate_ids,
            demand_geometry=demand_geometry,
            candidate_geometry=candidate_geometry,
        )
        return cls(problem, **options)

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        max_distance: float,
        *,
        weights: ArrayLike | None = None,
        **options: Any,
    ) -> Self:
        """The model on :meth:`CoverageProblem.from_cost_matrix`."""
        return cls(CoverageProblem.from_cost_matrix(cost, max_distance, weights=weights), **options)

    @classmethod
    def from_geodataframes(
        cls,
        demand: gpd.GeoDataFrame,
        candidates: gpd.GeoDataFrame,
        max_distance: float,
        *,
        weight: str | ArrayLike | None = None,
        demand_id: str | None = None,
        candidate_id: str | None = None,
        **options: Any,
    ) -> Self:
        """The model on :meth:`CoverageProblem.from_geodataframes` (straight-line)."""
        problem = CoverageProblem.from_geodataframes(
            demand,
            candidates,
            max_distance,
            weight=weight,
            demand_id=demand_id,
            candidate_id=candidate_id,
        )
        return cls(problem, **options)

    # ------------------------------------------------------------ results

    def _objective_weights(self) -> FloatArray:
        return self.problem.weights

    # The parts of one answer, each with its own meaning; a bundle type would serve this call only.
    def _finish(  # noqa: PLR0913
        self,
        solver: str,
        status: str,
        chosen: IntArray,
        objective: float,
        bound: float,
        gap: float,
        started: float,
        *,
        bound_source: str = "greedy",
        notes: tuple[tuple[str, str], ...] = (),
    ) -> Self:
        p = self.problem
        w = self._objective_weights()
        order = greedy.greedy_cover(p.covers, p.csc, w, columns=np.asarray(chosen))
        rest = np.setdiff1d(chosen, order.chosen)  # sites that add no weight of their own
        ordered = np.concatenate([order.chosen, rest]).astype(np.int64)
        gains = np.concatenate([order.gains, np.zeros(rest.size)])
        unreachable = p.unreachable
        self.result = SitingResult(
            model=self.name,
            solver=solver,
            status=status,
            chosen=ordered,
            chosen_ids=None if p.candidate_ids is None else list(p.candidate_ids[ordered]),
            gains=gains,
            cumulative_weight=np.cumsum(gains),
            objective=float(objective),
            bound=float(bound),
            gap=float(max(gap, 0.0)),
            covered_weight=float(w[order.covered].sum()),
            total_weight=float(w.sum()),
            unreachable=unreachable,
            unreachable_weight=float(w[unreachable].sum()),
            seconds=time.perf_counter() - started,
            bound_source=bound_source,
            notes=notes,
        )
        return self

    def _solved(self) -> SitingResult:
        if self.result is None:
            raise InvalidInput("模型尚未求解，请先调用 solve()", "solve() the model first")
        return self.result

    def chosen_sites(self) -> gpd.GeoDataFrame:
        """The chosen sites in build order, with their gains and geometry when known."""
        r = self._solved()
        p = self.problem
        geometry = (
            p.candidate_geometry.iloc[r.chosen].reset_index(drop=True)
            if p.candidate_geometry is not None
            else gpd.GeoSeries([None] * r.n_sites)
        )
        return gpd.GeoDataFrame(
            {
                "rank": np.arange(1, r.n_sites + 1),
                "candidate": r.chosen,
                "candidate_id": r.chosen_ids if r.chosen_ids is not None else r.chosen,
                "gain": r.gains,
                "cumulative_weight": r.cumulative_weight,
                "cumulative_share": r.cumulative_share,
            },
            geometry=geometry,
        )

    def unreachable_demand(self) -> gpd.GeoDataFrame:
        """Where the demand lies that no candidate can reach (reported, never dropped)."""
        return self.problem.where(self.problem.unreachable)


class LSCP(_CoveringModel):
    """Location set covering: the fewest candidates that cover all reachable demand.

    Demand no candidate reaches cannot be covered by any choice: it is left out of the
    constraints and reported in ``result.unreachable``.
    """

    name = "lscp"

    def solve(
        self,
        solver: str = "highs",
        *,
        time_limit: float = 60.0,
        mip_rel_gap: float = 0.0,
        threads: int | None = None,
    ) -> Self:
        """Solve, and set ``self.result``; returns the model."""
        _check_solve_args(solver, time_limit, mip_rel_gap)
        started = time.perf_counter()
        p = self.problem
        reachable = np.diff(p.covers.indptr) > 0
        sub = p.covers[np.flatnonzero(reachable)]
        sub_csc = sub.tocsc()
        run = greedy.greedy_cover(sub, sub_csc, np.ones(sub.shape[0]))
        max_column = int(np.diff(sub_csc.indptr).max()) if sub.nnz else 0
        lower = greedy.lscp_lower_bound(run.chosen.size, max_column)
        if solver == "greedy" or sub.shape[0] == 0:
            n = run.chosen.size
            status = "heuristic" if solver == "greedy" and n > lower else "optimal"
            gap = (n - lower) / n if n else 0.0
            return self._finish(solver, status, run.chosen, n, lower, gap, started)
        answer = highs.solve_lscp(
            sub, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads
        )
        notes: list[tuple[str, str]] = []
        chosen = run.chosen
        if answer.chosen is not None:
            _check_reported(answer)
            if sub[:, answer.chosen].sum(axis=1).min() < 1:
                raise SolverError(
                    "HiGHS 的解没有覆盖全部可达缺口",
                    "HiGHS's sites leave reachable demand uncovered",
                )
            if answer.status == "optimal" or answer.chosen.size <= run.chosen.size:
                chosen = answer.chosen
            else:
                notes.append(_greedy_better(answer.chosen.size, run.chosen.size))
        elif answer.status == "time_limit":
            notes.append(_no_incumbent())
        n = chosen.size
        proven, source = lower, "greedy"
        if answer.dual_bound is not None:
            proven, source = max(0, math.ceil(answer.dual_bound - 1e-6)), "highs"
        gap = (n - proven) / n if n else 0.0
        status = "optimal" if answer.status == "optimal" or proven >= n else answer.status
        return self._finish(
            solver, status, chosen, n, proven, gap, started, bound_source=source, notes=tuple(notes)
        )


class MCLP(_CoveringModel):
    """Maximal covering: at most ``k`` candidates covering the most demand weight.

    Parameters
    ----------
    problem
        The coverage data.
    k
        Number of new sites, 1 ≤ k ≤ number of candidates.
    weights
        Objective weight of each demand unit (e.g. street metres × α, district m² × β);
        the problem's weights by default.
    """

    name = "mclp"

    def __init__(
        self, problem: CoverageProblem, k: int, *, weights: ArrayLike | None = None
    ) -> None:
        super().__init__(problem)
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise InvalidInput(
                f"站点数 k 必须是整数，收到 {k!r}", f"k must be an integer, got {k!r}"
            )
        if not 1 <= k <= problem.n_candidates:
            raise InvalidInput(
                f"站点数 k 必须在 1 到候选点数 {problem.n_candidates} 之间，收到 {k}",
                f"k must be between 1 and the number of candidates ({problem.n_candidates}), "
                f"got {k}",
            )
        self.k = int(k)
        self.weights = (
            problem.weights if weights is None else check_weights(weights, problem.n_demand)
        )

    def _objective_weights(self) -> FloatArray:
        return self.weights

    def solve(
        self,
        solver: str = "highs",
        *,
        time_limit: float = 60.0,
        mip_rel_gap: float = 0.0,
        threads: int | None = None,
    ) -> Self:
        """Solve, and set ``self.result``; returns the model."""
        _check_solve_args(solver, time_limit, mip_rel_gap)
        started = time.perf_counter()
        p = self.problem
        useful = np.flatnonzero((np.diff(p.covers.indptr) > 0) & (self.weights > 0))
        sub = p.covers[useful]
        w = self.weights[useful]
        run = greedy.greedy_cover(sub, sub.tocsc(), w, k=self.k)
        value = value_greedy = float(run.gains.sum())
        if solver == "greedy" or sub.shape[0] == 0:
            bound = greedy.mclp_upper_bound(value, run.final_gains, self.k)
            gap = (bound - value) / bound if bound > 0 else 0.0
            status = "heuristic" if solver == "greedy" and gap > 1e-12 else "optimal"
            return self._finish(solver, status, run.chosen, value, bound, gap, started)
        answer = highs.solve_mclp(
            sub, w, self.k, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads
        )
        sub_csc = sub.tocsc()

        def worth(cols: IntArray) -> float:
            return float(w[np.unique(sub_csc[:, cols].indices)].sum())

        notes: list[tuple[str, str]] = []
        chosen, value = run.chosen, value_greedy
        if answer.chosen is not None:
            _check_reported(answer)
            found = worth(answer.chosen)
            _check_sites(answer, answer.chosen, found, self.k)
            if answer.status == "optimal" or found >= value_greedy:
                chosen, value = answer.chosen, found
                if found > answer.objective + _tolerance(found):
                    notes.append(_loose_incumbent(answer.status, answer.objective, found))
            else:
                notes.append(_greedy_better(found, value_greedy))
        elif answer.status == "time_limit":
            notes.append(_no_incumbent())
        if answer.dual_bound is not None:
            bound, source = max(answer.dual_bound, value), "highs"
        else:
            bound = greedy.mclp_upper_bound(value_greedy, run.final_gains, self.k)
            source = "greedy"
        gap = (bound - value) / bound if bound > 0 else 0.0
        return self._finish(
            solver,
            answer.status,
            chosen,
            value,
            bound,
            gap,
            started,
            bound_source=source,
            notes=tuple(notes),
        )


def _tolerance(value: float) -> float:
    return 1e-6 * max(1.0, abs(value))


def _check_reported(answer: highs.MipAnswer) -> None:
    """Refuse a HiGHS answer whose solution is not worth the objective HiGHS reports for it
    (like with like: its own variables, z included, against its own figure)."""
    if abs(answer.solution_value - answer.objective) > _tolerance(answer.objective):
        raise SolverError(
            f"HiGHS 返回的解的目标值与其报告的不一致（{answer.solution_value:g} ≠ "
            f"{answer.objective:g}）",
            f"HiGHS's solution is not worth the objective it reports "
            f"({answer.solution_value:g} ≠ {answer.objective:g})",
        )


def _check_sites(answer: highs.MipAnswer, chosen: IntArray, found: float, k: int) -> None:
    """Refuse MCLP sites that HiGHS's own figures rule out: covering less than its solution
    counts (z_i ≤ covered makes that impossible), more than its proven bound, or more than
    k sites. Covering more than the solution counts is possible when a solve is interrupted
    (z not yet tightened) and is reported, not refused."""
    short = found < answer.objective - _tolerance(answer.objective)
    bound = answer.dual_bound
    above_bound = bound is not None and found > bound + _tolerance(bound)
    if short or above_bound or chosen.size > k:
        raise SolverError(
            f"HiGHS 选出的站点覆盖的权重与其报告的目标值和界不一致（{found:g}，目标 "
            f"{answer.objective:g}，界 {bound if bound is not None else '无'}）",
            f"the sites HiGHS chose cover a weight its own figures rule out ({found:g}; "
            f"objective {answer.objective:g}, bound {bound if bound is not None else 'none'})",
        )


def _loose_incumbent(status: str, reported: float, found: float) -> tuple[str, str]:
    why_zh = "HiGHS 在时限内被中断" if status == "time_limit" else "HiGHS 在允许的相对间隙内停止"
    why_en = (
        "HiGHS was stopped by the time limit"
        if status == "time_limit"
        else "HiGHS stopped within the allowed relative gap"
    )
    return (
        f"{why_zh}：其当前解计得的覆盖权重为 {reported:g}，而所选站点实际覆盖 "
        f"{found:g}（覆盖变量尚未收紧）；按站点实际覆盖报告",
        f"{why_en}: its incumbent counts a covered weight of {reported:g} while its sites "
        f"actually cover {found:g} (its coverage variables were not yet tightened); the plan "
        f"reports what the sites cover",
    )


def _greedy_better(highs_value: float, greedy_value: float) -> tuple[str, str]:
    return (
        f"HiGHS 在时限内找到的最好解（{highs_value:g}）不如贪心解（{greedy_value:g}）；采用贪心解",
        f"HiGHS's best solution when time ran out ({highs_value:g}) is worse than greedy's "
        f"({greedy_value:g}); greedy's sites are given",
    )


def _no_incumbent() -> tuple[str, str]:
    return (
        "HiGHS 在时限内没有找到可行解；给出贪心解",
        "HiGHS found no solution within the time limit; greedy's sites are given",
    )
