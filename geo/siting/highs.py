"""Exact covering models as mixed-integer programmes solved by HiGHS (highspy).

The constraint matrix is handed to HiGHS in one ``passModel`` call as compressed sparse
arrays, so building costs a few numpy operations whatever the instance size.

No starting solution is offered: with highspy 1.16, a greedy start passed by
``setSolution`` made HiGHS return the start unchanged while reporting a different (and
wrong) "optimal" objective on an instance that presolve reduced (5k × 10k random, see
tests/siting/test_models.py). When time runs out before HiGHS has any solution, the
caller falls back on greedy's. HiGHS's reported objective is checked against the value of
the solution it returns (like with like); what the chosen sites are worth is the model's
business (:mod:`geo.siting.models`).
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from geo.errors import SolverError

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

_ROWWISE = 2  # HiGHS MatrixFormat::kRowwise
_MINIMIZE, _MAXIMIZE = 1, -1
_INTEGER, _CONTINUOUS = 1, 0


def _silence_banner() -> None:
    """HiGHS prints a banner to the process's stdout when the first solver is made, before
    any option can turn it off; make that first one with stdout closed, so that command
    output (e.g. JSON) stays clean."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        highspy.Highs()
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_silence_banner()


@dataclass(frozen=True)
class MipAnswer:
    """What HiGHS proved: the chosen columns, the status and the bounds."""

    chosen: IntArray | None  # None: time ran out before HiGHS found any solution
    status: str  # "optimal" or "time_limit"
    objective: float  # as HiGHS reports it (info.objective_function_value)
    solution_value: float  # cost · x of the solution it returns (nan without one)
    dual_bound: float | None  # info.mip_dual_bound; None when HiGHS proved no bound yet
    mip_gap: float
    seconds: float


def _solver(time_limit: float, mip_rel_gap: float, threads: int | None) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    return h


def _pass(
    h: highspy.Highs,
    sense: int,
    cost: FloatArray,
    col_upper: FloatArray,
    integrality: NDArray[np.int32],
    a: sp.csr_array,
    row_lower: FloatArray,
    row_upper: FloatArray,
) -> None:
    n_row, n_col = a.shape
    status = h.passModel(
        int(n_col),
        int(n_row),
        int(a.nnz),
        _ROWWISE,
        sense,
        0.0,
        np.ascontiguousarray(cost, dtype=np.float64),
        np.zeros(n_col),
        np.ascontiguousarray(col_upper, dtype=np.float64),
        np.ascontiguousarray(row_lower, dtype=np.float64),
        np.ascontiguousarray(row_upper, dtype=np.float64),
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(np.float64),
        integrality.astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise SolverError("无法把模型交给 HiGHS 求解器", "HiGHS refused the model")


def _bound(value: float) -> float | None:
    """A bound HiGHS reports, or None when it has none (±inf before the root LP)."""
    return value if math.isfinite(value) and abs(value) < highspy.kHighsInf else None


def _run(h: highspy.Highs, n_sites: int, cost: FloatArray) -> MipAnswer:
    h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    if model_status == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    elif model_status == highspy.HighsModelStatus.kTimeLimit:
        status = "time_limit"
    else:
        text = h.modelStatusToString(model_status)
        raise SolverError(f"HiGHS 求解失败：{text}", f"HiGHS did not solve the model: {text}")
    chosen = None
    solution_value = math.nan
    if info.primal_solution_status == 2:  # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value, dtype=np.float64)
        solution_value = float(cost @ x)
        chosen = np.flatnonzero(x[:n_sites] > 0.5).astype(np.int64)
    elif status == "optimal":
        raise SolverError("HiGHS 报告最优却没有给出解", "HiGHS reported optimal without a solution")
    return MipAnswer(
        chosen=chosen,
        status=status,
        objective=float(info.objective_function_value),
        solution_value=solution_value,
        dual_bound=_bound(float(info.mip_dual_bound)),
        mip_gap=float(info.mip_gap),
        seconds=float(h.getRunTime()),
    )


def solve_lscp(
    covers: sp.csr_array,
    *,
    time_limit: float,
    mip_rel_gap: float = 0.0,
    threads: int | None = None,
) -> MipAnswer:
    """Fewest candidates covering every row of ``covers`` (rows must all be coverable).

    minimise Σ y_j  subject to  Σ_j a_ij y_j ≥ 1 for every demand i,  y binary.
    """
    n, m = covers.shape
    h = _solver(time_limit, mip_rel_gap, threads)
    a = sp.csr_array(covers, dtype=np.float64)
    _pass(
        h,
        _MINIMIZE,
        np.ones(m),
        np.ones(m),
        np.full(m, _INTEGER, dtype=np.int32),
        a,
        np.ones(n),
        np.full(n, highspy.kHighsInf),
    )
    return _run(h, m, np.ones(m))


def solve_mclp(
    covers: sp.csr_array,
    weights: FloatArray,
    k: int,
    *,
    time_limit: float,
    mip_rel_gap: float = 0.0,
    threads: int | None = None,
) -> MipAnswer:
    """At most k candidates maximising the covered weight.

    maximise Σ w_i z_i  subject to  z_i ≤ Σ_j a_ij y_j,  Σ y_j ≤ k,  y binary,
    0 ≤ z_i ≤ 1 (z need not be integer: at the optimum it is 1 exactly when covered).
    """
    n, m = covers.shape
    h = _solver(time_limit, mip_rel_gap, threads)
    coverage_rows = sp.hstack(
        [-sp.csr_array(covers, dtype=np.float64), sp.eye_array(n, format="csr")], format="csr"
    )
    budget_row = sp.csr_array(
        (np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, m + n)
    )
    a = sp.vstack([coverage_rows, budget_row], format="csr")
    cost = np.concatenate([np.zeros(m), np.asarray(weights, dtype=np.float64)])
    _pass(
        h,
        _MAXIMIZE,
        cost,
        np.ones(m + n),
        np.concatenate(
            [np.full(m, _INTEGER, dtype=np.int32), np.full(n, _CONTINUOUS, dtype=np.int32)]
        ),
        a,
        np.full(n + 1, -highspy.kHighsInf),
        np.concatenate([np.zeros(n), [float(k)]]),
    )
    return _run(h, m, cost)
