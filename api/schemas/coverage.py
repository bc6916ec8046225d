"""Coverage: snapshots (summary, districts, streets), the trend to the targets, and the
siting plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import DATE_SCHEMA, KIND_SCHEMA, Mode, PlanModel, bounds
from geo.coverage.trend import STATUS_LABELS
from geo.units import MAX_DISTANCE_M, MIN_SERVICE_DISTANCE_M


class Summary(BaseModel):
    """The city-wide figures of one coverage snapshot."""

    as_of: dt.date
    kind: str
    distance_m: float
    mode: str
    mode_label: str
    cell_m: float
    stations: int
    stations_reaching_network: int
    undated_open_stations: int = Field(description="open stations without opened_on: not counted")
    main_street_m: float
    main_street_covered_m: float
    main_street_share: float | None
    main_street_off_network_m: float = Field(
        description="main streets not in the walk network, measured by snapping"
    )
    not_walkable_main_m: float = Field(
        0.0,
        description="main streets nobody walks on (elevated, motorway, foot=no …): "
        "not in main_street_m, listed in not_walkable",
    )
    main_street_unreachable_m: float | None = Field(
        None, description="uncovered main streets with no walkway within the distance"
    )
    main_street_uncovered_reachable_m: float | None = None
    main_street_reachable_share: float | None = Field(
        None, description="covered share of the main streets a station could reach"
    )
    main_street_attainable_share: float | None = Field(
        None, description="the most any number of stations could cover (reachable / all)"
    )
    key_district_area_m2: float
    key_district_covered_m2: float
    key_district_share: float | None
    key_district_unreachable_m2: float | None = Field(
        None, description="key-district area with no walkway within the distance"
    )
    key_district_uncovered_reachable_m2: float | None = None
    key_district_reachable_share: float | None = None
    key_district_attainable_share: float | None = None
    key_districts: int
    cells: int
    note: str | None = Field(None, description="why coverage is 0, e.g. before the first station")
    note_en: str | None = None


class DistrictRow(BaseModel):
    """The coverage of one district."""

    district: str
    is_key: bool
    main_street_m: float
    main_street_covered_m: float
    main_street_share: float | None
    main_street_unreachable_m: float | None = None
    main_street_uncovered_reachable_m: float | None = None
    main_street_reachable_share: float | None = None
    main_street_attainable_share: float | None = None
    area_m2: float | None = None
    area_covered_m2: float | None = None
    area_share: float | None = None
    area_unreachable_m2: float | None = None
    area_uncovered_reachable_m2: float | None = None
    area_reachable_share: float | None = None
    area_attainable_share: float | None = None


class StreetRow(BaseModel):
    """The coverage of one main street."""

    street: str
    length_m: float
    covered_m: float
    share: float | None
    uncovered_reachable_m: float | None = None
    unreachable_m: float | None = Field(None, description="no walkway within the distance")


class NotWalkableRow(BaseModel):
    """A main street by class or name that nobody walks or rides an e-bike on (不可步行):
    out of the main-street figures and gaps."""

    street: str
    highway: str
    reason: str = Field(
        description="motorway, motorroad, expressway, foot_no, elevated_trunk or name"
    )
    reason_zh: str
    reason_en: str
    length_m: float


class CoverageOut(BaseModel):
    """A coverage snapshot: summary, districts and streets."""

    snapshot_id: int
    computed_at: dt.datetime
    fingerprint: str
    reused: bool | None = None
    summary: Summary
    districts: list[DistrictRow]
    streets: list[StreetRow]
    not_walkable: list[NotWalkableRow] = Field(
        default_factory=list, description="main streets nobody walks on, never gaps"
    )


class RunIn(BaseModel):
    """What coverage to compute and store."""

    as_of: dt.date = Field(json_schema_extra=DATE_SCHEMA)
    kind: str = Field("love_station", json_schema_extra=KIND_SCHEMA)
    distance: float | None = Field(
        None, json_schema_extra=bounds(MIN_SERVICE_DISTANCE_M, MAX_DISTANCE_M)
    )
    mode: Mode = "walking"


class TrendPoint(BaseModel):
    """Coverage at one month end."""

    as_of: dt.date
    stations: int
    main_street_share: float | None
    key_district_share: float | None
    main_street_attainable_share: float | None = Field(
        None, description="the most any number of stations could cover (reachable / all)"
    )
    key_district_attainable_share: float | None = None
    main_street_reachable_share: float | None = Field(
        None, description="covered share of the demand a station could reach"
    )
    key_district_reachable_share: float | None = None
    snapshot_id: int


class TargetProgress(BaseModel):
    """How one target stands: its pace, the pace it needs and where it is heading."""

    kind: str
    metric: str
    value: float
    starts_on: dt.date | None
    deadline: dt.date
    note: str | None
    current: float | None
    pace_per_month: float | None
    needed_per_month: float | None
    reached: float | None = Field(description="value on the deadline, once it has passed")
    projected_date: dt.date | None
    status: str = Field(description=" | ".join(STATUS_LABELS))
    status_label: str
    projection: str = Field(description="where it stands, in words (Chinese)")
    projection_en: str
    attainable: float | None = Field(
        None, description="coverage targets: the most any number of new stations could reach"
    )
    current_of_reachable: float | None = Field(
        None, description="coverage targets: covered share of the reachable demand"
    )
    attainable_met: bool | None = Field(
        None, description="false: no number of new stations can meet the target"
    )
    reach_note: str = ""
    reach_note_en: str = ""


class TrendOut(BaseModel):
    """Coverage month by month and the progress towards each target."""

    kind: str
    distance_m: float
    mode: str
    cell_m: float
    as_of: dt.date
    first_opened: dt.date | None = Field(description="the kind's first opening date")
    points: list[TrendPoint]
    missing: list[dt.date] = Field(description="dates without a current snapshot")
    targets: list[TargetProgress]
    count_targets: list[TargetProgress]


class PlanSite(BaseModel):
    """One new site of a plan, in the order it was chosen."""

    rank: int
    candidate_id: str
    name: str
    source: str = Field(description="file name, street, district or gap (generated)")
    lon: float = Field(description="WGS-84")
    lat: float = Field(description="WGS-84")
    crs: str | None = Field(None, description="datum of x/y when asked for (crs=gcj02 …)")
    x: float | None = None
    y: float | None = None
    street: str = Field(description="the main street it serves most (or the nearest)")
    district: str
    adds_main_street_m: float
    adds_key_district_m2: float
    main_street_share: float | None = Field(description="cumulative, after this site")
    key_district_share: float | None = Field(description="cumulative, after this site")
    sliver: bool = Field(
        False,
        description="adds less than both YIZHAN_SITING_SLIVER_SHARE of the plan's added "
        "coverage and YIZHAN_SITING_SLIVER_M metres of street (or their worth in area)",
    )


class PlanOut(BaseModel):
    """A siting plan: the new sites and the coverage before and after them."""

    as_of: dt.date
    kind: str
    distance_m: float
    model: PlanModel
    k: int | None
    solver: str
    status: str
    objective: float
    bound: float = Field(description="a proven bound on the optimum (see bound_source)")
    bound_source: str | None = Field(
        description="highs (HiGHS's own dual bound) | greedy (HiGHS stopped before it had "
        "one, or the greedy solver); null when there was nothing to plan"
    )
    gap: float = Field(description="(bound − objective) as a share of the larger, 0 … 1")
    notes: list[dict[str, str]] = Field(
        description="how the answer was reached, e.g. a solve stopped by the time limit "
        "(message, message_en)"
    )
    seconds: float
    stations: int
    candidates: dict[str, Any]
    demand: dict[str, Any]
    weights: dict[str, float]
    before: dict[str, Any]
    predicted: dict[str, Any]
    verified: dict[str, Any] = Field(description="coverage measured with every site built")
    sites: list[PlanSite]
    slivers: dict[str, Any] | None = Field(
        None, description="how many sites add only a sliver, and the thresholds used"
    )
    unreachable: dict[str, Any] = Field(
        description="demand no candidate reaches, with where; never: no site anywhere "
        "reaches it (no walkway within the distance), no_candidate: only these candidates miss it"
    )
    pace: dict[str, Any]
