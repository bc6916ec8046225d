"""What-if scenarios of the planner workspace: the request, the evaluated answer and the
saved scenarios. The changes are checked by :mod:`geo.coverage.changes` (its 422 names the
change's index and field), so they are plain objects here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from api.schemas.common import DATE_SCHEMA, KIND_SCHEMA, _no_nul, bounds
from geo.coverage.changes import MAX_STATION_ID
from geo.units import MAX_DISTANCE_M, MIN_SERVICE_DISTANCE_M

CHANGES_DOC = (
    'changes, applied in order: {"op":"add","lon","lat","crs":"wgs84|gcj02|bd09",'
    '"id":"client id","name"?}, {"op":"remove","station_id"} (or "id" of an added one), '
    '{"op":"move","station_id"|"id","lon","lat","crs"}'
)


_LON = {"type": "number", "minimum": -180, "maximum": 180}
_LAT = {"type": "number", "minimum": -90, "maximum": 90}
_CRS = {"type": "string", "enum": ["wgs84", "gcj02", "bd09"], "default": "wgs84"}
_CID = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"\S"}
_SID = {"type": "integer", "minimum": 1, "maximum": MAX_STATION_ID}
_NAME = {"type": "string", "maxLength": 100}


def _op(op: str, required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"op": {"type": "string", "enum": [op]}, **props},
        "required": ["op", *required],
        "additionalProperties": False,
    }


# The shape of one change, for the OpenAPI document (geo checks it again and names the
# index and field of a refusal).
CHANGE_SCHEMA: dict[str, Any] = {
    "oneOf": [
        _op("add", ["lon", "lat", "id"], lon=_LON, lat=_LAT, crs=_CRS, id=_CID, name=_NAME),
        _op("remove", ["station_id"], station_id=_SID),
        _op("remove", ["id"], id=_CID),
        _op(
            "move",
            ["station_id", "lon", "lat"],
            station_id=_SID,
            lon=_LON,
            lat=_LAT,
            crs=_CRS,
            name=_NAME,
        ),
        _op("move", ["id", "lon", "lat"], id=_CID, lon=_LON, lat=_LAT, crs=_CRS, name=_NAME),
    ]
}
_CHANGES: dict[str, Any] = {"items": CHANGE_SCHEMA, "maxItems": 200}


class WhatIfIn(BaseModel):
    """A what-if question: the base (as-of date, kind, distance) and the changes."""

    as_of: dt.date = Field(json_schema_extra=DATE_SCHEMA)
    kind: str = Field("love_station", json_schema_extra=KIND_SCHEMA)
    distance: float | None = Field(
        None, json_schema_extra=bounds(MIN_SERVICE_DISTANCE_M, MAX_DISTANCE_M)
    )
    changes: list[dict[str, Any]] = Field(
        default_factory=list, description=CHANGES_DOC, json_schema_extra=_CHANGES
    )


class FiguresOut(BaseModel):
    """Headline figures of the base or the scenario (shares 0..1)."""

    stations: int
    stations_reaching_network: int
    main_street_m: float
    main_street_covered_m: float
    main_street_share: float | None
    key_district_area_m2: float
    key_district_covered_m2: float
    key_district_share: float | None


class DeltaOut(BaseModel):
    """Scenario minus base: shares in percentage points, lengths in m, areas in m²."""

    main_street_share: float | None
    key_district_share: float | None
    main_street_m: float
    key_district_m2: float
    stations: int
    newly_covered_m: float
    newly_uncovered_m: float


class StationOut(BaseModel):
    """A station the scenario adds, moves (new position) or switches off (WGS-84)."""

    op: str
    id: str | None
    station_id: int | None
    name: str | None
    lon: float
    lat: float
    crs: str
    change_index: int | None
    from_lon: float | None = Field(None, description="a moved station's position today")
    from_lat: float | None = None


class WhatIfOut(BaseModel):
    """The figures before and after the changes, the deltas and what changed on the map."""

    as_of: dt.date
    kind: str
    distance_m: float
    mode: str
    cell_m: float
    official: bool = Field(description="always false: a what-if is never an official figure")
    note: str
    note_en: str
    base: FiguresOut
    scenario: FiguresOut
    delta: DeltaOut
    newly_covered: dict[str, Any] = Field(description="GeoJSON FeatureCollection (WGS-84)")
    newly_uncovered: dict[str, Any] = Field(description="GeoJSON FeatureCollection (WGS-84)")
    stations: list[StationOut]
    elapsed_ms: float


class ScenarioIn(BaseModel):
    """A scenario to save (or the new content of one)."""

    name: Annotated[str, AfterValidator(_no_nul), Field(min_length=1, max_length=100)]
    kind: str = Field("love_station", json_schema_extra=KIND_SCHEMA)
    as_of: dt.date = Field(json_schema_extra=DATE_SCHEMA)
    distance: float | None = Field(
        None, json_schema_extra=bounds(MIN_SERVICE_DISTANCE_M, MAX_DISTANCE_M)
    )
    changes: list[dict[str, Any]] = Field(
        default_factory=list, description=CHANGES_DOC, json_schema_extra=_CHANGES
    )
    note: Annotated[str, AfterValidator(_no_nul), Field(max_length=1000)] | None = None


class ScenarioOut(BaseModel):
    """A saved scenario."""

    id: int
    name: str
    kind: str
    as_of: dt.date
    distance_m: float | None
    changes: list[dict[str, Any]]
    note: str | None
    archived: bool
    version: int
    created_by: str
    created_at: dt.datetime
    updated_by: str
    updated_at: dt.datetime


class ScenarioResultOut(WhatIfOut):
    """A saved scenario evaluated now."""

    saved: ScenarioOut


class CompareRow(BaseModel):
    """One scenario of a comparison."""

    id: int
    name: str
    archived: bool
    version: int
    as_of: dt.date
    kind: str
    distance_m: float
    base: FiguresOut
    scenario: FiguresOut
    delta: DeltaOut
    stations: list[StationOut]
    elapsed_ms: float
