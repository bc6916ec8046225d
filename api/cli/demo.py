"""``yizhan demo …``: the demo city."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import console, print_import_report, progress_bar

demo_app = typer.Typer(help="示例城市 / the demo city", no_args_is_help=True)

ACTIVITY_LABELS = (
    ("station_checkins", "次歇脚签到 check-ins"),
    ("station_usage", "天纸质登记 days of paper usage"),
    ("station_inspections", "次巡查 inspections"),
    ("station_problems", "个问题 problems"),
    ("photos", "张照片 photos"),
)


@demo_app.command("load")
def demo_load(
    activity: Annotated[
        bool,
        typer.Option(
            "--activity/--no-activity",
            help="一年的示例运维数据 / the synthetic year of check-ins, usage, inspections "
            "and problems (default: on)",
        ),
    ] = True,
) -> None:
    """Load the demo city (idempotent): real OSM streets, demo districts and stations, and
    a synthetic year of operations."""
    from geo.demo import load_demo  # lazy: geopandas slows every start-up

    with progress_bar("示例城市 demo city") as progress:
        reports = load_demo(progress=progress, activity=activity)
    for report in reports:
        print_import_report(report)
    if activity:
        from geo.operations.demo import activity_counts

        n = activity_counts()
        console.print(
            "示例运维数据 demo activity: "
            + ", ".join(f"{n[key]} {label}" for key, label in ACTIVITY_LABELS)
        )
