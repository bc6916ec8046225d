"""``yizhan problems …``: the problem reports' personal data (issue 15).

``purge`` erases the phone of every report older than ``YIZHAN_PHONE_RETENTION_DAYS``
(the app also does it on each report and each queue read); audited as ``cli:USER``.
"""

from __future__ import annotations

import getpass

import typer

from api.cli.common import console

problems_app = typer.Typer(help="问题报告 / problem reports", no_args_is_help=True)


def _actor() -> str:
    """The audit's actor: the operating-system user who ran the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@problems_app.command("purge")
def problems_purge() -> None:
    """Erase reporters' phones older than the retention period (set NULL, audited)."""
    # Lazy: psycopg would slow every start-up of the CLI.
    from geo.db.connection import connect
    from geo.operations.problems import purge_phones
    from geo.settings import get_settings

    settings = get_settings().operations
    with connect(autocommit=True) as conn:
        n = purge_phones(conn, settings, actor=_actor())
    console.print(
        f"已删除 {n} 个超过 {settings.phone_retention_days} 天的电话号码 / "
        f"erased {n} phone numbers older than {settings.phone_retention_days} days"
    )
