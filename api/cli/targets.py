"""``yizhan targets …``: the union's targets (coverage by a deadline, new stations a year).

Every change is audited in the database with the operating-system user as the actor.
"""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer
from rich.table import Table

from api.cli.common import console
from geo.vocab import KINDS, TARGET_METRICS

targets_app = typer.Typer(help="目标 / targets (coverage, new stations)", no_args_is_help=True)

KindOpt = Annotated[str, typer.Option(help=" | ".join(f"{k} ({t.zh})" for k, t in KINDS.items()))]
MetricOpt = Annotated[
    str, typer.Option(help=" | ".join(f"{k} ({t.zh})" for k, t in TARGET_METRICS.items()))
]
DeadlineOpt = Annotated[str, typer.Option(help="截止日期 / deadline YYYY-MM-DD")]
ReasonOpt = Annotated[str | None, typer.Option(help="原因（记入审计）/ reason, for the audit")]


def _actor() -> str:
    """The audit's actor: the operating-system user who ran the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _value(row: dict[str, Any]) -> str:
    v = float(row["value"])
    return f"{v:g} 座" if row["metric"] == "new_stations" else f"{v * 100:g}%"


@targets_app.command("set")
def targets_set(
    kind: KindOpt,
    metric: MetricOpt,
    value: Annotated[str, typer.Option(help="0.95 或 95%（覆盖率）/ 20（新建站点数）")],
    deadline: DeadlineOpt,
    starts_on: Annotated[
        str | None, typer.Option(help="新建站点从何日起计 / new stations counted from")
    ] = None,
    note: Annotated[str | None, typer.Option(help="说明 / note")] = None,
    reason: ReasonOpt = None,
) -> None:
    """Add a target, or change the one with the same kind, metric and deadline."""
    # Lazy: psycopg would slow every start-up of the CLI.
    from geo.db.connection import transaction
    from geo.targets import parse_target, set_target

    target = parse_target(kind, metric, value, deadline, starts_on=starts_on, note=note)
    with transaction(actor=_actor(), reason=reason) as conn:
        row = set_target(conn, target)
    console.print(
        f"已保存目标 / target saved: {row['kind']} {row['metric']} {_value(row)} "
        f"by {row['deadline']}"
    )


@targets_app.command("list")
def targets_list() -> None:
    """List every target by deadline."""
    # Lazy: psycopg would slow every start-up of the CLI.
    from geo.db.connection import connect
    from geo.targets import list_targets

    with connect() as conn:
        rows = list_targets(conn)
    table = Table(title="目标 / targets")
    for col in (
        "类型 kind",
        "指标 metric",
        "目标 value",
        "开始 starts",
        "截止 deadline",
        "说明 note",
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(
            f"{r['kind']} {KINDS[r['kind']].zh}",
            f"{r['metric']} {TARGET_METRICS[r['metric']].zh}",
            _value(r),
            str(r["starts_on"] or ""),
            str(r["deadline"]),
            r["note"] or "",
        )
    console.print(table)
    if not rows:
        console.print("没有目标 / no targets: yizhan targets set …")


@targets_app.command("remove")
def targets_remove(
    kind: KindOpt, metric: MetricOpt, deadline: DeadlineOpt, reason: ReasonOpt = None
) -> None:
    """Remove a target (the audit keeps what it was)."""
    # Lazy: psycopg would slow every start-up of the CLI.
    from geo.db.connection import transaction
    from geo.targets import remove_target

    with transaction(actor=_actor(), reason=reason) as conn:
        row = remove_target(conn, kind, metric, deadline)
    console.print(
        f"已删除目标 / target removed: {row['kind']} {row['metric']} {_value(row)} "
        f"by {row['deadline']}"
    )
