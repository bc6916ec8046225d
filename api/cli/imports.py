"""``yizhan import …``: streets (and the walk network), districts and stations from files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import print_import_report, progress_bar

import_app = typer.Typer(help="导入数据 / import data", no_args_is_help=True)


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]


@import_app.command("streets")
def import_streets(
    file: Annotated[Path, typer.Argument(help="OSM .osm.pbf/.osm, GeoJSON, Shapefile or GPKG")],
    main_classes: Annotated[
        str | None,
        typer.Option(
            help="主要街道的道路等级 / main-street highway classes, e.g. trunk,primary,secondary"
        ),
    ] = None,
    main_names: Annotated[
        str | None,
        typer.Option(
            help="另外算作主要街道的街道名称 / street names that are main streets too (comma list)"
        ),
    ] = None,
    layer: Annotated[str | None, typer.Option(help="GeoPackage layer")] = None,
    node: Annotated[
        bool | None,
        typer.Option(
            "--node/--no-node",
            help="在同一层的交叉处打断线段（桥梁、隧道、layer 分层不相连）/ --node: split GIS "
            "lines where they cross on the same level (bridge/tunnel/layer stay apart); "
            "--no-node: lines already end at junctions. Default: files with u/v are taken "
            "as noded, other GIS files are split; OSM is split at shared nodes",
        ),
    ] = None,
) -> None:
    """Import streets and build the walk network (replaces the previous ones)."""
    from geo.importers import import_streets as run  # lazy: geopandas slows every start-up

    with progress_bar("读取街道 reading streets") as progress:
        report = run(
            file,
            main_classes=_split(main_classes) or None,
            main_names=_split(main_names),
            layer=layer,
            node=node,
            progress=progress,
        )
    print_import_report(report)


@import_app.command("districts")
def import_districts(
    file: Annotated[Path, typer.Argument(help="GeoJSON, Shapefile or GPKG polygons")],
    name_field: Annotated[str, typer.Option(help="区域名称字段 / field with the district name")],
    code_field: Annotated[str | None, typer.Option(help="区划代码字段 / code field")] = None,
    key: Annotated[
        str | None, typer.Option(help="重点区域名称 / key district names, comma separated")
    ] = None,
    all_key: Annotated[bool, typer.Option(help="全部设为重点区域 / all are key districts")] = False,
    layer: Annotated[str | None, typer.Option(help="GeoPackage layer")] = None,
) -> None:
    """Import districts (updates by name) and mark the key districts (重点区域)."""
    from geo.importers import import_districts as run  # lazy: geopandas slows every start-up

    print_import_report(
        run(
            file,
            name_field=name_field,
            code_field=code_field,
            key=_split(key),
            all_key=all_key,
            layer=layer,
        )
    )


@import_app.command("stations")
def import_stations(  # noqa: PLR0913 - one parameter per option
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or GeoJSON")],
    kind: Annotated[
        str,
        typer.Option(
            help="love_station (爱心驿站) | mother_baby_room (母婴室) | worker_bookshop (职工书屋)"
        ),
    ],
    crs: Annotated[
        str, typer.Option(help="坐标系 / coordinates: wgs84 | gcj02 (高德/腾讯) | bd09 (百度)")
    ],
    dry_run: Annotated[bool, typer.Option(help="只检查不写入 / report without writing")] = False,
    source: Annotated[
        str | None, typer.Option(help="来源名称 / source name (default: file name)")
    ] = None,
    lon_field: Annotated[str | None, typer.Option(help="经度字段 / longitude column")] = None,
    lat_field: Annotated[str | None, typer.Option(help="纬度字段 / latitude column")] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="文件编码 / file encoding: utf-8 | gbk | big5 | shift_jis (detected)"),
    ] = None,
    problems_out: Annotated[
        Path | None,
        typer.Option(help="把全部问题行写入 CSV / write every problem row to this CSV file"),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            help="坐标在另一坐标系下与路网更吻合时仍按 --crs 导入 / import even when the "
            "points fit the streets far better in another datum"
        ),
    ] = False,
) -> None:
    """Import stations; rows with problems are listed by row number and not stored.

    The report lists the first YIZHAN_IMPORT_REPORT_PROBLEMS problems; --problems-out
    writes them all. When the points fit the stored streets far better in another datum
    than --crs, the import stops and names it; --force imports anyway. Files over
    YIZHAN_IMPORT_MAX_ROWS rows or YIZHAN_IMPORT_MAX_DECOMPRESSED_BYTES bytes unpacked
    are refused.
    """
    # lazy: geopandas slows every start-up
    from geo.importers import problem_record, problems_csv
    from geo.stations.imports import import_stations as run

    with progress_bar("导入站点 importing stations") as update:
        report = run(
            file,
            kind=kind,
            crs=crs,
            dry_run=dry_run,
            source=source,
            lon_field=lon_field,
            lat_field=lat_field,
            encoding=encoding,
            force=force,
            progress=lambda phase, done, total: update(done, total or done),
        )
    if problems_out is not None:
        text = problems_csv(problem_record(p) for p in report.problems)
        problems_out.write_text(text, encoding="utf-8")
    print_import_report(report, problems_out=problems_out)
