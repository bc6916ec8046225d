"""Requests and answers of problem reports and the staff problem queue (issue 15)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import ProblemCategory, ProblemSource, ProblemState
from geo.operations.problems import MAX_COMMENT
from geo.stations.lookup import PublicStation


class ReportOut(BaseModel):
    """The receipt of a report (or of the open problem it was collapsed into)."""

    receipt: str
    state: ProblemState
    merged: bool
    message: str
    message_en: str


class ReceiptOut(BaseModel):
    """What a receipt's holder may know: the state only, and when."""

    receipt: str
    state: ProblemState
    state_zh: str
    state_en: str
    reported_at: datetime
    resolved_at: datetime | None


class Notice(BaseModel):
    """A confirmed open problem as the public sees it: its category and since when."""

    category: ProblemCategory
    label: str
    label_en: str
    since: date | None


class StationSheet(PublicStation):
    """One public station with when staff last verified it and its public notices."""

    last_verified_on: date | None = None
    notices: list[Notice] = Field(default_factory=list)


class ProblemOut(BaseModel):
    """A problem in the staff queue; the phone is masked."""

    id: int
    receipt: str
    station_id: int
    station_name: str
    station_status: str
    category: ProblemCategory
    category_zh: str
    category_en: str
    service: str | None
    service_zh: str | None
    details: str | None
    photo_id: int | None
    phone: str | None = Field(description="masked / 已打码")
    source: ProblemSource
    source_zh: str
    source_en: str
    inspection_id: int | None
    reports: int
    state: ProblemState
    state_zh: str
    state_en: str
    created_at: datetime
    last_reported_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolve_seconds: int | None = Field(description="resolved_at - created_at")
    comment: str | None
    closed_station: bool
    actions: list[Literal["confirm", "dismiss", "fixed"]]


class DecisionIn(BaseModel):
    """A reviewer's decision on one problem."""

    model_config = ConfigDict(extra="forbid", strict=True)

    action: Literal["confirm", "dismiss", "fixed"]
    comment: str | None = Field(None, max_length=MAX_COMMENT)
    close_station: bool = Field(
        False, description="确认「驿站关闭」时暂停站点 / set the station temporarily closed"
    )
    reopen_station: bool = Field(
        False, description="标记已整改时重新开放站点 / open the station it closed again"
    )
