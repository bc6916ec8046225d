"""Types the API shares, derived from their single sources in ``geo``.

``Literal`` types built from the vocabularies: request validation rejects unknown codes
and the OpenAPI document lists the codes as an ``enum``. Adding a term in ``geo.vocab``
(or a mode, CRS or role in its module) is the only change the API needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field

from geo import vocab
from geo.accounts import ROLES
from geo.coverage.evaluate import MODES
from geo.crs import CRSName


def literal(codes: Iterable[str]) -> Any:
    """``Literal[code, ...]`` of the codes, in their order."""
    return Literal[tuple(codes)]


Kind = literal(vocab.KINDS)
Status = literal(vocab.STATUSES)
ReviewState = literal(vocab.REVIEW_STATES)
Mode = literal(MODES)
Role = literal(ROLES)
CRS = CRSName
# The names of geo.siting.models.LSCP and MCLP. Importing that module here would load the
# solver (more than a second) when the app starts; tests/api/test_schemas.py checks that
# the two agree.
PlanModel = Literal["lscp", "mclp"]

# For parameters that also take labels or aliases (parsed in geo), so they stay ``str``:
KIND_CHOICES = " | ".join(vocab.KINDS)
CRS_CHOICES = " | ".join(get_args(CRS))


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


Text = Annotated[str | None, AfterValidator(_no_nul)]
Reason = Field(default=None, max_length=500, description="为什么 / why (kept in the history)")

# Paging: an offset past this is no page anyone wants, and past 2**63 PostgreSQL cannot
# even hold it; 422 instead of a database error.
MAX_OFFSET = 2**31 - 1
