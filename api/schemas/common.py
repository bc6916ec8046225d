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
Metric = literal(vocab.TARGET_METRICS)
Status = literal(vocab.STATUSES)
ReviewState = literal(vocab.REVIEW_STATES)
Mode = literal(MODES)
Role = literal(ROLES)
ProblemCategory = literal(vocab.PROBLEM_CATEGORIES)
ProblemState = literal(vocab.PROBLEM_STATES)
ProblemSource = literal(vocab.PROBLEM_SOURCES)
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
#: Text that must say something: not empty, not only spaces. Stated in the document;
#: checked in geo, whose message says what is missing ("驳回时必须填写意见").
SomeText = Annotated[
    str, AfterValidator(_no_nul), Field(json_schema_extra={"minLength": 1, "pattern": r"\S"})
]
Reason = Field(default=None, max_length=500, description="为什么 / why (kept in the history)")

# Paging: an offset past this is no page anyone wants, and past 2**63 PostgreSQL cannot
# even hold it; 422 instead of a database error.
MAX_OFFSET = 2**31 - 1


# Parameters that also take aliases and labels (``GCJ-02``, ``爱心驿站``, ``饮水``) are parsed
# in geo with messages that name the choices; the document lists the codes, so a client
# that follows it is always understood.
def _codes_list(codes: Iterable[str]) -> str:
    alternatives = "|".join(sorted(codes, key=len, reverse=True))
    return f"^(({alternatives})(,({alternatives}))*)?$"  # empty: no filter


KIND_SCHEMA: dict[str, Any] = {"enum": list(vocab.KINDS)}
CRS_SCHEMA: dict[str, Any] = {"enum": list(get_args(CRS))}
SERVICES_SCHEMA: dict[str, Any] = {"pattern": _codes_list(vocab.SERVICES)}
_LON = r"-?(180(\.0+)?|1[0-7][0-9](\.[0-9]+)?|[0-9]{1,2}(\.[0-9]+)?)"
_LAT = r"-?(90(\.0+)?|[0-8]?[0-9](\.[0-9]+)?)"
#: Four numbers in range; that the minimum is below the maximum (and the span, for the
#: public listing) is checked by the server, which no pattern can say.
BBOX_SCHEMA: dict[str, Any] = {"pattern": f"^({_LON},{_LAT},{_LON},{_LAT})?$"}  # empty: none
#: Dates Yizhan answers for (``geo.clock.check_in_range``): years 1990 to 2100.
DATE_SCHEMA: dict[str, Any] = {
    "pattern": r"^(199[0-9]|20[0-9][0-9]|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
}


def bounds(minimum: float, maximum: float, *, above: bool = False) -> dict[str, Any]:
    """A range for the document alone: the value is checked in geo, whose message names
    the parameter and the range in Chinese and English. ``above``: more than ``minimum``."""
    low = {"exclusiveMinimum": minimum} if above else {"minimum": minimum}
    return {**low, "maximum": maximum}


#: Who checks in at a station (issue 15): geo.vocab.OCCUPATIONS.
Occupation = literal(vocab.OCCUPATIONS)
