"""Coverage runs: validate the question, reuse a stored snapshot when its inputs are
unchanged, otherwise compute and store one.

A snapshot is keyed by (as-of date, kind, distance, mode, cell size) and carries the
fingerprint of its inputs (the operating stations, the walk network, the main streets and
the districts); it is reused only while that fingerprint still matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from typing import Any

import psycopg
import shapely
import shapely.geometry

from geo import clock
from geo.coverage.city import City, load_city
from geo.coverage.evaluate import MODES, evaluate
from geo.coverage.figures import FIGURES_VERSION, figures, geometries
from geo.db import coverage as coverage_db
from geo.errors import InvalidInput, NotFound
from geo.settings import get_settings
from geo.stations import sql as stations_sql
from geo.units import MAX_DISTANCE_M, MIN_SERVICE_DISTANCE_M
from geo.vocab import KINDS

MODE_LABELS = {
    "walking": "步行距离（沿步行路网）/ walking distance along the walk network",
    "straight_line": "直线距离（仅供对比）/ straight-line distance (for comparison only)",
}


@dataclass(frozen=True)
class Question:
    """A validated coverage question."""

    as_of: dt.date
    kind: str
    distance_m: float
    mode: str
    cell_m: float

    @property
    def key(self) -> tuple[dt.date, str, float, str, float]:
        """The question's identity among stored snapshots."""
        return (self.as_of, self.kind, self.distance_m, self.mode, self.cell_m)


def question(
    as_of: dt.date,
    kind: str,
    distance_m: float | None = None,
    mode: str = "walking",
    cell_m: float | None = None,
) -> Question:
    """Check a coverage question and fill in the configured defaults.

    Raises
    ------
    InvalidInput
        A date outside 1990-2100; unknown kind or mode; distance not in (0, 20 km];
        cell size not in [5, 1000] m.
    """
    settings = get_settings().coverage
    if kind not in KINDS:
        raise InvalidInput(
            f"未知的站点类型「{kind}」，可选：{', '.join(KINDS)}",
            f"unknown station kind '{kind}': use one of {', '.join(KINDS)}",
        )
    if mode not in MODES:
        raise InvalidInput(
            f"未知的计算方式「{mode}」，可选：{', '.join(MODES)}",
            f"unknown mode '{mode}': use one of {', '.join(MODES)}",
        )
    clock.check_in_range(as_of)
    d = float(settings.coverage_distance_m[kind] if distance_m is None else distance_m)
    if not MIN_SERVICE_DISTANCE_M <= d <= MAX_DISTANCE_M:
        raise InvalidInput(
            f"服务距离必须在 {MIN_SERVICE_DISTANCE_M:.0f} 到 {MAX_DISTANCE_M:.0f} 米之间，"
            f"收到 {d:g}",
            f"the service distance must be from {MIN_SERVICE_DISTANCE_M:.0f} to "
            f"{MAX_DISTANCE_M:.0f} m; got {d:g}",
        )
    cell = float(settings.coverage_cell_m if cell_m is None else cell_m)
    if not 5 <= cell <= 1000:
        raise InvalidInput(
            f"网格边长必须在 5 到 1000 米之间，收到 {cell:g}",
            f"the grid cell size must be between 5 and 1000 m; got {cell:g}",
        )
    return Question(as_of, kind, d, mode, cell)


def first_opened(conn: psycopg.Connection[Any], kind: str) -> dt.date | None:
    """The opening date of the kind's first station (None: no station has one)."""
    return stations_sql.first_opened(conn, kind)


def before_first_note(conn: psycopg.Connection[Any], q: Question) -> dict[str, str] | None:
    """Why coverage on ``q.as_of`` is 0 % when no station of the kind had opened by then
    (None when one had)."""
    first = first_opened(conn, q.kind)
    label = KINDS[q.kind]
    if first is None:
        return {
            "note": f"没有任何{label.zh}记录了开放日期：覆盖率为 0",
            "note_en": f"no {label.en} has an opening date: coverage is 0",
        }
    if q.as_of < first:
        return {
            "note": f"{q.as_of} 早于第一座{label.zh}的开放日期 {first}：那时覆盖率为 0",
            "note_en": f"{q.as_of} is before the first {label.en} opened ({first}): coverage was 0",
        }
    return None


def fingerprint(conn: psycopg.Connection[Any], q: Question, network: str | None = None) -> str:
    """The fingerprint of the inputs of ``q`` (pass ``network`` to reuse its part)."""
    net = network if network is not None else coverage_db.network_fingerprint(conn)
    stations = stations_sql.stations_fingerprint(conn, q.kind, q.as_of)
    return hashlib.md5(f"{net}|{stations}|figures {FIGURES_VERSION}".encode()).hexdigest()


def stored(conn: psycopg.Connection[Any], q: Question) -> dict[str, Any]:
    """The stored snapshot answering ``q`` for the current data, or NotFound."""
    snap = coverage_db.find_snapshot(conn, q.key, fingerprint(conn, q))
    if snap is None:
        raise NotFound(
            f"{q.as_of} 的覆盖结果尚未计算（或数据已变化）：请运行 yizhan coverage run "
            f"--as-of {q.as_of} --kind {q.kind}，或由规划人员发起计算",
            f"coverage for {q.as_of} has not been computed for the current data: run "
            f"`yizhan coverage run --as-of {q.as_of} --kind {q.kind}` or ask a planner to "
            "start a run",
        )
    return snap


def run(
    conn: psycopg.Connection[Any],
    q: Question,
    *,
    city: City | None = None,
    network: str | None = None,
) -> dict[str, Any]:
    """The snapshot answering ``q``: the stored one if its inputs are unchanged, else a
    new one computed and stored. ``reused`` in the answer says which."""
    fp = fingerprint(conn, q, network)
    snap = coverage_db.find_snapshot(conn, q.key, fp)
    if snap is not None:
        return {**snap, "reused": True}
    started = time.perf_counter()
    city = city or load_city(conn, cell_m=q.cell_m)
    stations = stations_sql.operating_stations(conn, q.kind, q.as_of)
    cov = evaluate(city, stations["lon"], stations["lat"], q.distance_m, q.mode)
    figs = figures(city, cov)
    figs["summary"].update(
        as_of=q.as_of.isoformat(),
        kind=q.kind,
        distance_m=q.distance_m,
        mode=q.mode,
        mode_label=MODE_LABELS[q.mode],
        cell_m=q.cell_m,
        undated_open_stations=stations_sql.undated_open_stations(conn, q.kind, q.as_of),
        **(before_first_note(conn, q) or {}),
    )
    geoms = geometries(city, cov)
    seconds = time.perf_counter() - started
    snap_id = coverage_db.save_snapshot(conn, q.key, fp, figs, geoms, seconds)
    snap = coverage_db.find_snapshot(conn, q.key, fp)
    assert snap is not None and snap["id"] == snap_id
    return {**snap, "reused": False}


def features(
    conn: psycopg.Connection[Any], snapshot_id: int, roles: tuple[str, ...]
) -> dict[str, Any]:
    """A snapshot's geometries of ``roles`` as a GeoJSON FeatureCollection (WGS-84),
    largest first."""
    rows = coverage_db.snapshot_geoms(conn, snapshot_id, roles)
    rows.sort(key=lambda r: (roles.index(r["role"]), -r["measure"]))
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(r["geom"]),
                "properties": {
                    "role": r["role"],
                    "street": r["street"],
                    "district": r["district"],
                    "length_m" if r["role"] != "area_gap" else "area_m2": r["measure"],
                },
            }
            for r in rows
        ],
    }
