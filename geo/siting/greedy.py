"""Greedy covering: fast answers with honest bounds, and the presentation order of sites.

The greedy step picks the candidate that newly covers the most weight. Marginal gains are
kept exactly up to date rather than lazily: when a candidate is taken, only the demand it
newly covers changes anything, so the gains of the candidates that also reach those rows
are lowered by one sparse product. Every row is covered once, so all updates together cost
one pass over the matrix, plus an ``argmax`` over the gains per pick.

Bounds (classical results):

- maximal covering with k sites is a monotone submodular maximisation, so greedy reaches at
  least (1 − 1/e) of the optimum; and after greedy, the optimum is at most the greedy value
  plus the k largest remaining marginal gains (Minoux's "online" bound, usually far
  tighter). The smaller of the two upper bounds is reported.
- set covering: greedy uses at most H(d) ≤ ln(d) + 1 times the optimal number of sites,
  d being the largest number of demand units one candidate covers, so the optimum is at
  least ⌈greedy / H(d)⌉.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

_E_FACTOR = 1.0 - 1.0 / math.e


@dataclass(frozen=True)
class GreedyRun:
    """Sites in the order taken, each one's marginal gain, and what stays uncovered."""

    chosen: IntArray
    gains: FloatArray
    covered: NDArray[np.bool_]
    final_gains: FloatArray  # marginal gains of every candidate after the last pick


def greedy_cover(
    covers: sp.csr_array,
    csc: sp.csc_array,
    weights: FloatArray,
    *,
    k: int | None = None,
    columns: IntArray | None = None,
) -> GreedyRun:
    """Take candidates by largest marginal gain until k are taken or nothing is left.

    Parameters
    ----------
    covers, csc
        The (demand × candidate) boolean matrix in row- and column-major form.
    weights
        Demand weights; rows with weight 0 never attract a pick.
    k
        Number of picks at most; None picks until no candidate adds weight.
    columns
        Restrict the picks to these candidates (e.g. to order an exact solution).
    """
    n, m = covers.shape
    w = np.asarray(weights, dtype=float)
    allowed = np.zeros(m, dtype=bool)
    allowed[np.arange(m) if columns is None else columns] = True
    gains = np.where(allowed, csc.T @ w, -np.inf)
    covered = np.zeros(n, dtype=bool)
    chosen: list[int] = []
    taken: list[float] = []
    limit = int(allowed.sum()) if k is None else min(int(k), int(allowed.sum()))
    indptr, indices = csc.indptr, csc.indices
    while len(chosen) < limit:
        j = int(np.argmax(gains))
        if not gains[j] > 0:
            break
        rows = indices[indptr[j] : indptr[j + 1]]
        new = rows[~covered[rows]]
        gain = float(w[new].sum())  # exact, free of the rounding the updates accumulate
        if not gain > 0:
            gains[j] = -np.inf
            continue
        covered[new] = True
        chosen.append(j)
        taken.append(gain)
        sub = covers[new]  # the candidates that also reached the newly covered rows
        drop = np.bincount(sub.indices, weights=np.repeat(w[new], np.diff(sub.indptr)), minlength=m)
        gains -= drop
        gains[j] = -np.inf
    final = np.where(np.isfinite(gains), np.maximum(gains, 0.0), 0.0)
    return GreedyRun(np.asarray(chosen, dtype=np.int64), np.asarray(taken), covered, final)


def mclp_upper_bound(value: float, final_gains: FloatArray, k: int) -> float:
    """Upper bound on the optimal MCLP value after a greedy run reaching ``value``."""
    top = np.sort(final_gains)[::-1][:k].sum() if final_gains.size else 0.0
    return float(min(value / _E_FACTOR, value + top))


def harmonic(d: int) -> float:
    """H(d) = 1 + 1/2 + … + 1/d, the greedy set-cover ratio (≤ ln d + 1)."""
    return float(np.sum(1.0 / np.arange(1, d + 1))) if d > 0 else 1.0


def lscp_lower_bound(n_sites: int, max_column: int) -> int:
    """Lower bound on the optimal number of sites given greedy's ``n_sites``."""
    if n_sites == 0:
        return 0
    return max(1, math.ceil(n_sites / harmonic(max_column) - 1e-9))
