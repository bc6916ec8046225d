"""The ``yizhan`` command line: database, imports, demo city, coverage, siting and the server.

Thin on purpose: parse arguments, call ``geo``, print the result. Domain errors are printed
in Chinese and English and end the command with exit status 2.

One module per command group, mounted here: ``db``, ``users`` (``user``), ``imports``
(``import``), ``demo``, ``export``, ``stations``, ``coverage`` (``coverage`` and
``report``), ``targets``, and the single commands ``plan`` and ``serve``; ``common`` holds
what they share.
"""

from __future__ import annotations

import sys

import typer

from api.cli.common import err_console
from api.cli.coverage import coverage_app, report_app
from api.cli.db import db_app
from api.cli.demo import demo_app
from api.cli.evaluate import evaluate
from api.cli.export import export_app
from api.cli.imports import import_app
from api.cli.plan import plan
from api.cli.problems import problems_app
from api.cli.serve import serve
from api.cli.stations import stations_app
from api.cli.targets import targets_app
from api.cli.users import user_app
from geo.errors import YizhanError

app = typer.Typer(
    help="Yizhan 驿站 — 爱心驿站、母婴室、职工书屋的地理服务系统 / "
    "geospatial service-station system for trade unions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(demo_app, name="demo")
app.add_typer(export_app, name="export")
app.add_typer(stations_app, name="stations")
app.add_typer(coverage_app, name="coverage")
app.add_typer(report_app, name="report")
app.add_typer(targets_app, name="targets")
app.add_typer(problems_app, name="problems")
app.command("plan")(plan)
app.command("serve")(serve)
app.command("evaluate")(evaluate)


def main() -> None:
    """Entry point of the ``yizhan`` console script."""
    try:
        app()
    except YizhanError as exc:
        err_console.print(f"[red]错误：{exc.zh}[/red]")
        err_console.print(f"[red]error: {exc.en}[/red]")
        sys.exit(2)
