"""Progress over time: month-end coverage snapshots from the first station to today, the
projection to the target date, and count targets (new stations per kind and year).

Status of a target, from the recent pace against the pace still needed:

* ``met``: the target value is reached;
* ``on_track``: at the recent pace the target is reached by its deadline;
* ``at_risk``: the recent pace is at least half the pace needed;
* ``off_track``: slower than that (or no progress at all).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
import psycopg

from geo.coverage.city import City, load_city
from geo.coverage.service import Question, check_date, fingerprint, question, run
from geo.db import coverage as coverage_db

DEFAULT_DEADLINE = dt.date(2026, 12, 31)  # the union's promise: full coverage by end-2026
DAYS_PER_MONTH = 365.25 / 12
RECENT_MONTHS = 6
METRICS = {
    "main_street_coverage": "main_street_share",
    "key_district_coverage": "key_district_share",
}
STATUS_LABELS = {
    "met": "已完成 / met",
    "on_track": "按期可完成 / on track",
    "at_risk": "有风险 / at risk",
    "off_track": "难以按期完成 / off track",
}


def month_ends(first: dt.date, today: dt.date) -> list[dt.date]:
    """The last day of every month from ``first``'s month to the month before ``today``,
    then ``today`` itself."""
    out = []
    y, m = first.year, first.month
    while (y, m) < (today.year, today.month):
        out.append(dt.date(y, m, calendar.monthrange(y, m)[1]))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return [*out, today]


def coverage_trend(
    conn: psycopg.Connection[Any],
    kind: str,
    *,
    today: dt.date | None = None,
    distance_m: float | None = None,
    mode: str = "walking",
    cell_m: float | None = None,
    compute: bool = False,
    city: City | None = None,
) -> dict[str, Any]:
    """Monthly coverage of ``kind`` and its projection to the targets.

    With ``compute`` the missing month-end snapshots are computed and stored (the city is
    loaded once for all of them); otherwise only stored ones are used and the missing
    dates are listed.
    """
    today = today or dt.date.today()
    q = question(today, kind, distance_m, mode, cell_m)
    first = check_date(conn, q)
    network = coverage_db.network_fingerprint(conn)
    dates = month_ends(first, today)
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
                "snapshot_id": snap["id"],
            }
        )
    return {
        "kind": kind,
        "distance_m": q.distance_m,
        "mode": mode,
        "cell_m": q.cell_m,
        "today": today.isoformat(),
        "points": points,
        "missing": missing,
        "targets": _coverage_targets(conn, q, points, today),
    }


def _coverage_targets(
    conn: psycopg.Connection[Any], q: Question, points: list[dict[str, Any]], today: dt.date
) -> list[dict[str, Any]]:
    rows = [t for t in coverage_db.targets(conn, q.kind) if t["metric"] in METRICS]
    if not rows:  # the promise stands even where no target row was loaded
        rows = [
            {
                "kind": q.kind,
                "metric": m,
                "value": 1.0,
                "deadline": DEFAULT_DEADLINE,
                "note": "默认目标：2026 年底全覆盖 / default: full coverage by end-2026",
            }
            for m in METRICS
        ]
    out = []
    for t in rows:
        series = [
            (dt.date.fromisoformat(p["as_of"]), p[METRICS[t["metric"]]])
            for p in points
            if p[METRICS[t["metric"]]] is not None
        ]
        out.append({**_target_head(t), **project(series, today, float(t["value"]), t["deadline"])})
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
    series: list[tuple[dt.date, float]], today: dt.date, target: float, deadline: dt.date
) -> dict[str, Any]:
    """Where a series stands against ``target`` by ``deadline`` at its recent pace.

    The recent pace is the least-squares slope over the last six months of the series
    (per month); the needed pace is what remains divided by the months left.
    """
    if not series:
        return {
            "current": None,
            "status": "off_track",
            "status_label": STATUS_LABELS["off_track"],
            "pace_per_month": None,
            "needed_per_month": None,
            "projected_date": None,
        }
    current = float(series[-1][1])
    start = today - dt.timedelta(days=round(RECENT_MONTHS * DAYS_PER_MONTH))
    recent = [(d, v) for d, v in series if d >= start]
    pace = _slope(recent) if len(recent) >= 2 else 0.0
    return _verdict(current, pace, target, today, deadline)


def _slope(series: list[tuple[dt.date, float]]) -> float:
    days = np.array([d.toordinal() for d, _ in series], dtype=float)
    values = np.array([v for _, v in series], dtype=float)
    if np.ptp(days) == 0:
        return 0.0
    return float(np.polyfit(days, values, 1)[0] * DAYS_PER_MONTH)


def _verdict(
    current: float, pace: float, target: float, today: dt.date, deadline: dt.date
) -> dict[str, Any]:
    remaining = target - current
    months_left = max((deadline - today).days / DAYS_PER_MONTH, 0.0)
    needed = remaining / months_left if months_left > 0 else float("inf")
    projected = None
    if remaining <= 0:
        status = "met"
        projected = today
    else:
        if pace > 0:
            days = remaining / pace * DAYS_PER_MONTH
            projected = today + dt.timedelta(days=min(days, 365 * 200))
        if projected is not None and projected <= deadline:
            status = "on_track"
        elif pace > 0 and pace >= 0.5 * needed:
            status = "at_risk"
        else:
            status = "off_track"
    return {
        "current": round(current, 6),
        "pace_per_month": round(pace, 6),
        "needed_per_month": None if remaining <= 0 or not np.isfinite(needed) else round(needed, 6),
        "projected_date": projected.isoformat() if projected else None,
        "status": status,
        "status_label": STATUS_LABELS[status],
    }


def count_targets(
    conn: psycopg.Connection[Any], today: dt.date | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Progress of the count targets (``new_stations``): stations opened since the target
    starts, month by month, projected at the pace since the start."""
    today = today or dt.date.today()
    out = []
    for t in coverage_db.targets(conn, kind):
        if t["metric"] != "new_stations":
            continue
        start = t["starts_on"] or dt.date(t["deadline"].year, 1, 1)
        end = min(today, t["deadline"])
        opened = coverage_db.opened_between(conn, t["kind"], start, end)
        months = month_ends(start, end) if end >= start else []
        series = [(d, float(sum(1 for o in opened if o <= d))) for d in months]
        elapsed = max((end - start).days / DAYS_PER_MONTH, 1e-9)
        pace = len(opened) / elapsed
        verdict = _verdict(float(len(opened)), pace, float(t["value"]), today, t["deadline"])
        out.append(
            {
                **_target_head({**t, "starts_on": start}),
                **verdict,
                "series": [{"as_of": d.isoformat(), "count": v} for d, v in series],
            }
        )
    return out
