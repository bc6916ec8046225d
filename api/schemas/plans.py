"""Siting plans run as jobs (#16): the question, the job as it is polled, re-verification."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import CRS, DATE_SCHEMA, KIND_CHOICES, KIND_SCHEMA, bounds
from geo.units import MAX_DISTANCE_M, MIN_SERVICE_DISTANCE_M

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]
Stage = Literal["network", "demand", "candidates", "solving", "verifying"]


class PlanIn(BaseModel):
    """A plan to run: the fewest sites that close every gap (``full``) or the best ``k``.
    Checked in geo (messages in Chinese and English)."""

    as_of: dt.date = Field(description="as-of date / 基准日期", json_schema_extra=DATE_SCHEMA)
    kind: str = Field("love_station", description=KIND_CHOICES, json_schema_extra=KIND_SCHEMA)
    distance: float | None = Field(
        None,
        description="service distance (m); default per kind",
        json_schema_extra=bounds(MIN_SERVICE_DISTANCE_M, MAX_DISTANCE_M),
    )
    mode: Literal["full", "k"] = Field(description="full: fewest sites (LSCP); k: best k (MCLP)")
    k: int | None = Field(
        None, description="new sites, mode k only / 新站点数", json_schema_extra=bounds(1, 10_000)
    )
    time_limit: float = Field(
        60.0,
        description="seconds, more than 0 and at most 300",
        json_schema_extra=bounds(0, 300, above=True),
    )
    solver: Literal["highs", "greedy"] = "highs"
    spacing: float | None = Field(
        None, description="candidate spacing (m)", json_schema_extra=bounds(10, 5000)
    )


class PlanJobOut(BaseModel):
    """A plan job as it is polled: state, stage, progress 0..1, and once it succeeded the
    plan (sites with WGS-84 ``lon``/``lat`` and GCJ-02 ``lon_gcj02``/``lat_gcj02``,
    objective, bound, gap, ``verified`` coverage reached, ``unreachable`` demand)."""

    id: str
    url: str
    state: JobState
    stage: Stage | None
    progress: float = Field(description="0..1, never going back / 进度")
    params: dict[str, Any]
    created_by: str = Field(description="who asked / 发起人")
    cancelled_by: str | None = Field(None, description="who cancelled it / 取消人")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: dict[str, Any] | None = Field(description="code, message, message_en when failed")
    n_sites: int | None = Field(None, description="sites of a succeeded plan (lists)")
    result: dict[str, Any] | None = None


class SiteIn(BaseModel):
    """A site where a planner put it."""

    lon: float = Field(json_schema_extra=bounds(-180, 180))
    lat: float = Field(json_schema_extra=bounds(-90, 90))
    crs: CRS = "wgs84"


class VerifyIn(BaseModel):
    """The sites to verify instead of the plan's (at most 1000)."""

    sites: list[SiteIn] = Field(json_schema_extra={"maxItems": 1000})


class VerifyOut(BaseModel):
    """What the moved sites and the operating stations reach (the coverage engine,
    exactly), beside the plan's own figures and the coverage before any new site."""

    sites: int
    stations: int
    before: dict[str, Any]
    plan: dict[str, Any]
    verified: dict[str, Any]
    difference: dict[str, float] = Field(description="verified − plan, per share")
