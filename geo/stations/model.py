"""The one validation of a station as people give it: file rows now, HTTP bodies later.

:class:`StationInput` accepts what a person types (Chinese or English labels, Chinese
dates, services as one string, coordinates in WGS-84, GCJ-02 or BD-09) and normalises it
to the codes of :mod:`geo.vocab`. Coordinates are kept as given together with their
``crs``; :meth:`StationInput.wgs84` gives the stored position.

Validators raise pydantic errors whose context carries a Chinese and an English message
(``ctx["zh"]``/``ctx["en"]``); :func:`field_problems` turns any ``ValidationError`` of this
model into per-field messages with Chinese field labels, and :func:`parse_station` raises
the domain :class:`~geo.errors.InvalidInput` instead.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from geo import vocab
from geo.crs import CRSName, parse_crs, to_wgs84_point
from geo.errors import InvalidInput, YizhanError
from geo.hours import optional_opening_hours

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "kind": ("类型", "kind"),
    "name": ("名称", "name"),
    "address": ("地址", "address"),
    "district": ("区县", "district"),
    "level": ("级别", "level"),
    "host_org": ("承建单位", "host organisation"),
    "phone": ("联系电话", "phone"),
    "opening_hours": ("开放时间", "opening hours"),
    "services": ("服务项目", "services"),
    "status": ("状态", "status"),
    "opened_on": ("开放日期", "opening date"),
    "closed_on": ("关闭日期", "closing date"),
    "source": ("数据来源", "source"),
    "external_id": ("外部编号", "external id"),
    "lon": ("经度", "longitude"),
    "lat": ("纬度", "latitude"),
    "crs": ("坐标系", "coordinate system"),
}

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab and newlines are fine
_PHONE_RE = re.compile(r"^[0-9 +\-()]{5,30}$")
_SERVICE_SPLIT_RE = re.compile(r"[,，、;；|/]+")
_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$"
)


def field_label(field: str, lang: str = "zh") -> str:
    """The label of a StationInput field for messages ("zh" or "en"); the name if unknown."""
    zh, en = FIELD_LABELS.get(field, (field, field))
    return en if lang == "en" else zh


def _fail(zh: str, en: str) -> PydanticCustomError:
    return PydanticCustomError("yizhan", "{en}", {"zh": zh, "en": en})


def _blank_to_none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _term_code(value: Any, terms: dict[str, vocab.Term], field: str) -> str:
    key = str(value).strip()
    for term in terms.values():
        if key.lower() in (term.code, term.en.lower()) or key == term.zh:
            return term.code
    codes = "、".join(f"{t.code}（{t.zh}）" for t in terms.values())
    raise _fail(
        f"「{key}」无效，可选：{codes}",
        f"unknown {field_label(field, 'en')} '{key}'; use one of: {', '.join(terms)}",
    )


def _split_services(value: Any) -> list[str]:
    if isinstance(value, str):
        return [p for p in _SERVICE_SPLIT_RE.split(value) if p.strip()]
    if isinstance(value, list | tuple | set | frozenset):
        return [str(p) for p in value if str(p).strip()]
    raise _fail("服务项目应为列表或文字", "services must be a list or a text")


def _match_services(chunk: str) -> tuple[list[str], list[str]]:
    """Codes for one chunk, trying the whole chunk first, then its space-separated words."""
    code = vocab.normalise_service(chunk)
    if code:
        return [code], []
    words = chunk.split()
    found: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for j in range(len(words), i, -1):  # longest run of words first ("drinking water")
            code = vocab.normalise_service(" ".join(words[i:j]))
            if code:
                found.append(code)
                i = j
                break
        else:
            unknown.append(words[i])
            i += 1
    return found, unknown


def parse_date(value: Any) -> date | None:
    """A date from ISO text, 2025/3/1, 2025.3.1 or 2025年3月1日 (None when blank)."""
    value = _blank_to_none(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _DATE_RE.match(text)
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise _fail(
        f"日期「{value}」无效，请写成 2025-03-01、2025/3/1 或 2025年3月1日",
        f"invalid date '{value}': write 2025-03-01, 2025/3/1 or 2025年3月1日",
    )


class StationInput(BaseModel):
    """A station as a person gives it, validated and normalised to vocabulary codes.

    Attributes
    ----------
    kind
        Kind code (``love_station`` …); labels such as 爱心驿站 are accepted.
    name, address, district, host_org
        Stripped texts; the name is required (1–100 characters), the address ≤ 200.
    level
        ``city``/``district``/``street`` (or 市级/区级/街道级), optional.
    phone
        Digits, spaces, ``+``, ``-`` and parentheses, 5–30 characters, optional.
    opening_hours
        OSM ``opening_hours`` expression (see :mod:`geo.hours`); None means unknown.
    services
        Service codes; a text is split on , ， 、 ; ； | / and spaces.
    status
        Status code, ``open`` by default.
    opened_on, closed_on
        Dates; ``closed_on`` may not precede ``opened_on``.
    source, external_id
        Where the record comes from and its id there (stable across re-imports).
    lon, lat, crs
        Coordinates as given, in ``crs`` (``wgs84``, ``gcj02`` or ``bd09``).
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)

    kind: str
    name: str = Field(min_length=1, max_length=100)
    address: str | None = Field(default=None, max_length=200)
    district: str | None = Field(default=None, max_length=100)
    level: str | None = None
    host_org: str | None = Field(default=None, max_length=200)
    phone: str | None = None
    opening_hours: str | None = None
    services: list[str] = Field(default_factory=list)
    status: str = "open"
    opened_on: date | None = None
    closed_on: date | None = None
    source: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=200)
    lon: float
    lat: float
    crs: CRSName = "wgs84"

    @field_validator(
        "address",
        "district",
        "level",
        "host_org",
        "phone",
        "opening_hours",
        "source",
        "external_id",
        mode="before",
    )
    @classmethod
    def _optional_text(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        return str(value) if isinstance(value, int | float) else value

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and _CONTROL_RE.search(t) for t in texts):
            raise _fail(
                "含有不允许的控制字符（如 NUL）", "contains control characters (such as NUL)"
            )
        return value

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> str:
        value = _blank_to_none(value)
        if value is None:
            raise _fail("必填", "required")
        code = vocab.normalise_kind(str(value))
        if code is None:
            _term_code(value, vocab.KINDS, "kind")  # raises with the valid codes
        return code  # type: ignore[return-value]

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> str | None:
        value = _blank_to_none(value)
        return None if value is None else _term_code(value, vocab.LEVELS, "level")

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> str:
        value = _blank_to_none(value)
        return "open" if value is None else _term_code(value, vocab.STATUSES, "status")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = unicodedata.normalize("NFKC", value).strip()
        if not _PHONE_RE.match(value):
            raise _fail(
                f"「{value}」无效：只能包含数字、空格、+、- 和括号，5–30 个字符",
                f"invalid phone '{value}': use digits, spaces, +, - and parentheses, "
                "5-30 characters",
            )
        return value

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        try:
            return optional_opening_hours(value)
        except YizhanError as exc:
            raise _fail(exc.zh, exc.en) from None

    @field_validator("services", mode="before")
    @classmethod
    def _services(cls, value: Any) -> list[str]:
        value = _blank_to_none(value)
        if value is None:
            return []
        codes: list[str] = []
        unknown: list[str] = []
        for chunk in _split_services(value):
            found, bad = _match_services(chunk.strip())
            codes.extend(c for c in found if c not in codes)
            unknown.extend(bad)
        if unknown:
            valid = ", ".join(vocab.SERVICES)
            raise _fail(
                f"未知的服务项目：{'、'.join(unknown)}；可选：{valid}",
                f"unknown services: {', '.join(unknown)}; valid codes: {valid}",
            )
        return codes

    @field_validator("opened_on", "closed_on", mode="before")
    @classmethod
    def _date(cls, value: Any) -> date | None:
        return parse_date(value)

    @field_validator("crs", mode="before")
    @classmethod
    def _crs(cls, value: Any) -> str:
        try:
            return parse_crs(str(value))
        except YizhanError as exc:
            raise _fail(exc.zh, exc.en) from None

    @field_validator("lon", "lat")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise _fail("坐标不是有限的数字（NaN 或无穷大）", "coordinate is not a finite number")
        return value

    @field_validator("lon")
    @classmethod
    def _lon_range(cls, value: float) -> float:
        if not -180.0 <= value <= 180.0:
            raise _fail(
                f"经度 {value} 超出范围 [-180, 180]", f"longitude {value} is outside [-180, 180]"
            )
        return value

    @field_validator("lat")
    @classmethod
    def _lat_range(cls, value: float) -> float:
        if not -90.0 <= value <= 90.0:
            raise _fail(
                f"纬度 {value} 超出范围 [-90, 90]", f"latitude {value} is outside [-90, 90]"
            )
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> StationInput:
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            raise _fail(
                f"关闭日期 {self.closed_on} 早于开放日期 {self.opened_on}",
                f"closing date {self.closed_on} is before opening date {self.opened_on}",
            )
        return self

    def wgs84(self) -> tuple[float, float]:
        """The position as WGS-84 (lon, lat), converted from ``crs``."""
        return to_wgs84_point(self.lon, self.lat, self.crs)

    def in_wgs84(self) -> StationInput:
        """A copy whose ``lon``/``lat`` are WGS-84 and ``crs`` is ``wgs84``."""
        lon, lat = self.wgs84()
        return self.model_copy(update={"lon": lon, "lat": lat, "crs": "wgs84"})


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: its name (None for the whole record) and the messages."""

    field: str | None
    zh: str
    en: str


_BUILTIN_ZH = {
    "missing": "必填",
    "string_too_short": "不能为空",
    "string_too_long": "不能超过 {max_length} 个字符",
    "float_parsing": "不是有效的数字",
    "float_type": "不是有效的数字",
    "finite_number": "不是有限的数字",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "extra_forbidden": "不是可识别的字段",
    "literal_error": "取值无效",
    "json_invalid": "不是有效的 JSON",
    "int_parsing": "不是有效的整数",
    "int_type": "不是有效的整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_parsing": "不是有效的日期",
    "date_from_datetime_parsing": "不是有效的日期",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "string_pattern_mismatch": "取值无效",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
}


def error_zh(err: Any) -> str:
    """The Chinese message of one pydantic error (as in ``ValidationError.errors()``)."""
    ctx = err.get("ctx") or {}
    if err.get("type") == "yizhan" and "zh" in ctx:
        return str(ctx["zh"])
    try:
        return _BUILTIN_ZH.get(err.get("type", ""), "格式无效").format(**ctx)
    except (KeyError, IndexError):
        return "格式无效"


def field_problems(error: ValidationError) -> list[FieldProblem]:
    """Per-field Chinese/English messages for a StationInput ``ValidationError``."""
    out: list[FieldProblem] = []
    for err in error.errors():
        loc = err.get("loc") or ()
        field = str(loc[0]) if loc else None
        zh, en = error_zh(err), (err.get("ctx") or {}).get("en", err["msg"])
        if field:
            zh = f"{field_label(field)}：{zh}"
            en = f"{field_label(field, 'en')}: {en}"
        out.append(FieldProblem(field, zh, en))
    return out


def parse_station(data: dict[str, Any]) -> StationInput:
    """Validate a mapping as a StationInput, raising the domain error on failure.

    Raises
    ------
    InvalidInput
        With every field problem joined in the message and listed in ``details``.
    """
    try:
        return StationInput.model_validate(data)
    except ValidationError as exc:
        problems = field_problems(exc)
        raise InvalidInput(
            "；".join(p.zh for p in problems),
            "; ".join(p.en for p in problems),
            details=[{"field": p.field, "message": p.zh, "message_en": p.en} for p in problems],
        ) from None
