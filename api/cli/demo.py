"""``yizhan demo …``: the demo city."""

from __future__ import annotations

import typer

from api.cli.common import print_import_report, progress_bar

demo_app = typer.Typer(help="示例城市 / the demo city", no_args_is_help=True)


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo city (idempotent): real OSM streets, demo districts and stations."""
    from geo.demo import load_demo  # lazy: geopandas slows every start-up

    with progress_bar("示例城市 demo city") as progress:
        reports = load_demo(progress=progress)
    for report in reports:
        print_import_report(report)
