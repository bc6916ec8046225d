"""What the command groups share: the consoles, the progress bar, the import report and the
as-of date, kind and distance of the coverage questions (``coverage``, ``report``, ``plan``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from geo import clock
from geo.errors import InvalidInput

if TYPE_CHECKING:
    # Only for the annotation: geo.importers imports geopandas, too slow for every start-up.
    from geo.importers import ImportReport

console = Console()
err_console = Console(stderr=True)

ProgressCallback = Callable[[int, int], None]
"""Called with (done, total) by long imports."""

KindOpt = Annotated[
    str, typer.Option(help="love_station (爱心驿站) | mother_baby_room | worker_bookshop")
]
DistanceOpt = Annotated[
    float | None, typer.Option(help="服务距离（米）/ service distance in metres (default per kind)")
]


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback]:
    """A progress bar on stderr (only on a terminal); yields the callback to feed it."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def print_import_report(report: ImportReport, *, problems_out: Path | None = None) -> None:
    """Print an import report: counts, notes, and the first rows not imported and possible
    duplicates (``YIZHAN_IMPORT_REPORT_PROBLEMS`` of each), with how many there are."""
    from geo.settings import get_settings

    listed = get_settings().imports.import_report_problems
    dry = "（试运行，未写入 dry run）" if report.dry_run else ""
    title = f"导入 import {report.what}{dry}: {Path(report.file).name}"
    table = Table(title=title, show_header=False)
    for key, value in report.counts.items():
        table.add_row(str(key), str(value))
    table.add_row("seconds", f"{report.seconds:.2f}")
    console.print(table)
    for note in report.notes:
        console.print(f"[dim]note: {note}[/dim]")
    if report.datum is not None and report.datum["outcome"] == "fits":
        from geo.stations.datum import DatumCheck

        console.print(f"[dim]datum: {DatumCheck(**report.datum).note()}[/dim]")
    if report.problems:
        codes = ", ".join(f"{code} {n}" for code, n in report.problem_codes().items())
        title = f"未导入的行 / rows not imported: {len(report.problems)} ({codes})"
        problems = Table(title=title)
        for col in ("行 row", "字段 field", "原因", "reason"):
            problems.add_column(col)
        for p in report.problems[:listed]:
            problems.add_row(str(p.row), p.field or "", p.reason_zh, p.reason_en)
        console.print(problems)
        _more(len(report.problems) - listed, problems_out)
    if report.duplicates:
        dups = Table(title=f"可能重复 / possible duplicates: {len(report.duplicates)}")
        for col in ("行 row", "名称 name", "附近已有 nearby stored stations"):
            dups.add_column(col)
        for d in report.duplicates[:listed]:
            near = "; ".join(
                f"#{c['id']} {c['name']} ({c['distance_m']:.0f} m)" for c in d["candidates"]
            )
            dups.add_row(str(d["row"]), d["name"], near)
        console.print(dups)
        hidden = len(report.duplicates) - listed
        if hidden > 0:
            console.print(f"… 另有 {hidden} 行 / and {hidden} more")
    if problems_out is not None:
        console.print(f"全部问题行 / every problem row: {problems_out}")


def _more(hidden: int, problems_out: Path | None) -> None:
    """Say how many problem rows the table left out, and how to see them all."""
    if hidden <= 0:
        return
    where = "" if problems_out is not None else "（--problems-out FILE 写出全部 / writes them all）"
    console.print(f"… 另有 {hidden} 行 / and {hidden} more {where}")


def as_of_date(text: str | None) -> dt.date:
    """An as-of date from the command line; none means today in the city's time zone."""
    if text is None:
        return clock.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"日期「{text}」无效，请使用 YYYY-MM-DD 格式",
            f"invalid date '{text}': use the YYYY-MM-DD format",
        ) from None


def pct(share: float | None) -> str:
    """A share as a percentage with two decimals; ``—`` when there is none."""
    return "—" if share is None else f"{share * 100:.2f}%"


def cli_actor() -> str:
    """The audit's actor for a command: ``cli:`` and the operating-system user who ran it."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in the environment or passwd database
        return "cli:unknown"
