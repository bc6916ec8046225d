"""``yizhan plan``: where new stations should go (the siting models on the coverage gaps).

Mounted by ``api/cli/__init__.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api.cli.common import DistanceOpt, KindOpt, as_of_date, console, pct
from geo.errors import InvalidInput

LISTED = 10  # rows of a long list printed; the JSON/API answer has them all (up to its cap)

_BOUND_SOURCE = {"highs": "HiGHS 对偶界 HiGHS's dual bound", "greedy": "贪心界 greedy's bound"}


def _more(shown: int, total: int, what_zh: str, what_en: str) -> None:
    """Say how many of a list were left out, in Chinese and English."""
    if total > shown:
        hidden = total - shown
        console.print(
            f"… 另有 {hidden} {what_zh}未列出（共 {total}）/ and {hidden} more {what_en} "
            f"(of {total}) not listed"
        )


def _print_header(out: dict[str, Any]) -> None:
    model = "全覆盖 LSCP" if out["model"] == "lscp" else f"最优 {out['k']} 个 MCLP"
    console.print(
        f"选址 plan {out['as_of']} {out['kind']} D={out['distance_m']:g} m：{model}，"
        f"求解器 solver {out['solver']}，状态 status {out['status']}，{out['seconds']:.1f} s"
    )
    if out["bound_source"] is not None:
        console.print(
            f"目标 objective {out['objective']:g}，界 bound {out['bound']:g}"
            f"（{_BOUND_SOURCE[out['bound_source']]}），gap {out['gap']:.4f}"
        )
    for note in out["notes"]:
        console.print(f"[yellow]{note['message']}[/yellow]")
        console.print(f"[yellow]{note['message_en']}[/yellow]")
    c = out["candidates"]
    console.print(
        f"候选点 candidates {c['total']}（文件 file {c['from_file']}，生成 generated "
        f"{c['generated']}）；缺口单元 uncovered demand units {out['demand']['units']}"
    )


def _print_file_problems(problems: list[dict[str, Any]]) -> None:
    if not problems:
        return
    table = Table(title=f"未使用的候选行 / candidate rows not used: {len(problems)}")
    table.add_column("行 row", no_wrap=True, justify="right")
    table.add_column("原因 reason", overflow="fold")
    for p in problems[:LISTED]:
        table.add_row(str(p["row"]), f"{p['message']}\n{p['message_en']}")
    console.print(table)
    _more(min(LISTED, len(problems)), len(problems), "行", "rows")


def _in_crs(items: list[dict[str, Any]], crs: str) -> list[tuple[float, float]]:
    """The items' WGS-84 ``lon``/``lat`` in ``crs``."""
    from geo.crs import from_wgs84

    if not items:
        return []
    x, y = from_wgs84([i["lon"] for i in items], [i["lat"] for i in items], crs)
    return [(float(a), float(b)) for a, b in zip(x, y, strict=True)]


def _print_sites(sites: list[dict[str, Any]], crs: str) -> None:
    """The sites in build order; two lines per site so that it reads at 80 columns: the
    numbers whole (never cut to ``121.…``), the names folded when they must be. The
    positions are in ``crs``, named in the column's header."""
    from geo.crs import CRS_LABELS

    table = Table(
        title="建议新址 recommended sites（按建设顺序 in build order）",
        caption="每格两行：主要街道 / 重点区域  two lines each: main streets / key districts"
        + (
            "\n* 新增覆盖很少（不足全部新增的阈值）  * adds only a sliver of the plan's coverage"
            if any(s.get("sliver") for s in sites)
            else ""
        ),
        padding=(0, 1),
    )
    table.add_column("#", no_wrap=True, justify="right")
    table.add_column(f"经度 lon\n纬度 lat\n{CRS_LABELS[crs]}", no_wrap=True, justify="right")
    table.add_column("街道 street\n区域 district", overflow="fold", ratio=1)
    table.add_column("新增 adds\nm / m²", no_wrap=True, justify="right")
    table.add_column("累计 total\n覆盖率", no_wrap=True, justify="right")
    table.add_column("候选 candidate", overflow="fold", ratio=1)
    for s, (x, y) in zip(sites, _in_crs(sites, crs), strict=True):
        table.add_row(
            f"{s['rank']}{'*' if s.get('sliver') else ''}",
            f"{x:.6f}\n{y:.6f}",
            f"{s['street']}\n{s['district']}",
            f"{s['adds_main_street_m']:.0f} m\n{s['adds_key_district_m2']:.0f} m²",
            f"{pct(s['main_street_share'])}\n{pct(s['key_district_share'])}",
            s["name"] or s["candidate_id"],
        )
    console.print(table)


def _print_unreachable(u: dict[str, Any], crs: str) -> None:
    from geo.crs import CRS_LABELS

    if not u["units"]:
        return
    console.print(
        f"[yellow]无候选点可达的缺口 demand no candidate reaches：{u['units']} 处 units，"
        f"街道 street {u['main_street_m']:.0f} m，面积 area {u['key_district_m2']:.0f} m²"
        "[/yellow]"
    )
    never = u.get("never")
    if never and never["units"]:
        console.print(
            f"[yellow]其中无步行道可达、任何站点都无法覆盖 of which no station anywhere can "
            f"cover (no walkway within reach)：街道 street {never['main_street_m']:.0f} m，"
            f"面积 area {never['key_district_m2']:.0f} m²[/yellow]"
        )
    listed = u["listed"][:LISTED]
    for item, (x, y) in zip(listed, _in_crs(listed, crs), strict=True):
        console.print(
            f"  {item['kind']} {item['street'] or ''} {item['district']} "
            f"({x:.6f}, {y:.6f} {CRS_LABELS[crs]})"
        )
    _more(min(LISTED, len(u["listed"])), u["units"], "处", "units")


def _print_plan(out: dict[str, Any], crs: str) -> None:
    b, v = out["before"], out["verified"]
    _print_header(out)
    _print_file_problems(out["candidates"]["file_problems"])
    _print_sites(out["sites"], crs)
    console.print(
        f"覆盖率 coverage：主要街道 main streets {pct(b['main_street_share'])} → "
        f"{pct(v['main_street_share'])}，重点区域 key districts "
        f"{pct(b['key_district_share'])} → {pct(v['key_district_share'])}"
        "（建成全部新址后由覆盖引擎复算 / measured by the coverage engine with every site built）"
    )
    _print_unreachable(out["unreachable"], crs)
    console.print(out["pace"]["text"])
    console.print(out["pace"]["text_en"])


# Typer reads the options from the signature: one parameter per command-line option.
def plan(  # noqa: PLR0913
    full: Annotated[
        bool, typer.Option("--full", help="全覆盖所需最少站点 / fewest sites for full coverage")
    ] = False,
    k: Annotated[int | None, typer.Option("--k", help="新站点数 / number of new sites")] = None,
    as_of: Annotated[str | None, typer.Option(help="截至日期 / as-of date YYYY-MM-DD")] = None,
    kind: KindOpt = "love_station",
    distance: DistanceOpt = None,
    candidates: Annotated[
        Path | None, typer.Option(help="候选点文件 CSV/XLSX/GeoJSON / candidate sites file")
    ] = None,
    crs: Annotated[
        str,
        typer.Option(
            help="坐标系：候选点文件按此读取，新址按此显示和写出 / datum: the candidates file "
            "is read in it, the sites printed and written in it: wgs84|gcj02|bd09"
        ),
    ] = "wgs84",
    candidates_crs: Annotated[
        str | None,
        typer.Option(help="候选点文件另用的坐标系 / the candidates file's datum, if not --crs"),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="把新址写入 CSV/XLSX（按 --crs）/ write the sites to .csv or .xlsx"
        ),
    ] = None,
    spacing: Annotated[
        float | None,
        typer.Option(help="生成候选点间距（米）/ generate candidates this many metres apart"),
    ] = None,
    solver: Annotated[str, typer.Option(help="highs | greedy")] = "highs",
    time_limit: Annotated[
        float | None, typer.Option(help="求解时限（秒）/ solver time limit (s)")
    ] = None,
    piece_m: Annotated[
        float | None, typer.Option(help="街道缺口分段（米）/ street gap piece length (m)")
    ] = None,
) -> None:
    """Where new stations should go: the fewest that close every gap (--full), or the best
    k (--k K). Existing stations stay; candidates from --candidates and/or --spacing.
    Positions are printed, and written with --out, in --crs (named in the header)."""
    # Lazy: psycopg, geopandas, scipy and highspy would slow every start-up of the CLI.
    from geo.crs import CRS_LABELS, parse_crs
    from geo.db.connection import connect
    from geo.siting.export import check_out, write_sites
    from geo.siting.plan import plan as make_plan
    from geo.siting.plan import plan_question

    if full == (k is not None):
        raise InvalidInput(
            "请指定 --full（全覆盖）或 --k 数量（二选一）",
            "give either --full (full coverage) or --k N (the best N sites), not both",
        )
    datum = parse_crs(crs)
    if out is not None:
        check_out(out)
    pq = plan_question(
        as_of_date(as_of),
        kind=kind,
        distance_m=distance,
        k=k,
        solver=solver,
        time_limit_s=time_limit,
        spacing_m=spacing,
        piece_m=piece_m,
        candidates_file=candidates,
        candidates_crs=parse_crs(candidates_crs) if candidates_crs else datum,
    )
    with connect(autocommit=True) as conn:
        answer = make_plan(conn, pq)
    _print_plan(answer, datum)
    if out is not None:
        n = write_sites(answer, out, datum)
        console.print(
            f"已写出 {n} 个新址（{CRS_LABELS[datum]}）/ wrote {n} sites in "
            f"{CRS_LABELS[datum]}: {out}"
        )
