"""The yearly station evaluation (planners, reviewers, admins): ``GET /api/v1/evaluation``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel

from api.schemas.common import Kind

Part = Literal["facilities", "hours", "inspections", "problems", "usage"]
Flag = Literal["downgrade", "stale", "no_data"]


class PartOut(BaseModel):
    """One part of a station's score: its points out of ``max`` and why."""

    part: Part
    part_zh: str
    part_en: str
    points: float
    max: float
    reason_zh: str
    reason_en: str


class FlagOut(BaseModel):
    """A flag on a station (downgrade, stale, no data) and why."""

    flag: Flag
    flag_zh: str
    flag_en: str
    zh: str
    en: str


class StationScore(BaseModel):
    """One station's evaluation; ``stars`` is capped when a downgrade flag is raised."""

    id: int
    name: str
    kind: Kind
    kind_zh: str
    district: str | None
    score: float
    stars: int
    stars_before_downgrade: int
    operating_days: int
    operating_on_as_of: bool
    last_verified: dt.date | None
    parts: list[PartOut]
    flags: list[FlagOut]


class EvaluationOut(BaseModel):
    """The evaluation of ``year`` as of ``as_of`` (the date used, always stated)."""

    year: int
    as_of: dt.date
    period_start: dt.date
    kind: Kind | None
    stale_days: int
    rules: dict[str, Any]
    stations: list[StationScore]
