"""``yizhan evaluate``: the yearly station evaluation (issue 15), as a table, CSV, JSON or
XLSX. Every output names the as-of date used."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.table import Table

from api.cli.common import console
from geo.errors import InvalidInput


def evaluate(
    year: Annotated[int, typer.Option(help="评估年度 / the year evaluated")],
    as_of: Annotated[
        str | None,
        typer.Option(help="截至日期 / as-of date YYYY-MM-DD (default: year end, or today)"),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="love_station | mother_baby_room | worker_bookshop (default all)"),
    ] = None,
    format: Annotated[  # noqa: A002 - the option's name
        Literal["table", "csv", "json", "xlsx"], typer.Option(help="输出格式 / output format")
    ] = "table",
    out: Annotated[Path | None, typer.Option(help="输出文件 / output file")] = None,
) -> None:
    """Score every station that operated in YEAR (0-100, 1-5 stars) with the reasons of
    each part and the downgrade, stale and no-data flags."""
    # Lazy: psycopg would slow every start-up of the CLI.
    from api.cli.common import as_of_date
    from geo.db.connection import connect
    from geo.operations.evaluation import evaluate as run
    from maps import evaluation_report

    day = as_of_date(as_of) if as_of is not None else None
    if format == "xlsx" and out is None:
        raise InvalidInput("XLSX 需要 --out 文件", "the xlsx format needs --out FILE")
    with connect(autocommit=True) as conn:
        result = run(conn, year, day, kind)
    if format == "xlsx":
        assert out is not None
        out.write_bytes(evaluation_report.xlsx_bytes(result))
        console.print(
            f"截至 {result['as_of']} 的评估已写入 / evaluation as of {result['as_of']}: {out}"
        )
        return
    if format == "table":
        _print(result)
        return
    if format == "json":
        text = json.dumps(result, ensure_ascii=False, indent=1, default=str) + "\n"
    else:
        text = evaluation_report.csv_text(result)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(
            f"截至 {result['as_of']} 的评估已写入 / evaluation as of {result['as_of']}: {out}"
        )


def _print(result: dict[str, Any]) -> None:
    from maps.evaluation_report import stars_text

    title = (
        f"{result['year']} 年度评估，截至 {result['as_of']} / evaluation as of {result['as_of']}"
    )
    table = Table(title=title)
    for col in (
        "编号 id",
        "站点 station",
        "类型 kind",
        "区域 district",
        "星级 stars",
        "得分 score",
        "标记 flags",
    ):
        table.add_column(col)
    for r in result["stations"]:
        table.add_row(
            str(r["id"]),
            r["name"],
            r["kind_zh"],
            r["district"] or "",
            f"{stars_text(r['stars'])} {r['stars']}",
            f"{r['score']:g}",
            ", ".join(dict.fromkeys(f"{f['flag_zh']} {f['flag']}" for f in r["flags"])),
        )
    console.print(table)
    if not result["stations"]:
        console.print("该年度没有运营的站点 / no station operated in this year")
