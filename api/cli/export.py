"""``yizhan export …``: the stations to GeoJSON, GeoPackage, CSV or XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import console

export_app = typer.Typer(help="导出数据 / export data", no_args_is_help=True)


@export_app.command("stations")
def export_stations(
    out: Annotated[Path, typer.Option("--out", help="输出文件 / output file")],
    format: Annotated[str, typer.Option(help="geojson | gpkg | csv | xlsx")] = "geojson",
    crs: Annotated[
        str,
        typer.Option(
            help="坐标系 / coordinates: wgs84 | gcj02 | bd09 (GeoJSON: wgs84 only; a GCJ-02/"
            "BD-09 gpkg is labelled with that datum, never EPSG:4326)"
        ),
    ] = "wgs84",
) -> None:
    """Export every station (all statuses) with coordinates in the chosen system.

    GeoJSON is WGS-84 only (RFC 7946); GCJ-02 and BD-09 go to gpkg (a spatial reference
    system named for the datum), csv or xlsx (a ``crs`` column)."""
    # Lazy: psycopg and geopandas would slow every start-up of the CLI.
    from geo.db.connection import connect
    from geo.stations.export import export_stations as run

    with connect() as conn:
        n = run(conn, out, format.lower(), crs)
    console.print(f"已导出 {n} 个站点 / exported {n} stations: {out}")
