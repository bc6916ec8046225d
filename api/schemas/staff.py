"""Request and response models of the staff API (stations as staff see and change them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.schemas.common import CRS, Reason, SomeText, Status, Text
from geo.stations.model import StationInput
from geo.stations.sql import PATCHABLE, POSITION_FIELDS


class StationCreate(StationInput):
    """A new station: every StationInput field, validated the same way as file imports."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "love_station",
                    "name": "福田街道爱心驿站",
                    "lon": 114.0550,
                    "lat": 22.5410,
                    "crs": "gcj02",
                    "address": "福田区福华三路 88 号",
                    "opening_hours": "Mo-Fr 08:00-18:00",
                    "services": ["drinking_water", "heating", "rest_seats"],
                    "phone": "0755-1234567",
                    "host_org": "福田街道总工会",
                    "level": "street",
                    "opened_on": "2025-03-01",
                }
            ]
        }
    )

    confirm_not_duplicate: bool = Field(
        default=False, description="确认不是重复 / the nearby candidates are other stations"
    )
    reason: Text = Reason


class _PatchBase(BaseModel):
    """Fields to change; absent fields stay as they are, null clears an optional field.

    A new position needs ``lon`` and ``lat`` together, in ``crs`` (default wgs84).
    """

    model_config = ConfigDict(extra="forbid")


# Derived from the one station field list (geo.stations.sql.PATCHABLE, itself from
# StationInput): each field optional. A few take text too, as imports do, and geo
# validates the whole station again, so their types here are looser than StationInput's.
_LOOSER: dict[str, Any] = {
    "services": list[str] | str | None,
    "opened_on": date | str | None,
    "crs": str | None,
}


def _optional(name: str) -> Any:
    annotation: Any = StationInput.model_fields[name].annotation
    return _LOOSER.get(name, annotation | None)


_PATCH_FIELDS: dict[str, Any] = {
    **{name: (_optional(name), None) for name in (*PATCHABLE, *POSITION_FIELDS)},
    "confirm_not_duplicate": (bool, False),
    "reason": (Text, Reason),
}

if TYPE_CHECKING:

    class StationPatch(_PatchBase):
        """Fields to change (see :class:`_PatchBase`)."""

        confirm_not_duplicate: bool
        reason: str | None

else:
    StationPatch = create_model(
        "StationPatch", __base__=_PatchBase, __doc__=_PatchBase.__doc__, **_PATCH_FIELDS
    )


class StatusChange(BaseModel):
    """Close (date and reason), close temporarily (reason) or reopen a station."""

    model_config = ConfigDict(extra="forbid")

    status: Status
    reason: Text = Reason
    closed_on: date | None = None


class ReviewDecision(BaseModel):
    """A reviewer's optional comment on an approval or a rejection."""

    model_config = ConfigDict(extra="forbid")

    comment: Text = Field(default=None, max_length=500)


class RejectDecision(BaseModel):
    """A reviewer's rejection: the comment tells the submitter why (required)."""

    model_config = ConfigDict(extra="forbid")

    comment: SomeText = Field(max_length=500)


class StationOut(BaseModel):
    """A station with its review state and version (the ETag of If-Match)."""

    id: int
    kind: str
    name: str
    address: str | None
    district: str | None
    level: str | None
    host_org: str | None
    phone: str | None
    opening_hours: str | None
    services: list[str]
    status: str
    status_reason: str | None
    review_state: str
    review_comment: str | None
    opened_on: date | None
    closed_on: date | None
    is_demo: bool
    source: str | None
    external_id: str | None
    lon: float | None = Field(
        description="WGS-84；未定位的草稿为 null / WGS-84; null for an unlocated draft"
    )
    lat: float | None = Field(
        description="WGS-84；未定位的草稿为 null / WGS-84; null for an unlocated draft"
    )
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    pending_revisions: int = Field(
        default=0, description="待审核的修改申请数 / revisions waiting for a reviewer"
    )


class UnlocatedStation(BaseModel):
    """A station kept without a position (an address-only row of a station list)."""

    id: int
    kind: str
    name: str
    address: str | None
    district: str | None = Field(description="文件所写的区县 / the district the file names")
    source: str | None
    external_id: str | None
    status: str
    review_state: str
    version: int = Field(description="定位时作为 If-Match / send as If-Match to locate it")
    created_by: str
    created_at: datetime = Field(description="导入或登记时间 / imported or registered at")


class UnlocatedPage(BaseModel):
    """A page of unlocated stations, oldest first, and how many there are in all."""

    total: int
    limit: int
    offset: int
    items: list[UnlocatedStation]


class LocateRequest(BaseModel):
    """The position of an unlocated station, in ``crs`` (converted to WGS-84)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lon": 113.6253, "lat": 34.7466, "crs": "gcj02"}]},
    )

    lon: float = Field(ge=-180, le=180, description="经度 / longitude")
    lat: float = Field(ge=-90, le=90, description="纬度 / latitude")
    crs: CRS = "wgs84"
    move: bool = Field(
        default=False,
        description="站点已有位置时移动它（否则 409）/ move a station that already has a "
        "position (else 409)",
    )
    confirm_not_duplicate: bool = Field(
        default=False, description="确认不是重复 / the nearby candidates are other stations"
    )
    reason: Text = Reason


class NearbyStation(BaseModel):
    """A stored station near a point, with its distance."""

    id: int
    kind: str
    name: str
    address: str | None
    status: str
    review_state: str
    lon: float
    lat: float
    distance_m: float


class FieldChange(BaseModel):
    """One field's value before (``from``) and after (``to``) a change."""

    field: str
    from_: Any = Field(alias="from")
    to: Any

    model_config = ConfigDict(populate_by_name=True)


class HistoryEntry(BaseModel):
    """One change to a station, from its audit log."""

    version: int | None
    action: str
    actor: str
    at: datetime
    reason: str | None
    changes: list[FieldChange]


class RevisionField(BaseModel):
    """One field of a revision: published when proposed, proposed, and published now."""

    field: str
    before: Any = Field(description="提交时的发布值 / the published value when proposed")
    proposed: Any = Field(description="申请的新值 / the proposed value")
    published: Any = Field(description="当前发布值 / the published value now")


class RevisionOut(BaseModel):
    """A change proposed to a published station, and the reviewer's decision."""

    id: int
    station_id: int
    station_name: str
    station_kind: str
    kind: Literal["edit", "status"] = Field(
        description="edit：修改字段；status：状态变更 / field edit or status change"
    )
    base_version: int
    station_version: int
    applied: bool = Field(
        description="已生效待确认（临时关闭）/ live already, awaiting confirmation"
    )
    state: Literal["pending", "approved", "rejected", "withdrawn"]
    reason: str | None
    created_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None
    diff: list[RevisionField]
