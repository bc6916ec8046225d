"""Inspections (巡查): the station standard's checklist, an inspection as stored and the
answer to recording one."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

Category = Literal["closed", "not_open_at_hours", "service_missing", "dirty_or_broken", "other"]
ProblemState = Literal["new", "confirmed", "dismissed", "fixed"]


class ItemOut(BaseModel):
    """One item of a station's checklist: its code, labels and the service it checks."""

    code: str
    zh: str
    en: str
    service: str | None = None


class StationBrief(BaseModel):
    """The station an inspection is for (its WGS-84 position, none when unlocated)."""

    id: int
    name: str
    kind: str
    address: str | None = None
    services: list[str] = []
    opening_hours: str | None = None
    lon: float | None = None
    lat: float | None = None


class StandardOut(BaseModel):
    """The checklist an inspection of this station answers, item by item, and the
    distance beyond which a position is warned about."""

    station: StationBrief
    standard: str
    items: list[ItemOut]
    warn_m: float
    max_photos: int


class AnswerOut(BaseModel):
    """An answered item: ok true (合格), false (不合格) or null (未检查)."""

    item: str
    zh: str
    en: str
    ok: bool | None
    note: str | None = None


class PhotoRef(BaseModel):
    """A photo of the inspection (``GET /api/v1/staff/photos/{id}``) and its item."""

    id: int
    item: str | None = None


class ProblemRef(BaseModel):
    """A problem in station_problems."""

    id: int
    receipt: str
    category: Category
    category_zh: str
    category_en: str
    service: str | None = None
    state: ProblemState
    #: the failed checklist item it stands for (in a recording's answer)
    item: str | None = None


class DistanceWarning(BaseModel):
    """The position was further than ``warn_m`` from the station."""

    message: str
    message_en: str


class InspectionOut(BaseModel):
    """An inspection as stored, with its distance warning (by the current limit)."""

    id: int
    station_id: int
    station_name: str
    inspected_at: dt.datetime
    inspector: str
    standard: str
    checklist: list[AnswerOut]
    open_at_hours: bool | None
    passed: bool
    failed_items: list[str]
    lon: float | None
    lat: float | None
    accuracy_m: float | None
    distance_m: float | None
    far: bool
    warning: DistanceWarning | None
    comment: str | None
    photos: list[PhotoRef]
    problems: list[ProblemRef]


class RecordedOut(BaseModel):
    """What recording an inspection did: the inspection, the problems it opened, the
    open problems that already stood for a failed item (nothing new opened for those),
    and the distance warning."""

    inspection: InspectionOut
    opened: list[ProblemRef]
    already_open: list[ProblemRef]
    warning: DistanceWarning | None
