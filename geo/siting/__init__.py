"""Siting: where new stations should go (issue #6).

- :class:`CoverageProblem`: which candidate covers which demand unit, and its weight.
- :class:`LSCP`: the fewest new sites to cover all reachable demand.
- :class:`MCLP`: the best ``k`` new sites for the most newly covered weight.

Both solve exactly with HiGHS under a time limit (reporting the gap) or greedily with a
proven bound; see :mod:`geo.siting.highs` and :mod:`geo.siting.greedy`.
"""

from geo.siting.models import LSCP, MCLP, SitingResult
from geo.siting.problem import CoverageProblem

__all__ = ["LSCP", "MCLP", "CoverageProblem", "SitingResult"]
