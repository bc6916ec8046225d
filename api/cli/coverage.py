"""``yizhan coverage …`` and ``yizhan report …``: coverage runs, trends and reports.

Mounted by ``api/cli/__init__.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api.cli.common import DistanceOpt, KindOpt, as_of_date, console, pct

coverage_app = typer.Typer(help="覆盖分析 / coverage analysis", no_args_is_help=True)
report_app = typer.Typer(help="报告 / reports", no_args_is_help=True)


def _print_snapshot(snap: dict[str, Any]) -> None:
    s = snap["figures"]["summary"]
    reused = "（复用已存结果 reused）" if snap.get("reused") else ""
    table = Table(title=f"覆盖 coverage {s['as_of']} {s['kind']} D={s['distance_m']:g} m{reused}")
    table.add_column("指标 figure")
    table.add_column("值 value", justify="right")
    table.add_row("计算方式 mode", s["mode_label"])
    table.add_row("运营站点 operating stations", str(s["stations"]))
    table.add_row("主要街道 main streets (km)", f"{s['main_street_m'] / 1000:.3f}")
    table.add_row("已覆盖 covered (km)", f"{s['main_street_covered_m'] / 1000:.3f}")
    table.add_row("主要街道覆盖率 main-street coverage", pct(s["main_street_share"]))
    table.add_row("重点区域覆盖率 key-district coverage", pct(s["key_district_share"]))
    if s.get("undated_open_stations"):
        table.add_row(
            "无开放日期未计入 open but undated (not counted)", str(s["undated_open_stations"])
        )
    console.print(table)
    districts = Table(title="分区 per district")
    for col in ("区域 district", "重点 key", "主要街道 main streets", "面积 area"):
        districts.add_column(col)
    for d in snap["figures"]["districts"]:
        districts.add_row(
            d["district"],
            "是" if d["is_key"] else "",
            pct(d["main_street_share"]),
            pct(d.get("area_share")),
        )
    console.print(districts)


@coverage_app.command("run")
def coverage_run(
    as_of: Annotated[str | None, typer.Option(help="截至日期 / as-of date YYYY-MM-DD")] = None,
    kind: KindOpt = "love_station",
    distance: DistanceOpt = None,
    straight_line: Annotated[
        bool, typer.Option(help="直线距离（仅供对比）/ straight-line distance, for comparison")
    ] = False,
    cell: Annotated[float | None, typer.Option(help="网格边长（米）/ grid cell (m)")] = None,
) -> None:
    """Compute (or reuse) the coverage snapshot for a date and print its figures."""
    # Lazy: psycopg, geopandas and scipy would slow every start-up of the CLI.
    from geo.coverage import service
    from geo.db.connection import connect

    mode = "straight_line" if straight_line else "walking"
    q = service.question(as_of_date(as_of), kind, distance, mode, cell)
    with connect(autocommit=True) as conn:
        _print_snapshot(service.run(conn, q))


@coverage_app.command("trend")
def coverage_trend(
    kind: KindOpt = "love_station",
    distance: DistanceOpt = None,
    as_of: Annotated[
        str | None, typer.Option(help="截至日期 / as-of date YYYY-MM-DD (default today)")
    ] = None,
) -> None:
    """Compute the missing month-end snapshots and print the trend up to the as-of date
    and where each target stands."""
    # Lazy: psycopg, geopandas and scipy would slow every start-up of the CLI.
    from geo.coverage import trend
    from geo.db.connection import connect

    with connect(autocommit=True) as conn:
        out = trend.coverage_trend(
            conn, kind, as_of=as_of_date(as_of), distance_m=distance, compute=True
        )
    table = Table(title=f"月度覆盖 monthly coverage: {kind}")
    for col in ("日期 date", "站点 stations", "主要街道 main streets", "重点区域 key districts"):
        table.add_column(col)
    for p in out["points"]:
        table.add_row(
            p["as_of"],
            str(p["stations"]),
            pct(p["main_street_share"]),
            pct(p["key_district_share"]),
        )
    console.print(table)
    for t in out["targets"]:
        console.print(
            f"{t['metric']} {pct(t['value'])} @ {t['deadline']}: {pct(t['current'])} → "
            f"{t['status_label']}\n  {t['projection']}\n  {t['projection_en']}"
        )
        if t.get("attainable_met") is False:
            console.print(f"  [yellow]{t['reach_note']}\n  {t['reach_note_en']}[/yellow]")


@report_app.command("coverage")
def report_coverage(
    out: Annotated[Path, typer.Option(help="HTML 报告文件 / HTML report file")],
    as_of: Annotated[str | None, typer.Option(help="截至日期 / as-of date YYYY-MM-DD")] = None,
    kind: KindOpt = "love_station",
    distance: DistanceOpt = None,
    xlsx: Annotated[Path | None, typer.Option(help="同时输出 XLSX / also write XLSX")] = None,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="同时输出报告内容 JSON / also write the report as JSON"),
    ] = None,
    tiles: Annotated[
        str | None,
        typer.Option(
            help="地图底图瓦片地址（可选；文件打开时需联网）/ background tile URL template "
            "such as https://host/{z}/{x}/{y}.png (optional; the file then needs the network)"
        ),
    ] = None,
    attribution: Annotated[
        str | None, typer.Option(help="底图署名 / the tiles' attribution")
    ] = None,
) -> None:
    """Write the planners' coverage report: one self-contained HTML file (opens offline;
    its map draws streets and districts itself, with no tiles unless ``--tiles``)."""
    # Lazy: psycopg, geopandas and scipy would slow every start-up of the CLI.
    from geo.db.connection import connect
    from geo.report import report_data
    from geo.settings import get_settings

    # Lazy: folium and the report's templates take a second to import, which every other
    # command (coverage run, trend ...) would pay at start-up.
    from maps.coverage_report import write_html, write_xlsx

    with connect(autocommit=True) as conn:
        report = report_data(conn, as_of_date(as_of), kind, distance, lookup=get_settings().lookup)
    write_html(report, out, tiles=tiles, attribution=attribution)
    console.print(f"报告已写入 / report written: {out}")
    if xlsx is not None:
        write_xlsx(report, xlsx)
        console.print(f"表格已写入 / workbook written: {xlsx}")
    if json_out is not None:
        json_out.write_text(
            json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        console.print(f"JSON 已写入 / JSON written: {json_out}")
