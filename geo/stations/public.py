"""Validation of what the public asks for: a position, a kind, services, a box, a time.

Each function takes what arrived (text or numbers) and returns clean values, or raises
:class:`~geo.errors.InvalidInput` with a Chinese and an English sentence that says what to
fix. The API maps that to HTTP 422.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from geo import clock, vocab
from geo.crs import CRSName, in_china, parse_crs, to_wgs84_point
from geo.errors import InvalidInput
from geo.units import MAX_DISTANCE_M

# The largest box (degrees of longitude and of latitude) a public listing may ask for:
# a whole city fits; a country does not.
MAX_BBOX_SPAN_DEG = 2.0
_SPLIT = re.compile(r"[,，、;；|\s]+")
_OFFSET_SPACE = re.compile(r" (\d{2}:?\d{2})$")


def position(lon: float, lat: float, crs: str = "wgs84") -> tuple[float, float, CRSName]:
    """A point given in ``crs`` as WGS-84 (lon, lat), with the canonical CRS name.

    Raises
    ------
    InvalidInput
        For a missing/NaN/out-of-range coordinate, an unknown CRS, or GCJ-02/BD-09
        coordinates outside China, where those systems are not defined.
    """
    name = parse_crs(crs)
    if not math.isfinite(lon) or not -180 <= lon <= 180:
        raise InvalidInput(
            f"经度 lon={lon} 无效：请填写 -180 到 180 之间的数字",
            f"longitude lon={lon} is invalid: give a number from -180 to 180",
            details={"field": "lon", "value": str(lon)},
        )
    if not math.isfinite(lat) or not -90 <= lat <= 90:
        raise InvalidInput(
            f"纬度 lat={lat} 无效：请填写 -90 到 90 之间的数字",
            f"latitude lat={lat} is invalid: give a number from -90 to 90",
            details={"field": "lat", "value": str(lat)},
        )
    if name != "wgs84" and not bool(in_china(lon, lat)):
        raise InvalidInput(
            f"{name} 坐标只在中国境内有效，({lon}, {lat}) 在中国以外：请检查经纬度是否写反，"
            "或改用 crs=wgs84",
            f"{name} coordinates exist only inside China and ({lon}, {lat}) is outside it: "
            "check that lon and lat are not swapped, or use crs=wgs84",
            details={"field": "crs", "value": name},
        )
    x, y = to_wgs84_point(lon, lat, name)
    return x, y, name


def kind(value: str | None) -> str | None:
    """A station kind code from a code or label; None for any kind."""
    if value is None or not value.strip():
        return None
    code = vocab.normalise_kind(value)
    if code is None:
        names = "、".join(f"{c}（{t.zh}）" for c, t in vocab.KINDS.items())
        raise InvalidInput(
            f"未知的站点类型「{value}」，可选：{names}",
            f"unknown station kind '{value}': use one of {', '.join(vocab.KINDS)}",
            details={"field": "kind", "value": value, "allowed": list(vocab.KINDS)},
        )
    return code


def services(value: str | None) -> tuple[str, ...]:
    """Service codes from a comma list of codes, aliases or labels (``water,toilet``)."""
    if value is None:
        return ()
    codes: list[str] = []
    for part in _SPLIT.split(value.strip()):
        if not part:
            continue
        code = vocab.normalise_service(part)
        if code is None:
            raise InvalidInput(
                f"未知的服务项目「{part}」，可选：{'、'.join(vocab.SERVICES)}",
                f"unknown service '{part}': use one of {', '.join(vocab.SERVICES)}",
                details={"field": "services", "value": part, "allowed": list(vocab.SERVICES)},
            )
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def limit(value: int, maximum: int) -> int:
    """A result count from 1 to ``maximum``."""
    if not 1 <= value <= maximum:
        raise InvalidInput(
            f"数量上限 limit={value} 无效：请填写 1 到 {maximum} 之间的整数",
            f"limit={value} is invalid: give a whole number from 1 to {maximum}",
            details={"field": "limit", "value": value, "maximum": maximum},
        )
    return value


def distance(value: float) -> float:
    """A search radius in metres, above 0 and at most :data:`MAX_DISTANCE_M`."""
    if not math.isfinite(value) or not 0 < value <= MAX_DISTANCE_M:
        raise InvalidInput(
            f"最大距离 max_distance={value} 无效：请填写 0 到 {MAX_DISTANCE_M:.0f} 米之间的数",
            f"max_distance={value} is invalid: give metres above 0 and at most "
            f"{MAX_DISTANCE_M:.0f}",
            details={"field": "max_distance", "value": str(value)},
        )
    return value


def bbox(
    value: str | None, *, max_span: float | None = MAX_BBOX_SPAN_DEG
) -> tuple[float, float, float, float] | None:
    """``minlon,minlat,maxlon,maxlat`` in WGS-84 as four floats, or None when absent.

    ``max_span`` limits the box's width and height in degrees (None: no limit).
    """
    if value is None or not value.strip():
        return None
    example = "113.98,22.50,114.10,22.58"
    try:
        parts = [float(p) for p in value.replace("，", ",").split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise InvalidInput(
            f"范围 bbox「{value}」无效：请写 4 个数字「最小经度,最小纬度,最大经度,最大纬度」，"
            f"例如 {example}",
            f"bbox '{value}' is invalid: give four numbers minlon,minlat,maxlon,maxlat, "
            f"e.g. {example}",
            details={"field": "bbox", "value": value},
        )
    xmin, ymin, xmax, ymax = parts
    in_range = -180 <= xmin <= 180 and -180 <= xmax <= 180
    if not (in_range and -90 <= ymin <= 90 and -90 <= ymax <= 90):
        raise InvalidInput(
            "范围 bbox 超出经纬度范围：经度在 -180 到 180 之间，纬度在 -90 到 90 之间",
            "bbox is outside lon/lat range: longitudes -180..180, latitudes -90..90",
            details={"field": "bbox", "value": value},
        )
    if xmin >= xmax or ymin >= ymax:
        raise InvalidInput(
            f"范围 bbox「{value}」颠倒了：最小值要小于最大值"
            "（最小经度,最小纬度,最大经度,最大纬度）",
            f"bbox '{value}' is inverted: the minimum must be below the maximum "
            "(minlon,minlat,maxlon,maxlat)",
            details={"field": "bbox", "value": value},
        )
    if max_span is not None and (xmax - xmin > max_span or ymax - ymin > max_span):
        raise InvalidInput(
            f"范围 bbox 太大：宽和高都不能超过 {max_span} 度，请缩小范围或分页查询",
            f"bbox is too large: width and height must be at most {max_span} degrees; "
            "ask for a smaller box",
            details={"field": "bbox", "value": value, "max_span_deg": max_span},
        )
    return xmin, ymin, xmax, ymax


def moment(value: str | None, tz: str) -> datetime:
    """An ISO time (``2025-03-03T09:00+08:00``); a time without offset is read in the
    city's time zone ``tz``; None means now. Dates outside 1990-2100 are refused: they are
    typing mistakes, and the year 1 at +14:00 is not even a time in UTC."""
    zone = clock.zone_named(tz)
    if value is None or not value.strip():
        return clock.now().astimezone(zone)
    # "+08:00" arrives as " 08:00" when a client forgets to URL-encode the plus sign.
    text = _OFFSET_SPACE.sub(r"+\1", value.strip())
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"时间 at=「{value}」无法识别：请写 ISO 8601 时间，例如 2025-03-03T09:00+08:00",
            f"time at='{value}' is not understood: write ISO 8601, e.g. 2025-03-03T09:00+08:00",
            details={"field": "at", "value": value},
        ) from exc
    clock.check_in_range(when.date(), "at")
    return when if when.tzinfo is not None else when.replace(tzinfo=zone)
