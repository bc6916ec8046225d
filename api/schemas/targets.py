"""Targets (planners, admins): the union's targets as the console and the API see them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Kind, literal
from geo.vocab import TARGET_METRICS

Metric = literal(TARGET_METRICS)
Day = Annotated[str, Field(max_length=10, description="YYYY-MM-DD")]
Reason = Annotated[str, Field(max_length=500, description="原因（记入审计）/ reason, for the audit")]


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
    kind: str = Field(max_length=40)
    metric: str = Field(max_length=40)
    value: str | float = Field(
        description="0.95 或 95%（覆盖率）/ 20（新建站点数）: a share or a whole count"
    )
    deadline: Day
    starts_on: Day | None = None
    note: str | None = Field(default=None, max_length=500)
    reason: Reason | None = None


class TargetRemove(BaseModel):
    """The target to remove (by kind, metric and deadline) and why."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=40)
    metric: str = Field(max_length=40)
    deadline: Day
    reason: Reason
