"""Targets (planners, admins): the union's targets as the console and the API see them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.schemas.common import Kind, Metric, _no_nul

Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="日期 / date, YYYY-MM-DD")]
Reason = Annotated[
    str,
    AfterValidator(_no_nul),  # PostgreSQL text holds no NUL (a 500 before)
    Field(max_length=500, pattern=r"\S", description="原因（记入审计）/ reason, for the audit"),
]
#: A share ("95%", "0.95") or a count ("20"), as typed; the metric decides which.
Value = Annotated[
    str,
    Field(
        pattern=r"^\s*[0-9]+(\.[0-9]+)?\s*[%％]?\s*$",
        max_length=20,
        description="0.95 或 95%（覆盖率）/ 20（新建站点数）: a share or a whole count",
    ),
]


class TargetOut(BaseModel):
    """A stored target; ``value`` is a share (0–1] for coverage, a count for new_stations."""

    kind: Kind
    kind_zh: str
    metric: Metric
    metric_zh: str
    value: float
    unit: Literal["share", "count"]
    starts_on: dt.date | None
    deadline: dt.date
    note: str | None


class TargetIn(BaseModel):
    """A target to add, or to change (the one with the same kind, metric and deadline)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "love_station",
                    "metric": "main_street_coverage",
                    "value": "95%",
                    "deadline": "2026-12-31",
                    "reason": "2026 年工作要点",
                }
            ]
        },
    )
    kind: Kind
    metric: Metric
    value: Value | Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
    deadline: Day
    starts_on: Day | None = None
    note: str | None = Field(default=None, max_length=500)
    reason: Reason | None = None


class TargetRemove(BaseModel):
    """The target to remove (by kind, metric and deadline) and why."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    metric: Metric
    deadline: Day
    reason: Reason
