"""Progress over time: month-end coverage snapshots from the first station to the as-of
date, the projection to each target's deadline, and count targets (new stations per kind
and year).

Everything here is counted from the as-of date D, never from the day it is run: the trend
ends at D, the recent pace is the one before D and the projection starts at D, so an
answer "as of D" depends only on D and the data.

Status of a target, from the recent pace against the pace still needed:

* ``met``: the target value is reached (by the deadline, once it has passed);
* ``on_track``: at the recent pace the target is reached by its deadline;
* ``at_risk``: the recent pace is at least half the pace needed;
* ``off_track``: slower than that (or no progress at all);
* ``missed``: the deadline has passed without reaching the target;
* ``no_data``: no coverage computed for the dates it needs;
* ``not_started``: a count target whose start lies after the as-of date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
import psycopg

from geo import clock
from geo.coverage.city import City, load_city
from geo.coverage.service import fingerprint, first_opened, question, run
from geo.db import coverage as coverage_db
from geo.stations import sql as stations_sql
from geo.units import DAYS_PER_MONTH

DEFAULT_DEADLINE = dt.date(2026, 12, 31)  # the union's promise: full coverage by end-2026
RECENT_MONTHS = 6
METRICS = {
    "main_street_coverage": "main_street_share",
    "key_district_coverage": "key_district_share",
}
# The most of each metric that any number of stations could reach (demand with no walkway
# within the service distance is out of reach), and the covered share of that reachable part.
ATTAINABLE = {m: f.replace("_share", "_attainable_share") for m, f in METRICS.items()}
OF_REACHABLE = {m: f.replace("_share", "_reachable_share") for m, f in METRICS.items()}
STATUS_LABELS = {
    "met": "已完成 / met",
    "on_track": "按期可完成 / on track",
    "at_risk": "有风险 / at risk",
    "off_track": "难以按期完成 / off track",
    "missed": "未按期完成 / missed",
    "no_data": "无数据 / no data",
    "not_started": "未开始 / not started",
}
# A projected date further than this past the as-of date is no forecast: the answer says
# "not reached at the recent pace" instead of a date in the next century.
HORIZON_DAYS = round(10 * 365.25)


def month_ends(first: dt.date, as_of: dt.date) -> list[dt.date]:
    """The last day of every month from ``first``'s month to the month before ``as_of``,
    then ``as_of`` itself."""
    out = []
    y, m = first.year, first.month
    while (y, m) < (as_of.year, as_of.month):
        out.append(dt.date(y, m, calendar.monthrange(y, m)[1]))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return [*out, as_of]


def coverage_trend(
    conn: psycopg.Connection[Any],
    kind: str,
    *,
    as_of: dt.date | None = None,
    distance_m: float | None = None,
    mode: str = "walking",
    cell_m: float | None = None,
    compute: bool = False,
    city: City | None = None,
) -> dict[str, Any]:
    """Monthly coverage of ``kind`` up to ``as_of`` (default: today in the city) and where
    it stands against each target.

    The points are the month ends from the first station's month, every passed deadline
    (the coverage reached on it decides met or missed) and ``as_of`` itself. With
    ``compute`` the missing snapshots are computed and stored (the city is loaded once
    for all of them); otherwise only stored ones are used and the missing dates are listed.
    """
    as_of = as_of or clock.today()
    q = question(as_of, kind, distance_m, mode, cell_m)
    first = first_opened(conn, q.kind)
    start = min(first, as_of) if first else as_of
    rows = _coverage_target_rows(conn, q.kind)
    deadlines = {t["deadline"] for t in rows if start <= t["deadline"] < as_of}
    dates = sorted({*month_ends(start, as_of), *deadlines})
    network = coverage_db.network_fingerprint(conn)
    wanted = {d: fingerprint(conn, replace(q, as_of=d), network) for d in dates}
    stored = coverage_db.snapshots_on(conn, kind, q.distance_m, mode, q.cell_m, dates)
    points, missing = [], []
    for d in dates:
        snap = stored.get((d, wanted[d]))
        if snap is None and compute:
            city = city or load_city(conn, cell_m=q.cell_m)
            snap = run(conn, replace(q, as_of=d), city=city, network=network)
        if snap is None:
            missing.append(d.isoformat())
            continue
        s = snap["figures"]["summary"]
        points.append(
            {
                "as_of": d.isoformat(),
                "stations": s["stations"],
                "main_street_share": s["main_street_share"],
                "key_district_share": s["key_district_share"],
                **{f: s.get(f) for f in (*ATTAINABLE.values(), *OF_REACHABLE.values())},
                "snapshot_id": snap["id"],
            }
        )
    return {
        "kind": kind,
        "distance_m": q.distance_m,
        "mode": mode,
        "cell_m": q.cell_m,
        "as_of": as_of.isoformat(),
        "first_opened": first.isoformat() if first else None,
        "points": points,
        "missing": missing,
        "targets": _coverage_targets(rows, points, as_of),
    }


def _coverage_target_rows(conn: psycopg.Connection[Any], kind: str) -> list[dict[str, Any]]:
    rows = [t for t in coverage_db.targets(conn, kind) if t["metric"] in METRICS]
    if rows:
        return rows
    return [  # the promise stands even where no target row was loaded
        {
            "kind": kind,
            "metric": m,
            "value": 1.0,
            "deadline": DEFAULT_DEADLINE,
            "note": "默认目标：2026 年底全覆盖 / default: full coverage by end-2026",
        }
        for m in METRICS
    ]


def _coverage_targets(
    rows: list[dict[str, Any]], points: list[dict[str, Any]], as_of: dt.date
) -> list[dict[str, Any]]:
    out = []
    for t in rows:
        series = [
            (dt.date.fromisoformat(p["as_of"]), p[METRICS[t["metric"]]])
            for p in points
            if p[METRICS[t["metric"]]] is not None
        ]
        verdict = project(series, as_of, float(t["value"]), t["deadline"])
        last = points[-1] if points else {}
        reach = reach_verdict(
            float(t["value"]),
            last.get(ATTAINABLE[t["metric"]]),
            last.get(OF_REACHABLE[t["metric"]]),
        )
        if reach["attainable_met"] is False and verdict["status"] in ("on_track", "at_risk"):
            verdict = {**verdict, "status": "off_track", "status_label": STATUS_LABELS["off_track"]}
        out.append({**_target_head(t), **verdict, **reach})
    return out


def reach_verdict(
    target: float, attainable: float | None, of_reachable: float | None
) -> dict[str, Any]:
    """A coverage target judged against the reachable demand as well as the whole.

    ``attainable`` is the most of the whole that any number of new stations could cover;
    a target above it cannot be met by building, and the text says so plainly.
    """
    out: dict[str, Any] = {
        "attainable": attainable,
        "current_of_reachable": of_reachable,
        "attainable_met": None,
        "reach_note": "",
        "reach_note_en": "",
    }
    if attainable is None:
        return out
    most = f"{attainable * 100:.1f}%"
    now = "—" if of_reachable is None else f"{of_reachable * 100:.1f}%"
    if target > attainable + 1e-9:
        out["attainable_met"] = False
        out["reach_note"] = (
            f"任何数量的新站点都无法达到该目标：无步行道可达的需求除外，最多只能覆盖 {most}；"
            f"可达需求的覆盖率为 {now}"
        )
        out["reach_note_en"] = (
            f"no number of new stations can meet this target: with the demand that no "
            f"walkway reaches left out, at most {most} can be covered; {now} of the "
            "reachable demand is covered"
        )
    else:
        out["attainable_met"] = True
        out["reach_note"] = f"按全部需求计；可达需求的覆盖率为 {now}（最多可达 {most}）"
        out["reach_note_en"] = (
            f"judged against all demand; {now} of the reachable demand is covered "
            f"(at most {most} is reachable)"
        )
    return out


def _target_head(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": t["kind"],
        "metric": t["metric"],
        "value": float(t["value"]),
        "starts_on": t["starts_on"].isoformat() if t.get("starts_on") else None,
        "deadline": t["deadline"].isoformat(),
        "note": t.get("note"),
    }


def project(
    series: list[tuple[dt.date, float]],
    as_of: dt.date,
    target: float,
    deadline: dt.date,
    unit: str = "share",
) -> dict[str, Any]:
    """Where a series stands against ``target`` by ``deadline``, as of ``as_of``.

    Before the deadline: the recent pace is the least-squares slope over the six months
    before ``as_of`` (per month); the needed pace is what remains divided by the months
    left. After it: met or missed, by the value reached on the deadline.
    """
    if as_of > deadline:
        on_deadline = [v for d, v in series if d == deadline]
        current = float(series[-1][1]) if series else None
        return _closed(current, on_deadline[-1] if on_deadline else None, target, deadline, unit)
    if not series:
        return _no_data()
    current = float(series[-1][1])
    start = as_of - dt.timedelta(days=round(RECENT_MONTHS * DAYS_PER_MONTH))
    recent = [(d, v) for d, v in series if d >= start]
    pace = _slope(recent) if len(recent) >= 2 else 0.0
    return _verdict(current, pace, target, as_of, deadline, unit)


def _slope(series: list[tuple[dt.date, float]]) -> float:
    days = np.array([d.toordinal() for d, _ in series], dtype=float)
    values = np.array([v for _, v in series], dtype=float)
    if np.ptp(days) == 0:
        return 0.0
    return float(np.polyfit(days, values, 1)[0] * DAYS_PER_MONTH)


def _amount(value: float, unit: str) -> tuple[str, str]:
    """A target value as people say it: 95.0% or 20 stations."""
    if unit == "share":
        return f"{value * 100:.1f}%", f"{value * 100:.1f}%"
    return f"{value:g} 座", f"{value:g} stations"


def _rate(per_month: float, unit: str) -> tuple[str, str]:
    """A pace as people say it: 2.5 percentage points or 1.3 stations a month."""
    if unit == "share":
        return f"每月 {per_month * 100:.1f} 个百分点", f"{per_month * 100:.1f} points a month"
    return f"每月 {per_month:.1f} 座", f"{per_month:.1f} stations a month"


def _no_data() -> dict[str, Any]:
    return {
        "current": None,
        "reached": None,
        "pace_per_month": None,
        "needed_per_month": None,
        "projected_date": None,
        "status": "no_data",
        "status_label": STATUS_LABELS["no_data"],
        "projection": "尚无已计算的覆盖结果",
        "projection_en": "no coverage has been computed yet",
    }


def _not_started(start: dt.date) -> dict[str, Any]:
    """A count target whose counting has not begun by the as-of date."""
    return {
        **_no_data(),
        "current": 0.0,
        "status": "not_started",
        "status_label": STATUS_LABELS["not_started"],
        "projection": f"自 {start} 起计",
        "projection_en": f"counted from {start}",
    }


def _closed(
    current: float | None, reached: float | None, target: float, deadline: dt.date, unit: str
) -> dict[str, Any]:
    """A target whose deadline has passed: met or missed, by what was reached on it."""
    goal_zh, goal_en = _amount(target, unit)
    if reached is None:
        out = _no_data()
        out["current"] = None if current is None else round(current, 6)
        out["projection"] = f"截止日期 {deadline} 的覆盖结果尚未计算"
        out["projection_en"] = f"the coverage on the deadline {deadline} has not been computed"
        return out
    status = "met" if reached >= target - 1e-9 else "missed"
    got_zh, got_en = _amount(reached, unit)
    verb_zh, verb_en = ("完成", "met") if status == "met" else ("未完成", "missed")
    return {
        "current": None if current is None else round(current, 6),
        "reached": round(reached, 6),
        "pace_per_month": None,
        "needed_per_month": None,
        "projected_date": None,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "projection": f"截止 {deadline} 达到 {got_zh}，目标 {goal_zh}：{verb_zh}",
        "projection_en": f"{got_en} on the deadline {deadline} against {goal_en}: {verb_en}",
    }


def _verdict(
    current: float, pace: float, target: float, as_of: dt.date, deadline: dt.date, unit: str
) -> dict[str, Any]:
    """An open target (``as_of`` on or before ``deadline``) against the recent pace."""
    remaining = target - current
    months_left = (deadline - as_of).days / DAYS_PER_MONTH
    needed = remaining / months_left if remaining > 0 and months_left > 0 else None
    projected = None
    if remaining <= 0:
        status = "met"
        projected = as_of
        text = ("已达到目标", "the target is reached")
    else:
        if pace > 0 and remaining / pace * DAYS_PER_MONTH <= HORIZON_DAYS:
            projected = as_of + dt.timedelta(days=round(remaining / pace * DAYS_PER_MONTH))
        if projected is not None and projected <= deadline:
            status = "on_track"
        elif pace > 0 and needed is not None and pace >= 0.5 * needed:
            status = "at_risk"
        else:
            status = "off_track"
        text = _projection_text(pace, needed, projected, deadline, unit)
    return {
        "current": round(current, 6),
        "reached": None,
        "pace_per_month": round(pace, 6),
        "needed_per_month": None if needed is None else round(needed, 6),
        "projected_date": projected.isoformat() if projected else None,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "projection": text[0],
        "projection_en": text[1],
    }


def _projection_text(
    pace: float, needed: float | None, projected: dt.date | None, deadline: dt.date, unit: str
) -> tuple[str, str]:
    if projected is not None:
        zh, en = _rate(pace, unit)
        first = (
            f"按近期速度（{zh}）预计 {projected} 达到",
            f"at the recent pace ({en}) reached on {projected}",
        )
    else:
        first = ("按近期速度无法达到", "not reached at the recent pace")
    if needed is None:
        return (
            f"{first[0]}；今天是截止日期",
            f"{first[1]}; today is the deadline",
        )
    zh, en = _rate(needed, unit)
    return (
        f"{first[0]}；要在 {deadline} 前达到需{zh}",
        f"{first[1]}; {en} is needed to reach it by {deadline}",
    )


def count_targets(
    conn: psycopg.Connection[Any], as_of: dt.date | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Progress of the count targets (``new_stations``) as of ``as_of`` (default: today in
    the city): stations opened since the target starts, month by month, projected at the
    pace since the start; met or missed once the deadline has passed."""
    as_of = as_of or clock.today()
    out = []
    for t in coverage_db.targets(conn, kind):
        if t["metric"] != "new_stations":
            continue
        start = t["starts_on"] or dt.date(t["deadline"].year, 1, 1)
        end = min(as_of, t["deadline"])
        opened = stations_sql.opened_between(conn, t["kind"], start, end)
        months = month_ends(start, end) if end >= start else []
        series = [(d, float(sum(1 for o in opened if o <= d))) for d in months]
        count, value = float(len(opened)), float(t["value"])
        if as_of > t["deadline"]:
            verdict = _closed(count, count, value, t["deadline"], "count")
        elif as_of < start:
            verdict = _not_started(start)
        else:
            elapsed = max((end - start).days / DAYS_PER_MONTH, 1e-9)
            verdict = _verdict(count, count / elapsed, value, as_of, t["deadline"], "count")
        out.append(
            {
                **_target_head({**t, "starts_on": start}),
                **verdict,
                "series": [{"as_of": d.isoformat(), "count": v} for d, v in series],
            }
        )
    return out
