"""The planners' coverage report: one self-contained HTML file and an XLSX workbook.

The HTML opens offline: Leaflet's JS and CSS are inlined from the ``xstatic-leaflet``
package (no CDN, no tiles by default), the trend chart is inline SVG, and the map is made
with folium (:mod:`maps.report_map`), its data and script inline too. Every name in the
page is text: escaped in the tables, set as ``textContent`` on the map.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import xstatic.pkg.leaflet as xleaflet

from geo.spreadsheet import Cell, shown, write_sheet
from geo.units import DAYS_PER_MONTH
from maps import report_map

STATUS_COLOUR = {
    "met": "#1a7f37",
    "on_track": "#1a7f37",
    "at_risk": "#b7791f",
    "off_track": "#c53030",
    "missed": "#c53030",
    "no_data": "#718096",
    "not_started": "#718096",
}
METRIC_ZH = {
    "main_street_coverage": "主要街道覆盖率",
    "key_district_coverage": "重点区域覆盖率",
    "new_stations": "新建（提升）站点数",
}


HEALTH_LEVEL_ZH = {"ok": "正常 ok", "info": "提示 info", "warn": "注意 warn"}
NOT_WALKABLE_NOTE = (
    "<p>以下道路无人步行或骑电动车通行（高架、高速、禁止行人等），不计入主要街道总长，"
    "也不是覆盖缺口。 / Not walkable: roads nobody walks or rides an e-bike on (elevated "
    "roads, motorways, foot=no …); they are out of the main-street figures and are no "
    "gaps.</p>"
)


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _km(metres: float) -> str:
    return f"{metres / 1000:.2f}"


#: A CSS comment (Leaflet's stylesheet cites a bug tracker in one).
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def _leaflet() -> tuple[str, str]:
    base = Path(xleaflet.BASE_DIR)
    css = _CSS_COMMENT.sub("", (base / "leaflet.css").read_text("utf-8"))
    return (base / "leaflet.js").read_text("utf-8"), css


def _table(head: list[str], rows: list[list[Any]], kinds: list[str], cls: str = "") -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape(shown(c, k))}</td>" for c, k in zip(r, kinds, strict=True))
        + "</tr>"
        for r in rows
    )
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


# -- tables (shared by HTML and XLSX) -------------------------------------------------

#: A table: header, rows of typed values (shares as 0…1, metres, dates), and per column
#: what it holds (a key of geo.spreadsheet.NUMBER_FORMATS; a Cell overrides one value).
Table = tuple[list[str], list[list[Any]], list[str]]


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _km_of(metres: float | None) -> float | None:
    return None if metres is None else metres / 1000


def _km2_of(m2: float | None) -> float | None:
    return None if m2 is None else m2 / 1e6


def _summary_table(report: dict[str, Any]) -> Table:
    s = report["summary"]
    rows: list[list[Any]] = [
        ["截至日期", Cell(_date(report["as_of"]), "date")],
        ["站点类型", report["kind_zh"]],
        ["服务距离（米）", Cell(s["distance_m"], "m")],
        ["计算方式", s["mode_label"]],
        ["运营中站点", Cell(s["stations"], "int")],
        ["主要街道总长（公里）", Cell(_km_of(s["main_street_m"]), "km")],
        ["已覆盖主要街道（公里）", Cell(_km_of(s["main_street_covered_m"]), "km")],
        ["主要街道覆盖率", Cell(s["main_street_share"], "pct")],
        ["重点区域覆盖率", Cell(s["key_district_share"], "pct")],
        ["不在步行路网上的主要街道（公里）", Cell(_km_of(s["main_street_off_network_m"]), "km")],
        [
            "不可步行、不计入的主要街道（公里）",
            Cell(_km_of(s.get("not_walkable_main_m", 0.0)), "km"),
        ],
    ]
    if "main_street_unreachable_m" in s:  # snapshots of figures version 2 on
        rows += [
            [
                "主要街道：未覆盖但可达（公里）",
                Cell(_km_of(s["main_street_uncovered_reachable_m"]), "km"),
            ],
            [
                "主要街道：无步行道可达、任何站点都无法覆盖（公里）",
                Cell(_km_of(s["main_street_unreachable_m"]), "km"),
            ],
            ["可达主要街道的覆盖率", Cell(s["main_street_reachable_share"], "pct")],
            ["主要街道最高可达覆盖率", Cell(s["main_street_attainable_share"], "pct")],
            ["重点区域面积（平方公里）", Cell(_km2_of(s["key_district_area_m2"]), "km2")],
            ["重点区域已覆盖（平方公里）", Cell(_km2_of(s["key_district_covered_m2"]), "km2")],
            [
                "重点区域：未覆盖但可达（平方公里）",
                Cell(_km2_of(s["key_district_uncovered_reachable_m2"]), "km2"),
            ],
            [
                "重点区域：无步行道可达、任何站点都无法覆盖（平方公里）",
                Cell(_km2_of(s["key_district_unreachable_m2"]), "km2"),
            ],
            ["可达重点区域的覆盖率", Cell(s["key_district_reachable_share"], "pct")],
            ["重点区域最高可达覆盖率", Cell(s["key_district_attainable_share"], "pct")],
        ]
    rows.append(["开放但无开放日期、未计入的站点", Cell(s.get("undated_open_stations", 0), "int")])
    if s.get("note"):
        rows.append(["说明", s["note"]])
    return ["指标", "数值"], rows, ["text", "text"]


def _target_table(report: dict[str, Any]) -> Table:
    head = [
        "类型",
        "指标",
        "目标",
        "截止日期",
        "当前",
        "截止日达到",
        "近期速度/月",
        "所需速度/月",
        "预计完成",
        "状态",
        "最高可达",
        "可达需求覆盖率",
        "说明",
    ]
    rows = []
    for t in [*report["targets"], *report["count_targets"]]:
        k = "num1" if t["metric"] == "new_stations" else "pct"
        rows.append(
            [
                t["kind"],
                METRIC_ZH.get(t["metric"], t["metric"]),
                Cell(t["value"], k),
                _date(t["deadline"]),
                Cell(t["current"], k),
                Cell(t["reached"], k),
                Cell(t["pace_per_month"], k),
                Cell(t["needed_per_month"], k),
                _date(t["projected_date"]),
                t["status_label"],
                t.get("attainable"),
                t.get("current_of_reachable"),
                "；".join(x for x in (t.get("reach_note"), t["projection"]) if x),
            ]
        )
    kinds = ["text", "text", "text", "date", "text", "text", "text", "text", "date", "text"]
    return head, rows, [*kinds, "pct", "pct", "text"]


def _district_table(report: dict[str, Any]) -> Table:
    head = [
        "区域",
        "重点区域",
        "主要街道（公里）",
        "已覆盖（公里）",
        "未覆盖但可达（公里）",
        "无法到达（公里）",
        "主要街道覆盖率",
        "面积（平方公里）",
        "已覆盖面积（平方公里）",
        "未覆盖但可达面积（平方公里）",
        "无法到达面积（平方公里）",
        "面积覆盖率",
        "最高可达面积覆盖率",
    ]
    rows = [
        [
            d["district"],
            "是" if d["is_key"] else "",
            _km_of(d["main_street_m"]),
            _km_of(d["main_street_covered_m"]),
            _km_of(d.get("main_street_uncovered_reachable_m")),
            _km_of(d.get("main_street_unreachable_m")),
            d["main_street_share"],
            _km2_of(d.get("area_m2")),
            _km2_of(d.get("area_covered_m2")),
            _km2_of(d.get("area_uncovered_reachable_m2")),
            _km2_of(d.get("area_unreachable_m2")),
            d.get("area_share"),
            d.get("area_attainable_share"),
        ]
        for d in report["districts"]
    ]
    kinds = ["text", "text", "km", "km", "km", "km", "pct", "km2", "km2", "km2", "km2", "pct"]
    return head, rows, [*kinds, "pct"]


def _sites_table(report: dict[str, Any]) -> Table:
    head = [
        "序号",
        "经度（WGS-84）",
        "纬度（WGS-84）",
        "经度（GCJ-02 高德）",
        "纬度（GCJ-02 高德）",
        "服务街道",
        "所在区域",
        "新增街道覆盖（米）",
        "新增重点区域覆盖（平方米）",
        "累计主要街道覆盖率",
        "累计重点区域覆盖率",
        "新增很少",
    ]
    rows = [
        [
            p["rank"],
            p["lon"],
            p["lat"],
            p.get("x"),
            p.get("y"),
            p["street"],
            p["district"],
            p["adds_main_street_m"],
            p["adds_key_district_m2"],
            p["main_street_share"],
            p["key_district_share"],
            "是" if p.get("sliver") else "",
        ]
        for p in report["plan"]["sites"]
    ]
    kinds = ["int", "coord", "coord", "coord", "coord", "text", "text", "m", "m2", "pct", "pct"]
    return head, rows, [*kinds, "text"]


def tables(report: dict[str, Any]) -> dict[str, Table]:
    """Every table of the report as (header, typed rows, column kinds), keyed by its
    Chinese title."""
    return {
        "概要": _summary_table(report),
        "目标进度": _target_table(report),
        "月度趋势": (
            ["日期", "运营站点", "主要街道覆盖率", "重点区域覆盖率"],
            [
                [_date(p["as_of"]), p["stations"], p["main_street_share"], p["key_district_share"]]
                for p in report["trend"]
            ],
            ["date", "int", "pct", "pct"],
        ),
        "分区": _district_table(report),
        "街道缺口": (
            ["街道", "区域", "未覆盖（公里）", "其中无法到达（公里）", "段数", "最长一段（米）"],
            [
                [
                    g["street"],
                    "、".join(g["districts"]),
                    _km_of(g["uncovered_m"]),
                    _km_of(g["unreachable_m"]),
                    g["pieces"],
                    g["longest_m"],
                ]
                for g in report.get("street_gaps_by_street", [])
            ],
            ["text", "text", "km", "km", "int", "m"],
        ),
        "区域缺口": (
            ["区域", "未覆盖面积（平方公里）"],
            [[g["district"], _km2_of(g["measure"])] for g in report["area_gaps"]],
            ["text", "km2"],
        ),
        "建议新址": _sites_table(report),
        "数据健康": (
            ["级别", "项目", "说明", "description", "数值", "明细"],
            [
                [
                    HEALTH_LEVEL_ZH[f["level"]],
                    f["key"],
                    f["zh"],
                    f["en"],
                    Cell(f["figure"], "int"),
                    "；".join(f["items"]) + (f"；另有 {f['more']} 项" if f["more"] else ""),
                ]
                for f in report.get("data_health", [])
            ],
            ["text", "text", "text", "text", "text", "text"],
        ),
        "不可步行道路": (
            ["街道", "道路等级", "原因", "reason", "长度（公里）"],
            [
                [r["street"], r["highway"], r["reason_zh"], r["reason_en"], _km_of(r["length_m"])]
                for r in report.get("not_walkable", [])
            ],
            ["text", "text", "text", "text", "km"],
        ),
        "街道": (
            [
                "街道",
                "长度（公里）",
                "已覆盖（公里）",
                "未覆盖但可达（公里）",
                "无法到达（公里）",
                "覆盖率",
            ],
            [
                [
                    r["street"],
                    _km_of(r["length_m"]),
                    _km_of(r["covered_m"]),
                    _km_of(r.get("uncovered_reachable_m")),
                    _km_of(r.get("unreachable_m")),
                    r["share"],
                ]
                for r in report["streets"]
            ],
            ["text", "km", "km", "km", "km", "pct"],
        ),
        **operations_tables(report),
    }


# -- the operations section (issue 15) ---------------------------------------------------

#: The operations section's tables, in the order the HTML shows them.
OPERATIONS_TABLES = (
    "运营概况",
    "未解决问题",
    "站点使用人次",
    "职业使用人次",
    "星级分布",
    "降级标记",
)


def operations_tables(report: dict[str, Any]) -> dict[str, Table]:
    """The operations section's tables (none for a report made without it)."""
    ops = report.get("operations")
    if not ops:
        return {}
    return {
        "运营概况": (
            ["项目", "item", "数值"],
            [
                ["截至日期", "as of", Cell(_date(str(ops["as_of"])), "date")],
                ["统计起始日", "period from", Cell(_date(str(ops["period_start"])), "date")],
                ["当日运营站点", "stations operating", Cell(ops["operating"], "int")],
                [
                    f"近 {ops['verified_days']} 天现场核实的站点",
                    f"verified on the spot in the last {ops['verified_days']} days",
                    Cell(ops["verified"], "int"),
                ],
                ["核实比例", "share verified", Cell(ops["verified_share"], "pct")],
                [
                    "未解决问题（含待处理）",
                    "open problems (new or confirmed)",
                    Cell(ops["open_problems_total"], "int"),
                ],
                ["期间签到", "check-ins in the period", Cell(ops["checkins_total"], "int")],
                [
                    "每站平均签到",
                    "check-ins per station",
                    Cell(ops["checkins_per_station"], "num1"),
                ],
                ["期间已整改问题", "problems fixed in the period", Cell(ops["resolved"], "int")],
                [
                    "整改用时中位数（天）",
                    "median days to resolve",
                    Cell(ops["median_days_to_resolve"], "num1"),
                ],
            ],
            ["text", "text", "text"],
        ),
        "未解决问题": (
            ["类别", "category", "个数"],
            [[p["zh"], p["en"], p["count"]] for p in ops["open_problems"]],
            ["text", "text", "int"],
        ),
        "站点使用人次": (
            ["编号", "站点", "区域", "签到", "纸质登记", "合计", "每运营日人次"],
            [
                [
                    v["id"],
                    v["name"],
                    v["district"],
                    v["checkins"],
                    v["paper"],
                    v["total"],
                    v.get("per_day"),
                ]
                for v in ops["visits_per_station"]
            ],
            ["int", "text", "text", "int", "int", "int", "num1"],
        ),
        "职业使用人次": (
            ["职业", "occupation", "签到", "纸质登记"],
            [[o["zh"], o["en"], o["checkins"], o["paper"]] for o in ops["visits_per_occupation"]],
            ["text", "text", "int", "int"],
        ),
        "星级分布": (
            ["星级", "站点数"],
            [[f"{'★' * s['stars']} {s['stars']}", s["count"]] for s in ops["stars"]],
            ["text", "int"],
        ),
        "降级标记": (
            ["编号", "站点", "区域", "星级", "原因", "reason"],
            [
                [d["id"], d["name"], d["district"], d["stars"], d["zh"], d["en"]]
                for d in ops["downgrades"]
            ],
            ["int", "text", "text", "int", "text", "text"],
        ),
    }


def _operations_html(report: dict[str, Any]) -> str:
    """The operations section (运营情况 / Operations) of the HTML report."""
    tabs = operations_tables(report)
    if not tabs:
        return ""
    ops = report["operations"]
    head = (
        '<h2 id="operations">运营情况 <small lang="en">Operations</small></h2>'
        f"<p>截至 {escape(str(ops['as_of']))}，统计自 {escape(str(ops['period_start']))}"
        f'（巡查、问题、签到与星级，见 yizhan evaluate）。 <span lang="en">As of '
        f"{escape(str(ops['as_of']))}, counted from {escape(str(ops['period_start']))}.</span></p>"
    )
    return head + "".join(
        f"<h3>{escape(name)}</h3>" + _table(*tabs[name]) for name in OPERATIONS_TABLES
    )


def _plan_note(plan: dict[str, Any]) -> str:
    """The pace and what the sites reach, above the table of recommended sites."""
    v, u = plan["verified"], plan["unreachable"]
    lines = [
        f"<p><b>{escape(plan['pace']['text'])}</b><br>{escape(plan['pace']['text_en'])}</p>",
        f"<p>全部建成后（覆盖引擎复算）：主要街道覆盖率 {_pct(v['main_street_share'])}，"
        f"重点区域覆盖率 {_pct(v['key_district_share'])}。求解器 {escape(plan['solver'])}，"
        f"状态 {escape(plan['status'])}，最优性差距 {plan['gap'] * 100:.1f}%。"
        "地图上以带序号的蓝色圆点标出。</p>",
    ]
    if u["units"]:
        lines.append(
            f"<p>无候选点可达的缺口 {u['units']} 处（街道 {u['main_street_m']:.0f} 米，"
            f"面积 {u['key_district_m2'] / 1e6:.3f} 平方公里），需另行研究。</p>"
        )
    never = u.get("never")
    if never and never["units"]:
        lines.append(
            '<p class="unreachable">“全覆盖”指覆盖全部可达需求。其中无步行道可达、'
            f"任何数量的站点都无法覆盖的：主要街道 {never['main_street_m'] / 1000:.2f} 公里，"
            f"重点区域 {never['key_district_m2'] / 1e6:.3f} 平方公里。<br>"
            "“Full coverage” means all reachable demand. No number of stations can cover "
            f"{never['main_street_m'] / 1000:.2f} km of main streets and "
            f"{never['key_district_m2'] / 1e6:.3f} km² of key districts (no walkway within "
            "reach).</p>"
        )
    slivers = [str(p["rank"]) for p in plan["sites"] if p.get("sliver")]
    if slivers:
        th = plan.get("slivers", {})
        share_, floor = th.get("threshold_share", 0.0) * 100, th.get("threshold_m", 0.0)
        lines.append(
            f"<p>新址 {escape('、'.join(slivers))} 新增的覆盖既不足全部新增的 {share_:g}%，"
            f"也不足 {floor:g} 米街道（或等值面积）（表中“新增很少”），建设前宜再斟酌。<br>"
            f"Sites {escape(', '.join(slivers))} each add less than {share_:g}% of what the "
            f"plan adds and less than {floor:g} m of street or its worth in area (marked in "
            "the table): worth a second look.</p>"
        )
    return "".join(lines)


def _fmt_target(t: dict[str, Any], value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if t["metric"] == "new_stations" else _pct(value)


# -- the trend chart ------------------------------------------------------------------


def trend_svg(report: dict[str, Any], width: int = 720, height: int = 260) -> str:
    """Monthly coverage as an inline SVG line chart, projected to the deadline."""
    points = report["trend"]
    if not points:
        return "<p>暂无趋势数据</p>"
    dates = [dt.date.fromisoformat(p["as_of"]) for p in points]
    deadline = max(dt.date.fromisoformat(t["deadline"]) for t in report["targets"])
    x0, x1 = dates[0].toordinal(), max(deadline.toordinal(), dates[-1].toordinal() + 1)
    pad_l, pad_r, pad_t, pad_b = 48, 16, 16, 36

    def x(d: dt.date) -> float:
        return pad_l + (d.toordinal() - x0) / max(x1 - x0, 1) * (width - pad_l - pad_r)

    def y(v: float) -> float:
        return pad_t + (1 - v) * (height - pad_t - pad_b)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="覆盖率月度趋势">'
    ]
    for v in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{pad_l - 6}" y="{y(v) + 4:.1f}" font-size="11" '
            f'text-anchor="end">{v * 100:.0f}%</text>'
        )
    parts.append(
        f'<line x1="{x(deadline):.1f}" x2="{x(deadline):.1f}" y1="{pad_t}" '
        f'y2="{height - pad_b}" stroke="#c53030" stroke-dasharray="4 3"/>'
    )
    parts.append(
        f'<text x="{x(deadline) - 4:.1f}" y="{height - pad_b + 28}" font-size="11" '
        f'text-anchor="end" fill="#c53030">目标 {deadline}</text>'
    )
    series = (
        ("main_street_share", "#2b6cb0", "主要街道"),
        ("key_district_share", "#2f855a", "重点区域"),
    )
    for i, (field, colour, label) in enumerate(series):
        pts = [
            (x(d), y(p[field])) for d, p in zip(dates, points, strict=True) if p[field] is not None
        ]
        if not pts:
            continue
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
        )
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in pts]
        target = next(
            (t for t in report["targets"] if t["metric"].startswith("main" if i == 0 else "key")),
            None,
        )
        open_target = target is not None and target["status"] in (
            "on_track",
            "at_risk",
            "off_track",
        )
        if open_target and target and target["pace_per_month"] and target["current"] is not None:
            months = (deadline - dates[-1]).days / DAYS_PER_MONTH
            end = min(1.0, target["current"] + target["pace_per_month"] * months)
            parts.append(
                f'<line x1="{pts[-1][0]:.1f}" y1="{pts[-1][1]:.1f}" '
                f'x2="{x(deadline):.1f}" y2="{y(end):.1f}" stroke="{colour}" '
                'stroke-dasharray="6 4" stroke-width="1.5"/>'
            )
        parts.append(
            f'<text x="{pad_l + 8 + 110 * i}" y="{height - 6}" font-size="12" '
            f'fill="{colour}">━ {label}{"（虚线：按近期速度预测）" if open_target else ""}</text>'
            if i == 0
            else f'<text x="{pad_l + 300}" y="{height - 6}" font-size="12" '
            f'fill="{colour}">━ {label}</text>'
        )
    parts.append(f'<text x="{pad_l}" y="{height - pad_b + 14}" font-size="11">{dates[0]}</text>')
    parts.append("</svg>")
    return "".join(parts)


# -- HTML -----------------------------------------------------------------------------


def render_html(
    report: dict[str, Any], *, tiles: str | None = None, attribution: str | None = None
) -> str:
    """The report as one self-contained HTML page (opens offline). ``tiles`` (a tile URL
    template, with ``attribution``) puts a background map under the report's own layers;
    the page then fetches it when online (the served report never does: its policy
    allows images from ``data:`` only)."""
    js, css = _leaflet()
    s = report["summary"]
    tabs = tables(report)
    headline = [
        ("主要街道覆盖率", _pct(s["main_street_share"])),
        ("重点区域覆盖率", _pct(s["key_district_share"])),
        ("运营中站点", str(s["stations"])),
        ("主要街道未覆盖（公里）", _km(s["main_street_m"] - s["main_street_covered_m"])),
    ]
    if s.get("key_district_unreachable_m2") is not None:
        headline += [
            ("重点区域最高可达覆盖率", _pct(s["key_district_attainable_share"])),
            (
                "重点区域无步行道可达（平方公里）",
                f"{s['key_district_unreachable_m2'] / 1e6:.3f}",
            ),
        ]
    cards = "".join(
        f'<div class="card"><div class="v">{escape(v)}</div><div class="k">{escape(k)}</div></div>'
        for k, v in headline
    )
    if s.get("note"):
        cards += f'<p class="note">{escape(s["note"])}<br>{escape(s["note_en"])}</p>'
    status = "".join(
        f"<li><b>{escape(METRIC_ZH.get(t['metric'], t['metric']))}</b>（{escape(t['kind'])}）："
        f'<span class="badge" style="background:{STATUS_COLOUR[t["status"]]}">'
        f"{escape(t['status_label'])}</span> 当前 {escape(_fmt_target(t, t['current']))}，"
        f"目标 {escape(_fmt_target(t, t['value']))}（{escape(t['deadline'])}）。"
        f"{escape(t['projection'])}"
        + (
            f'<br><b class="unattainable">{escape(t["reach_note"])}</b><br>'
            f"{escape(t['reach_note_en'])}"
            if t.get("attainable_met") is False
            else (f"<br>{escape(t['reach_note'])}" if t.get("reach_note") else "")
        )
        + "</li>"
        for t in [*report["targets"], *report["count_targets"]]
    )
    sections = "".join(
        f"<h2>{escape(name)}</h2>"
        + _plan_note(report["plan"]) * (name == "建议新址")
        + NOT_WALKABLE_NOTE * (name == "不可步行道路")
        + _table(*tabs[name])
        for name in (
            "目标进度",
            "月度趋势",
            "分区",
            "街道缺口",
            "区域缺口",
            "建议新址",
            "数据健康",
            "不可步行道路",
            "街道",
        )
    )
    sections += _operations_html(report)
    parts = report_map.render_map(
        report_map.build_map(report["map"], tiles=tiles, attribution=attribution)
    )
    page = _template().substitute(
        title=escape(report["title"]),
        as_of=escape(report["as_of"]),
        generated=escape(report["generated_at"]),
        mode=escape(s["mode_label"]),
        distance=f"{s['distance_m']:g}",
        leaflet_css=css,
        leaflet_js=js,
        cards=cards,
        status=status,
        chart=trend_svg(report),
        sections=sections,
        map_html=parts.html,
        map_js=parts.script,
    )
    return page


def _template() -> Template:
    return Template(
        resources.files("maps").joinpath("templates", "coverage_report.html").read_text("utf-8")
    )


def write_html(
    report: dict[str, Any],
    path: str | Path,
    *,
    tiles: str | None = None,
    attribution: str | None = None,
) -> Path:
    """Write the HTML report to ``path``; the path."""
    path = Path(path)
    path.write_text(render_html(report, tiles=tiles, attribution=attribution), encoding="utf-8")
    return path


#: An inline script of the report (Leaflet and the map's script).
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def inline_script_hashes(page: str) -> list[str]:
    """The CSP sources (``'sha256-…'``) of the inline scripts of a rendered report, so a
    server can send it with a policy that lets exactly these scripts run."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode() + "'"
        for js in _INLINE_SCRIPT.findall(page)
    ]


def xlsx_bytes(report: dict[str, Any]) -> bytes:
    """The XLSX workbook of :func:`write_xlsx`, as bytes (for a download)."""
    buffer = io.BytesIO()
    _workbook(report).save(buffer)
    return buffer.getvalue()


def write_xlsx(report: dict[str, Any], path: str | Path) -> Path:
    """The report's tables, one sheet each, in an XLSX workbook.

    Numbers and dates are typed cells with number formats (shares as numbers shown in %,
    kilometres, coordinates with 6 decimals, dates as dates); each sheet has a frozen
    header row, an autofilter and fitted widths (:func:`geo.spreadsheet.write_sheet`).
    Text goes through :func:`geo.spreadsheet.cell_text`: a name that reads as a formula
    is written as text.
    """
    path = Path(path)
    _workbook(report).save(path)
    return path


def _workbook(report: dict[str, Any]) -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, (head, rows, kinds) in tables(report).items():
        write_sheet(wb.create_sheet(name), head, rows, kinds)
    return wb
