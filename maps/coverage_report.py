"""The planners' coverage report: one self-contained HTML file and an XLSX workbook.

The HTML opens offline: Leaflet's JS and CSS are inlined from the ``xstatic-leaflet``
package (no CDN, no tiles), the trend chart is inline SVG, the map data inline GeoJSON and
the map's script (``maps/static/coverage_report.js``) inline too. Every name in the page is
text: escaped in the tables, set as ``textContent`` on the map.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import xstatic.pkg.leaflet as xleaflet

from geo.spreadsheet import cell_text
from geo.units import DAYS_PER_MONTH

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


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _km(metres: float) -> str:
    return f"{metres / 1000:.2f}"


def _leaflet() -> tuple[str, str]:
    base = Path(xleaflet.BASE_DIR)
    return (base / "leaflet.js").read_text("utf-8"), (base / "leaflet.css").read_text("utf-8")


def _table(head: list[str], rows: list[list[Any]], cls: str = "") -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


# -- tables (shared by HTML and XLSX) -------------------------------------------------


def tables(report: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Every table of the report as (header, rows), keyed by its Chinese title."""
    s = report["summary"]
    targets = [*report["targets"], *report["count_targets"]]
    return {
        "概要": (
            ["指标", "数值"],
            [
                ["截至日期", report["as_of"]],
                ["站点类型", report["kind_zh"]],
                ["服务距离（米）", f"{s['distance_m']:g}"],
                ["计算方式", s["mode_label"]],
                ["运营中站点", s["stations"]],
                ["主要街道总长（公里）", _km(s["main_street_m"])],
                ["已覆盖主要街道（公里）", _km(s["main_street_covered_m"])],
                ["主要街道覆盖率", _pct(s["main_street_share"])],
                ["重点区域覆盖率", _pct(s["key_district_share"])],
                ["不在步行路网上的主要街道（公里）", _km(s["main_street_off_network_m"])],
                ["开放但无开放日期、未计入的站点", s.get("undated_open_stations", 0)],
                *([["说明", s["note"]]] if s.get("note") else []),
            ],
        ),
        "目标进度": (
            [
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
                "说明",
            ],
            [
                [
                    t["kind"],
                    METRIC_ZH.get(t["metric"], t["metric"]),
                    _fmt_target(t, t["value"]),
                    t["deadline"],
                    _fmt_target(t, t["current"]),
                    _fmt_target(t, t["reached"]),
                    _fmt_target(t, t["pace_per_month"]),
                    _fmt_target(t, t["needed_per_month"]),
                    t["projected_date"] or "—",
                    t["status_label"],
                    t["projection"],
                ]
                for t in targets
            ],
        ),
        "月度趋势": (
            ["日期", "运营站点", "主要街道覆盖率", "重点区域覆盖率"],
            [
                [
                    p["as_of"],
                    p["stations"],
                    _pct(p["main_street_share"]),
                    _pct(p["key_district_share"]),
                ]
                for p in report["trend"]
            ],
        ),
        "分区": (
            [
                "区域",
                "重点区域",
                "主要街道（公里）",
                "已覆盖（公里）",
                "主要街道覆盖率",
                "面积覆盖率",
            ],
            [
                [
                    d["district"],
                    "是" if d["is_key"] else "",
                    _km(d["main_street_m"]),
                    _km(d["main_street_covered_m"]),
                    _pct(d["main_street_share"]),
                    _pct(d.get("area_share")),
                ]
                for d in report["districts"]
            ],
        ),
        "街道缺口": (
            ["街道", "区域", "未覆盖长度（米）", "位置（中点，WGS-84）"],
            [
                [g["street"], g["district"], f"{g['measure']:.0f}", w]
                for g, w in zip(report["street_gaps"], report["street_gap_where"], strict=True)
            ],
        ),
        "区域缺口": (
            ["区域", "未覆盖面积（平方公里）"],
            [[g["district"], f"{g['measure'] / 1e6:.3f}"] for g in report["area_gaps"]],
        ),
        "建议新址": (
            [
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
            ],
            [
                [
                    p["rank"],
                    f"{p['lon']:.6f}",
                    f"{p['lat']:.6f}",
                    f"{p['x']:.6f}",
                    f"{p['y']:.6f}",
                    p["street"],
                    p["district"],
                    f"{p['adds_main_street_m']:.0f}",
                    f"{p['adds_key_district_m2']:.0f}",
                    _pct(p["main_street_share"]),
                    _pct(p["key_district_share"]),
                ]
                for p in report["plan"]["sites"]
            ],
        ),
        "街道": (
            ["街道", "长度（公里）", "已覆盖（公里）", "覆盖率"],
            [
                [r["street"], _km(r["length_m"]), _km(r["covered_m"]), _pct(r["share"])]
                for r in report["streets"]
            ],
        ),
    }


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
    return "".join(lines)


def _fmt_target(t: dict[str, Any], value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if t["metric"] == "new_stations" else _pct(value)


# -- the trend chart ------------------------------------------------------------------


def trend_svg(report: dict[str, Any], width: int = 720, height: int = 260) -> str:
    """Monthly coverage as an inline SVG line chart, projected to the deadline."""
    import datetime as dt

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


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (opens offline)."""
    js, css = _leaflet()
    s = report["summary"]
    tabs = tables(report)
    headline = [
        ("主要街道覆盖率", _pct(s["main_street_share"])),
        ("重点区域覆盖率", _pct(s["key_district_share"])),
        ("运营中站点", str(s["stations"])),
        ("主要街道未覆盖（公里）", _km(s["main_street_m"] - s["main_street_covered_m"])),
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
        f"{escape(t['projection'])}</li>"
        for t in [*report["targets"], *report["count_targets"]]
    )
    sections = "".join(
        f"<h2>{escape(name)}</h2>"
        + _plan_note(report["plan"]) * (name == "建议新址")
        + _table(*tabs[name])
        for name in ("目标进度", "月度趋势", "分区", "街道缺口", "区域缺口", "建议新址", "街道")
    )
    data = _script_json(report["map"])
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
        data=data,
        report_js=report_js(),
    )
    return page


def _script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` that could end it
    or open a comment (``JSON.parse`` reads the escapes back)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def report_js() -> str:
    """The report map's script, to inline into the HTML page."""
    js = resources.files("maps").joinpath("static", "coverage_report.js").read_text("utf-8")
    if "</script" in js.lower() or "<!--" in js:
        raise ValueError("coverage_report.js cannot be inlined in a <script> element")
    return js


def _template() -> Template:
    return Template(
        resources.files("maps").joinpath("templates", "coverage_report.html").read_text("utf-8")
    )


def write_html(report: dict[str, Any], path: str | Path) -> Path:
    """Write the HTML report to ``path``; the path."""
    path = Path(path)
    path.write_text(render_html(report), encoding="utf-8")
    return path


def write_xlsx(report: dict[str, Any], path: str | Path) -> Path:
    """The report's tables, one sheet each, in an XLSX workbook.

    Every cell goes through :func:`geo.spreadsheet.cell_text`: a name that reads as a
    formula is written as text.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, (head, rows) in tables(report).items():
        ws = wb.create_sheet(name)
        ws.append([cell_text(h) for h in head])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append([cell_text(c) for c in r])
        for col, h in zip(ws.columns, head, strict=False):
            ws.column_dimensions[col[0].column_letter].width = max(10, len(h) * 2 + 2)
    path = Path(path)
    wb.save(path)
    return path
