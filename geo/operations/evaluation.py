"""The yearly station evaluation (运维绩效评估, issue 15): a score of 0-100 and one to five
stars per station that operated in the year, each part of the score with its reason in
Chinese and English, and flags for downgrade, stale data and no data.

The rules are configurable (``YIZHAN_EVALUATION_RULES_FILE``, a JSON file validated by
:class:`Rules`; every key optional, defaults below). The answer depends only on the
year, the as-of date and the data: nothing that happened (or was stored) after the
as-of date is read (:mod:`geo.db.evaluation`), so a later re-run with the same as-of
date gives the same answer.

Parts of the score (weights: :attr:`Rules.weights`, summing to 100):

* ``facilities``: the share of the kind's core services the station declares;
* ``hours``: the share of the year's inspections that found it open at the published hours;
* ``inspections``: the share of the year's inspections it passed;
* ``problems``: full marks less a penalty per confirmed problem, per one still open on the
  as-of date and per one resolved more slowly than ``resolve_days``;
* ``usage``: check-ins and visitors counted on paper per operating day, against
  ``usage_target_per_day``.

A part without data (no inspection, no count) earns ``no_data_share`` of its weight.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psycopg
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from geo import clock
from geo.db import evaluation as db
from geo.errors import InvalidFile, InvalidInput
from geo.settings import OperationsSettings, get_settings
from geo.vocab import KINDS, OCCUPATIONS, PROBLEM_CATEGORIES, SERVICES

PARTS: dict[str, tuple[str, str]] = {
    "facilities": ("设施", "facilities"),
    "hours": ("按时开放", "opening hours"),
    "inspections": ("巡查结果", "inspections"),
    "problems": ("问题处理", "problems"),
    "usage": ("使用人次", "usage"),
}

FLAGS: dict[str, tuple[str, str]] = {
    "downgrade": ("降级", "downgrade"),
    "stale": ("核实过期", "stale"),
    "no_data": ("无数据", "no data"),
}

#: The core services of each kind (what a station of the kind is expected to offer).
DEFAULT_CORE_SERVICES: dict[str, list[str]] = {
    "love_station": [
        "drinking_water",
        "heating",
        "cooling",
        "rest_seats",
        "toilet",
        "phone_charging",
        "first_aid",
        "microwave",
    ],
    "mother_baby_room": ["nursing_chair", "changing_table", "drinking_water", "rest_seats"],
    "worker_bookshop": ["books", "rest_seats", "wifi", "drinking_water"],
}


class Weights(BaseModel):
    """Points of each part; they sum to 100."""

    model_config = ConfigDict(extra="forbid")

    facilities: float = Field(default=25, ge=0, le=100)
    hours: float = Field(default=25, ge=0, le=100)
    inspections: float = Field(default=20, ge=0, le=100)
    problems: float = Field(default=15, ge=0, le=100)
    usage: float = Field(default=15, ge=0, le=100)

    @model_validator(mode="after")
    def _sum_100(self) -> Weights:
        total = sum(self.model_dump().values())
        if abs(total - 100) > 1e-9:
            raise ValueError(f"the weights must sum to 100, not {total:g}")
        return self


class Downgrade(BaseModel):
    """When a station is flagged for downgrade, and the stars it keeps at most."""

    model_config = ConfigDict(extra="forbid")

    #: Inspections in the year that found it not open at the published hours.
    not_open_inspections: int = Field(default=2, ge=1)
    #: A confirmed problem still open more than this many days on the as-of date.
    open_problem_days: int = Field(default=14, ge=1)
    max_stars: int = Field(default=2, ge=1, le=5)


class Rules(BaseModel):
    """The evaluation's rules (the JSON file's keys; each optional)."""

    model_config = ConfigDict(extra="forbid")

    weights: Weights = Field(default_factory=Weights)
    core_services: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_CORE_SERVICES.items()}
    )
    #: Lowest score of 5, 4, 3 and 2 stars (below the last: 1 star), descending.
    stars: list[float] = Field(default_factory=lambda: [85.0, 70.0, 55.0, 40.0])
    no_data_share: float = Field(default=0.5, ge=0, le=1)
    problem_penalty: float = Field(default=3, ge=0)
    open_problem_penalty: float = Field(default=3, ge=0)
    slow_resolution_penalty: float = Field(default=2, ge=0)
    resolve_days: int = Field(default=14, ge=1)
    usage_target_per_day: float = Field(default=5, gt=0)
    downgrade: Downgrade = Field(default_factory=Downgrade)

    @field_validator("core_services")
    @classmethod
    def _core(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for kind, codes in value.items():
            if kind not in KINDS:
                raise ValueError(f"unknown kind '{kind}'")
            unknown = [c for c in codes if c not in SERVICES]
            if unknown:
                raise ValueError(f"{kind}: unknown services {unknown}")
            if not codes:
                raise ValueError(f"{kind}: list at least one service")
        return value

    @field_validator("stars")
    @classmethod
    def _stars(cls, s: list[float]) -> list[float]:
        if len(s) != 4 or any(not 0 <= v <= 100 for v in s) or s != sorted(s, reverse=True):
            raise ValueError("four scores from 0 to 100, highest first (5, 4, 3, 2 stars)")
        return s


def load_rules(path: Path | None) -> Rules:
    """The rules of the JSON file at ``path`` (None: the defaults); an unreadable file
    or a bad key raises :class:`InvalidFile` naming the key."""
    if path is None:
        return Rules()
    try:
        raw = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidFile(
            f"无法读取评估规则文件 {path}：{exc}", f"cannot read the rules file {path}: {exc}"
        ) from None
    if not isinstance(raw, dict):
        raise InvalidFile(
            f"评估规则文件 {path} 应为 JSON 对象", f"the rules file {path} must hold a JSON object"
        )
    try:
        return Rules.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(root)"
        msg = first["msg"].removeprefix("Value error, ")
        raise InvalidFile(
            f"评估规则文件 {path} 的「{key}」无效：{msg}",
            f"the rules file {path}: invalid '{key}': {msg}",
            details={"key": key},
        ) from None


# -- the period ---------------------------------------------------------------------------


def period(year: int, as_of: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The year's first day and the as-of date used: the one given (inside the year and
    not after the city's today), else the year's last day, or today while the year runs."""
    if not 1990 <= year <= 2100:
        raise InvalidInput(
            f"年份 {year} 超出范围（1990–2100）",
            f"year {year} is out of range (1990-2100)",
            details={"field": "year"},
        )
    start, end, today = dt.date(year, 1, 1), dt.date(year, 12, 31), clock.today()
    if start > today:
        raise InvalidInput(
            f"{year} 年尚未开始，无法评估",
            f"the year {year} has not begun yet",
            details={"field": "year"},
        )
    if as_of is None:
        return start, min(end, today)
    if not start <= as_of <= end:
        raise InvalidInput(
            f"截至日期 {as_of} 不在 {year} 年内",
            f"the as-of date {as_of} is not in {year}",
            details={"field": "as_of"},
        )
    if as_of > today:
        raise InvalidInput(
            f"截至日期 {as_of} 晚于今天（{today}），无法评估未来",
            f"the as-of date {as_of} is after today ({today}): the future is not evaluated",
            details={"field": "as_of"},
        )
    return start, as_of


# -- one station --------------------------------------------------------------------------


def _part(key: str, points: float, weight: float, zh: str, en: str) -> dict[str, Any]:
    return {
        "part": key,
        "part_zh": PARTS[key][0],
        "part_en": PARTS[key][1],
        "points": round(points, 2),
        "max": weight,
        "reason_zh": zh,
        "reason_en": en,
    }


def _facilities(s: dict[str, Any], rules: Rules) -> dict[str, Any]:
    core = rules.core_services.get(s["kind"], [])
    w = rules.weights.facilities
    have = [c for c in core if c in set(s["services"] or [])]
    missing = [c for c in core if c not in have]
    share = len(have) / len(core) if core else rules.no_data_share
    zh = f"核心服务 {len(have)}/{len(core)} 项"
    en = f"{len(have)} of {len(core)} core services"
    if missing:
        zh += "，缺少：" + "、".join(SERVICES[c].zh for c in missing)
        en += "; missing: " + ", ".join(SERVICES[c].en for c in missing)
    return _part("facilities", w * share, w, zh, en)


def _hours(ins: list[dict[str, Any]], rules: Rules) -> dict[str, Any]:
    w = rules.weights.hours
    checked = [i for i in ins if i["open_at_hours"] is not None]
    if not checked:
        return _part(
            "hours",
            w * rules.no_data_share,
            w,
            "本年无巡查核对开放时间（按无数据计分）",
            "no inspection checked the opening hours this year (scored as no data)",
        )
    ok = sum(1 for i in checked if i["open_at_hours"])
    zh = f"{len(checked)} 次巡查中 {ok} 次按公布时间开放"
    en = f"open at the published hours on {ok} of {len(checked)} inspections"
    return _part("hours", w * ok / len(checked), w, zh, en)


def _inspections(ins: list[dict[str, Any]], rules: Rules) -> dict[str, Any]:
    w = rules.weights.inspections
    if not ins:
        return _part(
            "inspections",
            w * rules.no_data_share,
            w,
            "本年无巡查（按无数据计分）",
            "no inspection this year (scored as no data)",
        )
    ok = sum(1 for i in ins if i["passed"])
    zh = f"{len(ins)} 次巡查中 {ok} 次全部合格"
    en = f"passed {ok} of {len(ins)} inspections"
    return _part("inspections", w * ok / len(ins), w, zh, en)


def _problems(probs: list[dict[str, Any]], as_of: dt.date, rules: Rules) -> dict[str, Any]:
    w = rules.weights.problems
    confirmed = [p for p in probs if p["confirmed"] is not None]
    still_open = [p for p in confirmed if p["resolved"] is None]
    slow = [
        p
        for p in confirmed
        if p["resolved"] is not None and (p["resolved"] - p["created"]).days > rules.resolve_days
    ]
    penalty = (
        rules.problem_penalty * len(confirmed)
        + rules.open_problem_penalty * len(still_open)
        + rules.slow_resolution_penalty * len(slow)
    )
    zh = (
        f"确认问题 {len(confirmed)} 个，未解决 {len(still_open)} 个，"
        f"超过 {rules.resolve_days} 天才解决 {len(slow)} 个"
    )
    en = (
        f"{len(confirmed)} confirmed problems, {len(still_open)} still open, "
        f"{len(slow)} resolved after more than {rules.resolve_days} days"
    )
    return _part("problems", max(0.0, w - penalty), w, zh, en)


def _operating_days(s: dict[str, Any], start: dt.date, as_of: dt.date) -> int:
    first = max(start, s["opened_on"])
    last = as_of if s["closed_on"] is None else min(as_of, s["closed_on"] - dt.timedelta(days=1))
    return max(0, (last - first).days + 1)


def _usage(visits: int | None, days: int, rules: Rules) -> dict[str, Any]:
    w = rules.weights.usage
    if visits is None:
        return _part(
            "usage",
            w * rules.no_data_share,
            w,
            "本年无签到和纸质登记（按无数据计分）",
            "no check-ins and no paper counts this year (scored as no data)",
        )
    per_day = visits / days if days else 0.0
    share = min(1.0, per_day / rules.usage_target_per_day)
    zh = (
        f"{visits} 人次 / {days} 个运营日 = 每日 {per_day:.2f} 人次"
        f"（目标 {rules.usage_target_per_day:g}）"
    )
    en = (
        f"{visits} visits / {days} operating days = {per_day:.2f} a day "
        f"(target {rules.usage_target_per_day:g})"
    )
    return _part("usage", w * share, w, zh, en)


def stars_of(score: float, rules: Rules) -> int:
    """Stars for a score: 5 at the first threshold or above, … 1 below the last."""
    for n, low in zip((5, 4, 3, 2), rules.stars, strict=True):
        if score >= low:
            return n
    return 1


def _flags(  # noqa: PLR0913 - one station's facts
    ins: list[dict[str, Any]],
    probs: list[dict[str, Any]],
    verified: dt.date | None,
    has_usage: bool,
    as_of: dt.date,
    rules: Rules,
    stale_days: int,
) -> list[dict[str, Any]]:
    flags: list[dict[str, Any]] = []
    not_open = sum(1 for i in ins if i["open_at_hours"] is False)
    if not_open >= rules.downgrade.not_open_inspections:
        flags.append(
            _flag(
                "downgrade",
                f"{not_open} 次巡查未按公布时间开放",
                f"not open at the published hours on {not_open} inspections",
            )
        )
    days = rules.downgrade.open_problem_days
    long_open = [
        p
        for p in probs
        if p["confirmed"] is not None
        and p["resolved"] is None
        and (as_of - p["created"]).days > days
    ]
    if long_open:
        oldest = max((as_of - p["created"]).days for p in long_open)
        flags.append(
            _flag(
                "downgrade",
                f"{len(long_open)} 个确认问题超过 {days} 天未解决（最长 {oldest} 天）",
                f"{len(long_open)} confirmed problems open more than {days} days "
                f"(longest {oldest} days)",
            )
        )
    if verified is None or (as_of - verified).days > stale_days:
        when = "从未现场核实" if verified is None else f"最后核实于 {verified}"
        when_en = "never verified on the spot" if verified is None else f"last verified {verified}"
        flags.append(
            _flag(
                "stale",
                f"{when}，超过 {stale_days} 天",
                f"{when_en}: more than {stale_days} days",
            )
        )
    if not ins and not has_usage:
        flags.append(
            _flag(
                "no_data",
                "本年无巡查、签到或纸质登记",
                "no inspection, check-in or paper count this year",
            )
        )
    return flags


def _flag(code: str, zh: str, en: str) -> dict[str, Any]:
    return {"flag": code, "flag_zh": FLAGS[code][0], "flag_en": FLAGS[code][1], "zh": zh, "en": en}


def _by_station(rows: Iterable[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[int(r["station_id"])].append(r)
    return out


def _visits(conn: psycopg.Connection[Any], start: dt.date, as_of: dt.date) -> dict[int, int]:
    visits: dict[int, int] = defaultdict(int)
    for r in db.checkins(conn, start, as_of):
        visits[int(r["station_id"])] += int(r["n"])
    for r in db.usage(conn, start, as_of):
        visits[int(r["station_id"])] += int(r["visitors"])
    return visits


def evaluate(
    conn: psycopg.Connection[Any],
    year: int,
    as_of: dt.date | None = None,
    kind: str | None = None,
    *,
    rules: Rules | None = None,
    settings: OperationsSettings | None = None,
) -> dict[str, Any]:
    """The evaluation of ``year`` as of ``as_of`` (default: see :func:`period`) for the
    stations of ``kind`` (None: every kind): ``year``, ``as_of`` (the date used), the
    ``rules`` and one row per station (score, stars, parts with reasons, flags), by id."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput(
            f"未知的站点类型「{kind}」", f"unknown station kind '{kind}'", details={"field": "kind"}
        )
    ops = settings or get_settings().operations
    rules = rules or load_rules(ops.evaluation_rules_file)
    start, day = period(year, as_of)
    return _evaluate(conn, start, day, kind, rules, ops)


def _evaluate(  # noqa: PLR0913 - the question and its rules
    conn: psycopg.Connection[Any],
    start: dt.date,
    day: dt.date,
    kind: str | None,
    rules: Rules,
    ops: OperationsSettings,
) -> dict[str, Any]:
    """The evaluation of the period ``[start, day]`` (checked by the caller)."""
    tz = get_settings().clock.timezone
    inspections = _by_station(db.inspections(conn, start, day, tz))
    problems = _by_station(db.problems(conn, start, day, tz))
    verified = db.last_verified(conn, day, tz)
    visits = _visits(conn, start, day)
    rows = []
    for s in db.stations(conn, start, day, kind):
        sid = int(s["id"])
        ins, probs = inspections.get(sid, []), problems.get(sid, [])
        days = _operating_days(s, start, day)
        parts = [
            _facilities(s, rules),
            _hours(ins, rules),
            _inspections(ins, rules),
            _problems(probs, day, rules),
            _usage(visits.get(sid), days, rules),
        ]
        score = round(sum(p["points"] for p in parts), 1)
        flags = _flags(ins, probs, verified.get(sid), sid in visits, day, rules, ops.stale_days)
        stars = stars_of(score, rules)
        capped = any(f["flag"] == "downgrade" for f in flags)
        rows.append(
            {
                "id": sid,
                "name": s["name"],
                "kind": s["kind"],
                "kind_zh": KINDS[s["kind"]].zh,
                "district": s["district"],
                "score": score,
                "stars": min(stars, rules.downgrade.max_stars) if capped else stars,
                "stars_before_downgrade": stars,
                "operating_days": days,
                "operating_on_as_of": s["closed_on"] is None or s["closed_on"] > day,
                "last_verified": verified.get(sid),
                "parts": parts,
                "flags": flags,
            }
        )
    return {
        "year": start.year,
        "as_of": day,
        "period_start": start,
        "kind": kind,
        "stale_days": ops.stale_days,
        "rules": rules.model_dump(),
        "stations": rows,
    }


def flag_codes(row: dict[str, Any]) -> list[str]:
    """The distinct flag codes of a station's row, in order."""
    return list(dict.fromkeys(f["flag"] for f in row["flags"]))


# -- the planners' report -----------------------------------------------------------------


def operations_section(
    conn: psycopg.Connection[Any], as_of: dt.date, kind: str, *, verified_days: int = 90
) -> dict[str, Any]:
    """The planners' report's operations section (运营情况) for stations of ``kind`` as of
    ``as_of``: the share of stations operating that day verified on the spot in the last
    ``verified_days`` days, open problems by category, the median days to resolve, the
    check-ins and paper counts per station and per occupation, the stars and the
    downgrade flags, for the period from the year's first day to ``as_of``."""
    tz = get_settings().clock.timezone
    ops = get_settings().operations
    start = dt.date(as_of.year, 1, 1)
    # Not evaluate(): a report may be made for any date it names, today's or not.
    ev = _evaluate(conn, start, as_of, kind, load_rules(ops.evaluation_rules_file), ops)
    verified = db.last_verified(conn, as_of, tz)
    on_day = [r for r in ev["stations"] if r["operating_on_as_of"]]
    recent = [
        r
        for r in on_day
        if (d := verified.get(r["id"])) is not None and (as_of - d).days < verified_days
    ]
    ids = {r["id"] for r in ev["stations"]}
    probs = [p for p in db.problems(conn, start, as_of, tz) if int(p["station_id"]) in ids]
    open_now = Counter(p["category"] for p in probs if p["resolved"] is None)
    fixed_days = [(p["resolved"] - p["created"]).days for p in probs if p["outcome"] == "fixed"]
    return {
        "as_of": as_of,
        "period_start": start,
        "verified_days": verified_days,
        "operating": len(on_day),
        "verified": len(recent),
        "verified_share": len(recent) / len(on_day) if on_day else None,
        "open_problems": [
            {"category": c, "zh": t.zh, "en": t.en, "count": open_now.get(c, 0)}
            for c, t in PROBLEM_CATEGORIES.items()
        ],
        "open_problems_total": sum(open_now.values()),
        "resolved": len(fixed_days),
        "median_days_to_resolve": statistics.median(fixed_days) if fixed_days else None,
        **_visits_tables(conn, ev, start, as_of, tz),
        "stars": [
            {"stars": n, "count": sum(1 for r in ev["stations"] if r["stars"] == n)}
            for n in (5, 4, 3, 2, 1)
        ],
        "downgrades": [
            {
                "id": r["id"],
                "name": r["name"],
                "district": r["district"],
                "stars": r["stars"],
                "zh": f["zh"],
                "en": f["en"],
            }
            for r in ev["stations"]
            for f in r["flags"]
            if f["flag"] == "downgrade"
        ],
    }


def _visits_tables(
    conn: psycopg.Connection[Any], ev: dict[str, Any], start: dt.date, as_of: dt.date, tz: str
) -> dict[str, Any]:
    ids = {r["id"]: r for r in ev["stations"]}
    per: dict[int, list[int]] = {i: [0, 0] for i in ids}
    occ: dict[str, list[int]] = {c: [0, 0] for c in [*OCCUPATIONS, "unknown"]}
    for r in db.checkins(conn, start, as_of):
        sid = int(r["station_id"])
        if sid in per:
            per[sid][0] += int(r["n"])
            occ[r["occupation"] or "unknown"][0] += int(r["n"])
    for r in db.usage(conn, start, as_of):
        sid = int(r["station_id"])
        if sid in per:
            per[sid][1] += int(r["visitors"])
            for code, n in (r["by_occupation"] or {}).items():
                occ[code if code in OCCUPATIONS else "unknown"][1] += int(n)
    return {
        "visits_per_station": [
            {
                "id": i,
                "name": ids[i]["name"],
                "district": ids[i]["district"],
                "checkins": c,
                "paper": p,
                "total": c + p,
                "operating_days": ids[i]["operating_days"],
                "per_day": (c + p) / ids[i]["operating_days"] if ids[i]["operating_days"] else None,
            }
            for i, (c, p) in per.items()
        ],
        "checkins_total": sum(c for c, _ in per.values()),
        "checkins_per_station": sum(c for c, _ in per.values()) / len(per) if per else None,
        "visits_per_occupation": [
            {
                "occupation": code,
                "zh": OCCUPATIONS[code].zh if code in OCCUPATIONS else "未填写",
                "en": OCCUPATIONS[code].en if code in OCCUPATIONS else "not given",
                "checkins": c,
                "paper": p,
            }
            for code, (c, p) in occ.items()
        ],
    }
