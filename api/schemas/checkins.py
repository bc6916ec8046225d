"""Check-ins, paper visitor counts and posters (issue 15): request and response models."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.schemas.common import Occupation, Text
from geo.operations.usage import MAX_NOTE_CHARS, MAX_VISITORS


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a whole number, not true or false")
    return value


#: A number of visitors: a whole number from 0 to 100000 (``true`` is no number).
Count = Annotated[int, BeforeValidator(_not_bool), Field(ge=0, le=MAX_VISITORS)]


class CheckinIn(BaseModel):
    """我在这里歇脚 / I'm resting here: a check-in from the station's page."""

    model_config = ConfigDict(extra="forbid")

    device: str = Field(
        min_length=16,
        max_length=128,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="设备随机标识（页面保存在本机）/ the random token the page keeps on the "
        "device; the server keeps only a keyed hash of it",
    )
    occupation: Occupation | None = Field(default=None, description="职业（可不填）/ optional")


class CheckinOut(BaseModel):
    """The check-in stored, and how many this station has had today (the city's day)."""

    station_id: int
    day: dt.date
    at: dt.datetime
    today: int = Field(description="本站今天的签到人次 / check-ins here today")


class UsageIn(BaseModel):
    """The day's count from the station's paper sheet."""

    model_config = ConfigDict(extra="forbid")

    visitors: Count = Field(description="服务人次 / visitors that day")
    by_occupation: dict[Occupation, Count] | None = Field(
        default=None, description="按职业的人数（可不填）/ visitors by occupation, optional"
    )
    note: Text = Field(default=None, max_length=MAX_NOTE_CHARS)


class PaperCount(BaseModel):
    """A stored paper count."""

    visitors: int
    by_occupation: dict[str, int]
    note: str | None
    entered_by: str
    entered_at: dt.datetime


class UsageOut(PaperCount):
    """The paper count stored for a station's day."""

    station_id: int
    day: dt.date
    created: bool = Field(description="新登记（否则为更正）/ new (else a correction)")


class UsageDay(BaseModel):
    """One day of a station: check-ins (by occupation; ``none`` not given) and the paper
    count (None: none entered)."""

    day: dt.date
    checkins: int
    checkins_by_occupation: dict[str, int]
    paper: PaperCount | None


class UsageDays(BaseModel):
    """A station's days with check-ins or a paper count, newest first."""

    model_config = ConfigDict(populate_by_name=True)

    station_id: int
    from_: dt.date = Field(alias="from")
    to: dt.date
    days: list[UsageDay]
