"""Siting: where new stations should go (issue #6).

- :class:`CoverageProblem`: which candidate covers which demand unit, and its weight.
- :class:`LSCP`: the fewest new sites to cover all reachable demand.
- :class:`MCLP`: the best ``k`` new sites for the most newly covered weight.

Both solve exactly with HiGHS under a time limit (reporting the gap) or greedily with a
proven bound; see :mod:`geo.siting.highs` and :mod:`geo.siting.greedy`.

The names are loaded when first used: the server imports :mod:`geo.siting.jobs` at start,
and loading the solver then would slow every start by a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geo.siting.models import LSCP, MCLP, SitingResult
    from geo.siting.problem import CoverageProblem

__all__ = ["LSCP", "MCLP", "CoverageProblem", "SitingResult"]


def __getattr__(name: str) -> Any:
    if name in ("LSCP", "MCLP", "SitingResult"):
        from geo.siting import models

        return getattr(models, name)
    if name == "CoverageProblem":
        from geo.siting.problem import CoverageProblem

        return CoverageProblem
    raise AttributeError(f"module 'geo.siting' has no attribute {name!r}")
