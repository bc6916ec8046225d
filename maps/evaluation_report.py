"""The yearly evaluation (:func:`geo.operations.evaluation.evaluate`) as tables: one row
per station for the console's download, ``yizhan evaluate --format csv|xlsx`` and the
terminal. Rendering only: the result is computed in ``geo``."""

from __future__ import annotations

import csv
import io
from typing import Any

from geo.operations.evaluation import FLAGS, PARTS
from geo.spreadsheet import cell_text, write_sheet

#: The columns of the stations' table, and what each holds (geo.spreadsheet kinds).
HEAD = [
    "编号 id",
    "站点 station",
    "类型 kind",
    "区域 district",
    "星级 stars",
    "得分 score",
    *(f"{zh} {en}" for zh, en in PARTS.values()),
    "标记 flags",
    "原因 reasons",
]
KINDS_OF_COLUMNS = [
    "int",
    "text",
    "text",
    "text",
    "int",
    "num1",
    *(["num1"] * len(PARTS)),
    "text",
    "text",
]


def stars_text(n: int) -> str:
    """Stars as text: ★ for each star, ☆ for each missing one."""
    return "★" * n + "☆" * (5 - n)


def flags_text(row: dict[str, Any]) -> str:
    """A station's flags, Chinese then English, each with why."""
    return "；".join(
        f"{FLAGS[f['flag']][0]} {f['flag']}: {f['zh']} / {f['en']}" for f in row["flags"]
    )


def reasons_text(row: dict[str, Any]) -> str:
    """Each part's points and reason, Chinese then English."""
    return "；".join(
        f"{p['part_zh']} {p['points']:g}/{p['max']:g}: {p['reason_zh']} / {p['reason_en']}"
        for p in row["parts"]
    )


def station_rows(result: dict[str, Any]) -> list[list[Any]]:
    """The stations' table rows, in :data:`HEAD`'s order."""
    return [
        [
            r["id"],
            r["name"],
            f"{r['kind_zh']} {r['kind']}",
            r["district"],
            r["stars"],
            r["score"],
            *(p["points"] for p in r["parts"]),
            flags_text(r),
            reasons_text(r),
        ]
        for r in result["stations"]
    ]


def about_rows(result: dict[str, Any]) -> list[list[Any]]:
    """What the evaluation is of: the year, the as-of date used, the kind and the rules."""
    rules = result["rules"]
    return [
        ["年度 year", result["year"]],
        ["截至日期 as of", result["as_of"].isoformat()],
        ["类型 kind", result["kind"] or "全部 all"],
        ["站点数 stations", len(result["stations"])],
        ["核实过期天数 stale after days", result["stale_days"]],
        ["权重 weights", ", ".join(f"{k} {v:g}" for k, v in rules["weights"].items())],
        ["星级分数线 stars at", ", ".join(f"{v:g}" for v in rules["stars"])],
    ]


def csv_text(result: dict[str, Any]) -> str:
    """The stations' table as CSV (UTF-8; the as-of date in the first line's comment
    column would break readers, so it is the file name's and the header's job: the
    ``as_of`` column)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*HEAD, "截至日期 as_of"])
    day = result["as_of"].isoformat()
    for row in station_rows(result):
        writer.writerow([*(cell_text(v) for v in row), day])
    return out.getvalue()


def xlsx_bytes(result: dict[str, Any]) -> bytes:
    """The evaluation as an XLSX workbook: the stations (评估结果) and what it is of (说明)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    write_sheet(wb.create_sheet("评估结果"), HEAD, station_rows(result), KINDS_OF_COLUMNS)
    write_sheet(
        wb.create_sheet("说明"), ["项目 item", "值 value"], about_rows(result), ["text", "text"]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
