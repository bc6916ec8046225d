"""Opening-hours benchmark: CPU per public listing of 1000 stations with worst-case hours.

Run with ``python -m bench.hours_bench`` (``--requests 30 --seconds 70``). Writes
``bench/results/hours.md`` and ``hours.json``. Issue #11 item 4: ``GET /api/v1/stations?
limit=1000`` took 16.5 s of CPU because the library searched for the next change of state
up to the year 9999 for every distinct text. Three parts, one run:

1. **The library's calls**, in this process, one text per family of worst-case hours:
   CPU of parsing, of ``is_open``, of ``next_change`` as it was (no horizon) and as it is
   (:data:`geo.hours.HORIZON_DAYS`). Each family is a way to write hours that the write
   path accepts (at most :data:`geo.hours.MAX_CHARS` characters).
2. **The issue's listing**, before and after: 1000 stations with 25 distinct texts whose
   state never changes (``Mo-Su``, ``Mo-Su 00:00-00:01,00:01-24:00`` …), pages of 1000 from
   one uvicorn worker on 127.0.0.1, server CPU seconds per page (its process tree, from
   ``/proc``). *Before* is the same app with the evaluation of hours as it was before the
   fix (:func:`baseline_create_app`: no horizon, each distinct text parsed and evaluated
   anew in every request); *after* is the app as it is: the first page (nothing cached),
   the pages in a minute already seen, and the first page of each new minute (every text
   evaluated again). The same 1000 stations without hours give the listing's own cost
   (the floor).
3. **The worst the write path accepts**, after only: 1000 stations with 1000 distinct
   texts of the family whose evaluation costs most with the horizon. Before, each of those
   texts cost what part 1 says, per page; that is not run.

The benchmark starts its own managed cluster (``.yizhan-bench``, ``--db-port``) unless
``DATABASE_URL`` is set, and sends traffic only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import opening_hours
import psycopg
from fastapi import FastAPI

from bench.nearest import Server, _admin_url, _cpu_s, fresh_database
from geo import clock, hours
from geo.clock import zone_named
from geo.errors import InvalidInput

RESULTS = Path(__file__).resolve().parent / "results"
DB = "yizhan_bench_hours"
STATIONS = 1000
ISSUE_DISTINCT = 25
MAX_REQUESTS = 2000
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# A Tuesday morning: every family below is open then.
WHEN = datetime(2026, 11, 24, 10, 30)


def _split_day(i: int) -> str:
    """A time of day distinct for each i < 1439 (00:01, 00:02 …): 'HH:MM'."""
    minute = 1 + i % 1439
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _fill(head: str, unit: str, sep: str) -> str:
    """``head`` followed by as many ``unit`` as fit in MAX_CHARS."""
    parts = [head]
    while len(sep.join([*parts, unit])) <= hours.MAX_CHARS:
        parts.append(unit)
    return sep.join(parts)


def _dates_off(i: int) -> str:
    rng = random.Random(i)
    days = ",".join(f"{rng.choice(MONTHS)} {rng.randint(1, 28):02d}" for _ in range(30))
    return f"{days} off; Mo-Su"


#: Worst-case hours, each a function of i giving distinct texts of one shape.
FAMILIES: dict[str, Callable[[int], str]] = {
    # The issue's: the state never changes, so the search never ends before the year 9999.
    "never changes: Mo-Su 00:00-T,T-24:00": lambda i: (
        f"Mo-Su 00:00-{_split_day(i)},{_split_day(i)}-24:00"
    ),
    "never changes: Jan-Dec Mo-Su 00:00-T,T-24:00": lambda i: (
        f"Jan-Dec Mo-Su 00:00-{_split_day(i)},{_split_day(i)}-24:00"
    ),
    "never changes, as many rules as fit (Mo-Su; Mo-Su; …)": lambda i: _fill(
        f"Mo-Su 00:00-{_split_day(i)},{_split_day(i)}-24:00", "Mo-Su", "; "
    ),
    "never changes, as many rules as fit (PH,SH,Mo-Su; …)": lambda i: _fill(
        f"Mo-Su 00:00-{_split_day(i)},{_split_day(i)}-24:00", "PH,SH,Mo-Su", "; "
    ),
    "30 dates off, else always open": _dates_off,
}


def _cpu_ms(call: Callable[[], object], repeat: int = 1) -> float:
    t0 = time.process_time()
    for _ in range(repeat):
        call()
    return 1000 * (time.process_time() - t0) / repeat


def _family(name: str, text: str) -> dict[str, Any]:
    """CPU ms of each library call for one text (``next_change`` without a horizon once:
    it takes seconds)."""
    plain = opening_hours.OpeningHours(text, country="CN")
    bounded = opening_hours.OpeningHours(text, country="CN", max_interval_days=hours.HORIZON_DAYS)
    return {
        "family": name,
        "text": text,
        "chars": len(text),
        "parse_ms": round(_cpu_ms(lambda: opening_hours.OpeningHours(text, country="CN"), 50), 4),
        "is_open_ms": round(_cpu_ms(lambda: plain.is_open(WHEN), 200), 4),
        "next_change_unbounded_ms": round(_cpu_ms(lambda: plain.next_change(WHEN)), 1),
        "next_change_horizon_ms": round(_cpu_ms(lambda: bounded.next_change(WHEN), 200), 4),
    }


def library_calls() -> list[dict[str, Any]]:
    """Part 1: CPU ms of each library call for one text of each family, as the write path
    stores it."""
    out = []
    for name, make in FAMILIES.items():
        out.append(_family(name, hours.validate_opening_hours(make(600))))
        print("library", out[-1], flush=True)
    return out


# -- the evaluation of hours as it was before #11 item 4 (the baseline server) ----------


@lru_cache(maxsize=256)  # as lookup._hours was: keyed by the exact moment of the request
def _status_before(text: str, when: datetime, tz: str, country: str | None) -> hours.HoursState:
    zone = zone_named(tz)
    cleaned = hours.normalise_opening_hours(text)
    if not cleaned or not opening_hours.validate(cleaned):
        raise InvalidInput("开放时间无效", "invalid opening hours")
    parsed = opening_hours.OpeningHours(cleaned, country=country)  # no horizon
    local = when.astimezone(zone).replace(tzinfo=None)
    change = parsed.next_change(local)
    return hours.HoursState(
        is_open=parsed.is_open(local),
        next_change=None if change is None else change.replace(tzinfo=zone),
    )


def _status_at_before(
    text: str, when: datetime, tz: str = hours.DEFAULT_TZ, *, country: str | None = "CN"
) -> hours.HoursState:
    return _status_before(str(text), when, tz, country)


def _is_open_at_before(
    text: str, when: datetime, tz: str = hours.DEFAULT_TZ, *, country: str | None = "CN"
) -> bool:
    return _status_before(str(text), when, tz, country).is_open


def baseline_create_app() -> FastAPI:
    """The app with opening hours evaluated as before the fix (uvicorn ``--factory``)."""
    from api.app import create_app

    hours.status_at = _status_at_before  # type: ignore[assignment]
    hours.is_open_at = _is_open_at_before  # type: ignore[assignment]
    return create_app()


# -- the database and the requests --------------------------------------------------------


def prepare(admin: str, texts: list[str | None]) -> str:
    """A fresh database with ``STATIONS`` public stations cycling through ``texts``."""
    url = fresh_database(admin, DB)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO stations (kind, name, services, opening_hours, review_state, geom)
               SELECT 'love_station', 'bench ' || i, ARRAY['drinking_water'],
                      (%s::text[])[1 + i %% %s], 'approved',
                      ST_SetSRID(ST_MakePoint(114.0 + (i %% 40) * 1e-3,
                                              22.5 + (i / 40) * 1e-3), 4326)
               FROM generate_series(0, %s - 1) AS i""",
            (texts, len(texts), STATIONS),
        )
        conn.execute("VACUUM ANALYZE stations")
    return url


def _get(url: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=3600) as r:
        body = json.loads(r.read())
    return len(body["features"]), time.perf_counter() - t0


def listing(url: str, app: str, requests: int, seconds: float) -> list[dict[str, Any]]:
    """Server and database CPU seconds, and wall seconds, of each page of 1000 from a fresh
    server: the first (after one page of 1 that starts the app's connections), then more
    until ``requests`` pages and ``seconds`` have passed (at least one new minute)."""
    env = {
        "DATABASE_URL": url,
        "YIZHAN_RATE_LIMIT_PER_MINUTE": "0",
        "YIZHAN_LOG_LEVEL": "WARNING",
    }
    server = Server(app, env, "/readyz")
    page = f"{server.base}/api/v1/stations?limit={STATIONS}"
    out: list[dict[str, Any]] = []
    try:
        _get(f"{server.base}/api/v1/stations?limit=1")
        deadline = time.monotonic() + seconds
        while len(out) < MAX_REQUESTS and (len(out) < requests or time.monotonic() < deadline):
            minute = clock.now().strftime("%H:%M")
            before = _cpu_s(server.proc.pid)
            n, wall = _get(page)
            after = _cpu_s(server.proc.pid)
            assert n == STATIONS, n
            out.append(
                {
                    "server_cpu_s": round(after[0] - before[0], 3),
                    "database_cpu_s": round(after[1] - before[1], 3),
                    "wall_s": round(wall, 3),
                    "minute": minute,
                }
            )
            if len(out) <= 3 or len(out) % 50 == 0:
                print(app, len(out), out[-1], flush=True)
    finally:
        server.stop()
    return out


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The first page; then the pages in a minute already seen, and the first page of each
    new minute (every text evaluated again, parsed texts cached)."""
    first = runs[0]
    same = [
        r["server_cpu_s"]
        for p, r in zip(runs, runs[1:], strict=False)
        if r["minute"] == p["minute"]
    ]
    new = [
        r["server_cpu_s"]
        for p, r in zip(runs, runs[1:], strict=False)
        if r["minute"] != p["minute"]
    ]
    return {
        "first_server_cpu_s": first["server_cpu_s"],
        "first_wall_s": first["wall_s"],
        "same_minute_mean_server_cpu_s": _mean(same),
        "same_minute_pages": len(same),
        "new_minute_mean_server_cpu_s": _mean(new),
        "new_minute_pages": len(new),
        "max_server_cpu_s_after_first": max((r["server_cpu_s"] for r in runs[1:]), default=None),
        "database_mean_cpu_s": _mean([r["database_cpu_s"] for r in runs]),
        "runs": runs,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=30, help="pages at least, after the fix")
    ap.add_argument("--seconds", type=float, default=70.0, help="seconds at least, after the fix")
    ap.add_argument("--before-requests", type=int, default=2, help="pages before the fix")
    ap.add_argument(
        "--db-port", type=int, default=int(os.environ.get("YIZHAN_BENCH_DB_PORT", 55434))
    )
    a = ap.parse_args()
    result: dict[str, Any] = {
        "when": clock.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "stations": STATIONS,
        "horizon_days": hours.HORIZON_DAYS,
        "max_chars": hours.MAX_CHARS,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    result["library"] = library_calls()
    admin = _admin_url(a.db_port)
    after = "api.app:create_app"

    url = prepare(admin, [None])
    result["floor"] = _summary(listing(url, after, a.requests, a.seconds))

    issue = next(iter(FAMILIES.values()))
    texts = ["Mo-Su"] + [hours.validate_opening_hours(issue(i)) for i in range(ISSUE_DISTINCT - 1)]
    url = prepare(admin, texts)
    result["issue"] = {
        "distinct_texts": len(texts),
        "examples": texts[:3],
        "before": _summary(
            listing(url, "bench.hours_bench:baseline_create_app", a.before_requests, 0.0)
        ),
        "after": _summary(listing(url, after, a.requests, a.seconds)),
    }

    # The family whose evaluation costs most within the horizon (parsing included).
    worst = max(
        result["library"],
        key=lambda r: r["parse_ms"] + r["is_open_ms"] + r["next_change_horizon_ms"],
    )
    make = FAMILIES[worst["family"]]
    texts = [hours.validate_opening_hours(make(i)) for i in range(STATIONS)]
    assert len(set(texts)) == STATIONS
    url = prepare(admin, texts)
    result["worst_accepted"] = {
        "family": worst["family"],
        "distinct_texts": len(texts),
        "examples": texts[:2],
        "before_estimate_cpu_s": round(STATIONS * worst["next_change_unbounded_ms"] / 1000, 1),
        "after": _summary(listing(url, after, a.requests, a.seconds)),
    }
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    write(result)


def _row(name: str, r: dict[str, Any]) -> str:
    return (
        f"| {name} | {r['first_server_cpu_s']} ({r['first_wall_s']}) "
        f"| {r['same_minute_mean_server_cpu_s']} ({r['same_minute_pages']}) "
        f"| {r['new_minute_mean_server_cpu_s']} ({r['new_minute_pages']}) "
        f"| {r['database_mean_cpu_s']} |"
    )


def write(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "hours.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
    issue, worst = result["issue"], result["worst_accepted"]
    head = (
        "| server | first page: CPU s (wall s) | next pages, same minute: mean CPU s (pages) "
        "| first page of a new minute: mean CPU s (pages) | database CPU s / page |"
    )
    lines = [
        f"# Opening-hours benchmark, {result['when']}",
        "",
        f"{result['machine']['cpus']} CPUs, Python {result['machine']['python']}; load "
        f"average (1/5/15 min) {result['loadavg_before']} before, {result['loadavg_after']} "
        f"after. Horizon {result['horizon_days']} days, hours at most {result['max_chars']} "
        "characters. CPU is `process_time` (part 1) or the server's process tree user + "
        "system time from `/proc` (parts 2, 3; 10 ms ticks). One uvicorn worker on "
        "127.0.0.1, pages requested one after another; the first page follows one page of 1 "
        "that opens the app's connections.",
        "",
        "## 1. The library's calls, one text per family (CPU ms)",
        "",
        "| family | chars | parse | is_open | next_change, no horizon | next_change, horizon |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["library"]:
        lines.append(
            f"| {r['family']} | {r['chars']} | {r['parse_ms']} | {r['is_open_ms']} "
            f"| {r['next_change_unbounded_ms']} | {r['next_change_horizon_ms']} |"
        )
    lines += [
        "",
        f"## 2. `GET /api/v1/stations?limit=1000`, {result['stations']} stations, "
        f"{issue['distinct_texts']} distinct texts whose state never changes",
        "",
        f"Examples: {', '.join(f'`{t}`' for t in issue['examples'])} …",
        "",
        head,
        "|---|---|---|---|---|",
        _row("no opening hours at all (the listing's floor)", result["floor"]),
        _row("before the fix", issue["before"]),
        _row("after", issue["after"]),
        "",
        f"## 3. The worst the write path accepts: {worst['distinct_texts']} distinct texts, "
        f"{worst['family']}",
        "",
        f"Example: `{worst['examples'][0]}`",
        "",
        f"Before the fix (not run): about {worst['before_estimate_cpu_s']} CPU s per page "
        f"({result['stations']} × part 1's next_change without horizon).",
        "",
        head,
        "|---|---|---|---|---|",
        _row("after", worst["after"]),
    ]
    (RESULTS / "hours.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
