"""Data health: what of the city's data may make an answer wrong, in one list (#12).

Real files are messy: a walk network in pieces, ways written twice, lines noded across
bridges, roads nobody walks on, station rows with an address but no position, stations
outside every district. Each import reports what it fixed or found; this module reads
what is stored (and the newest street import's log) and says it again, in the same words
for ``yizhan db status``, the coverage report and its JSON.

Every finding has a level: ``warn`` (something a person should act on: an answer may be
wrong or a station invisible), ``info`` (the import fixed or set it aside; worth knowing),
``ok``. It depends only on the stored data and the given day, never on the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import psycopg

from geo.db import network as network_db
from geo.settings import LookupSettings
from geo.stations import sql as stations_sql
from geo.stations.reach import network_health
from geo.vocab import NOT_WALKABLE_REASONS

Level = Literal["ok", "info", "warn"]
LEVEL_MARK: dict[str, str] = {"ok": "✓", "info": "·", "warn": "!"}
_LISTED = 10  # items named per finding; the rest are counted


@dataclass(frozen=True)
class Finding:
    """One line of the data health: what, how bad, its figure and the items behind it."""

    key: str
    level: Level
    figure: float
    zh: str
    en: str
    items: list[str] = field(default_factory=list)
    more: int = 0  # items not listed


def data_health(
    conn: psycopg.Connection[Any], settings: LookupSettings, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The data health of the stored city, as a list of findings (see :class:`Finding`).

    Parameters
    ----------
    conn : Connection
        The database.
    settings : LookupSettings
        What counts as a small piece of the walk network and how far a station may stand
        from it (``walk_small_piece_m``, ``walk_max_snap_m``).
    today : date, optional
        Which stations are public (those on small pieces are judged among them); default
        the city's today. A report passes its as-of date.

    Returns
    -------
    list of dict
        One dict per finding: key, level (ok/info/warn), figure, zh, en, items, more.
    """
    found = [
        *_network(conn, settings, today),
        *_street_import(conn),
        _not_walkable(conn),
        *_stations(conn),
    ]
    return [asdict(f) for f in found]


def _listed(items: list[str]) -> tuple[list[str], int]:
    return items[:_LISTED], max(len(items) - _LISTED, 0)


def _network(
    conn: psycopg.Connection[Any], settings: LookupSettings, today: dt.date | None
) -> list[Finding]:
    health = network_health(conn, settings, today=today)
    if health is None:
        return [
            Finding(
                "walk_network",
                "warn",
                0,
                "未导入步行路网：覆盖率和最近站点都无法按步行距离计算（yizhan import streets）",
                "no walk network loaded: coverage and nearest cannot use walking distances "
                "(yizhan import streets)",
            )
        ]
    n, share = health["pieces"], health["largest_piece_share"]
    pieces = Finding(
        "walk_pieces",
        "ok" if n <= 1 else ("info" if share >= 0.95 else "warn"),
        n,
        f"步行路网共 {n} 块，最大一块占总长的 {share:.1%}",
        f"the walk network is in {n} piece(s); the largest holds {share:.1%} of its length",
    )
    limit = f"{health['small_piece_m']:.0f}"
    small = health["stations_on_small_pieces"]
    items, more = _listed([f"#{s['id']} {s['name']}：{s['piece_m']:.0f} m" for s in small])
    on_small = Finding(
        "stations_on_small_pieces",
        "warn" if small else "ok",
        len(small),
        f"位于小于 {limit} 米孤立路网块上的公开站点：{len(small)} 座"
        + ("（步行距离到块的尽头为止，覆盖和最近站点可能偏小）" if small else ""),
        f"public stations on pieces under {limit} m: {len(small)}"
        + (
            " (walks end at the piece's ends: coverage and nearest may fall short)" if small else ""
        ),
        items,
        more,
    )
    off = int(health["stations_off_network"])
    snap = f"{settings.walk_max_snap_m:.0f}"
    off_network = Finding(
        "stations_off_network",
        "warn" if off else "ok",
        off,
        f"离步行路网超过 {snap} 米的公开站点：{off} 座",
        f"public stations farther than {snap} m from the walk network: {off}",
    )
    return [pieces, on_small, off_network]


def _street_import(conn: psycopg.Connection[Any]) -> list[Finding]:
    last = network_db.last_import(conn, "streets")
    if last is None:
        return []
    counts, file = last["counts"], last["file"].rsplit("/", 1)[-1]
    merged, metres = (
        int(counts.get("doubled_segments_merged", 0)),
        counts.get("doubled_m_merged", 0),
    )
    found = [
        Finding(
            "doubled_ways",
            "info" if merged else "ok",
            merged,
            f"上次导入街道（{file}）合并了重复路段 {merged} 段（{metres:.0f} 米），每段只计一次",
            f"the last street import ({file}) merged {merged} doubled segment(s) "
            f"({metres:.0f} m): each counts once",
        )
    ]
    if "crossings_noded" in counts:
        noded, apart = int(counts["crossings_noded"]), int(counts.get("crossings_kept_apart", 0))
        found.append(
            Finding(
                "crossings",
                "info" if noded else "ok",
                noded,
                f"导入时在 {noded} 处无共同节点的交叉处打断了线段；{apart} 处因分层"
                "（桥梁/隧道/layer）未连接"
                + ("；若这些是立交，请用 --no-node 重新导入" if noded and not apart else ""),
                f"the import noded {noded} crossing(s) without a shared vertex; kept {apart} "
                "apart for their levels (bridge/tunnel/layer)"
                + (
                    "; if they are over- or underpasses, re-import with --no-node"
                    if noded and not apart
                    else ""
                ),
            )
        )
    return found


def _not_walkable(conn: psycopg.Connection[Any]) -> Finding:
    rows = network_db.not_walkable_totals(conn)
    n = sum(int(r["streets"]) for r in rows)
    km = sum(float(r["length_m"]) for r in rows) / 1000
    main = sum(int(r["main_streets"]) for r in rows)
    main_km = sum(float(r["main_m"]) for r in rows) / 1000
    items = [
        f"{NOT_WALKABLE_REASONS[r['reason']][0]} / {NOT_WALKABLE_REASONS[r['reason']][1]}："
        f"{r['streets']} 段 segments, {float(r['length_m']) / 1000:.3f} km"
        for r in rows
    ]
    return Finding(
        "not_walkable",
        "info" if n else "ok",
        n,
        f"不可步行的道路 {n} 段（{km:.3f} 公里）不在步行路网中；其中主要街道 {main} 段"
        f"（{main_km:.3f} 公里）不计入主要街道，也不算缺口",
        f"roads nobody walks on: {n} segment(s) ({km:.3f} km) out of the walk network; "
        f"{main} of them main streets ({main_km:.3f} km) out of the main-street figures, "
        "never gaps",
        items,
    )


def _stations(conn: psycopg.Connection[Any]) -> list[Finding]:
    counts = stations_sql.health_counts(conn)
    unlocated, outside = counts["unlocated"], counts["without_district"]
    return [
        Finding(
            "unlocated_stations",
            "warn" if unlocated else "ok",
            unlocated,
            f"未定位的站点（只有地址）：{unlocated} 座，不公开、不计入覆盖"
            + (
                "（控制台「未定位」页 /console/unlocated，或 yizhan stations unlocated）"
                if unlocated
                else ""
            ),
            f"unlocated stations: {unlocated}"
            + (" (the console's Unlocated page, or yizhan stations unlocated)" if unlocated else "")
            + ": address only, not public, not in coverage",
        ),
        Finding(
            "stations_without_district",
            "warn" if outside else "ok",
            outside,
            f"不在任何已导入区域内（无所属区域）的站点：{outside} 座",
            f"stations outside every loaded district (no district): {outside}",
        ),
    ]
