"""The ``yizhan`` command line: database, imports, demo city and the server.

Thin on purpose: parse arguments, call ``geo``, print the result. Domain errors are printed
in Chinese and English and end the command with exit status 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.coverage import coverage_app, report_app
from api.cli.plan import plan
from api.cli.targets import targets_app
from geo.errors import YizhanError

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    help="Yizhan 驿站 — 爱心驿站、母婴室、职工书屋的地理服务系统 / "
    "geospatial service-station system for trade unions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="数据库 / the database (managed local PostGIS or DATABASE_URL)", no_args_is_help=True
)
import_app = typer.Typer(help="导入数据 / import data", no_args_is_help=True)
demo_app = typer.Typer(help="示例城市 / the demo city", no_args_is_help=True)
user_app = typer.Typer(help="账号 / staff accounts", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(demo_app, name="demo")
export_app = typer.Typer(help="导出数据 / export data", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(coverage_app, name="coverage")
app.add_typer(report_app, name="report")
app.add_typer(targets_app, name="targets")
app.command("plan")(plan)


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]


@contextmanager
def _progress(description: str) -> Iterator[object]:
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


def _print_report(report: object) -> None:
    from geo.importers import ImportReport

    assert isinstance(report, ImportReport)
    dry = "（试运行，未写入 dry run）" if report.dry_run else ""
    title = f"导入 import {report.what}{dry}: {Path(report.file).name}"
    table = Table(title=title, show_header=False)
    for key, value in report.counts.items():
        table.add_row(str(key), str(value))
    table.add_row("seconds", f"{report.seconds:.2f}")
    console.print(table)
    for note in report.notes:
        console.print(f"[dim]note: {note}[/dim]")
    if report.problems:
        problems = Table(title=f"未导入的行 / rows not imported: {len(report.problems)}")
        for col in ("行 row", "字段 field", "原因", "reason"):
            problems.add_column(col)
        for p in report.problems:
            problems.add_row(str(p.row), p.field or "", p.reason_zh, p.reason_en)
        console.print(problems)
    if report.duplicates:
        dups = Table(title=f"可能重复 / possible duplicates: {len(report.duplicates)}")
        for col in ("行 row", "名称 name", "附近已有 nearby stored stations"):
            dups.add_column(col)
        for d in report.duplicates:
            near = "; ".join(
                f"#{c['id']} {c['name']} ({c['distance_m']:.0f} m)" for c in d["candidates"]
            )
            dups.add_row(str(d["row"]), d["name"], near)
        console.print(dups)


# -- db -------------------------------------------------------------------------------
def _cluster():  # type: ignore[no-untyped-def]
    from geo.db.cluster import ManagedCluster
    from geo.settings import get_settings

    return ManagedCluster(get_settings())


def _external() -> bool:
    from geo.settings import get_settings

    return bool(get_settings().database_url)


@db_app.command("up")
def db_up() -> None:
    """Create (first time) and start the managed cluster, then apply migrations."""
    if _external():
        console.print("DATABASE_URL 已设置：使用外部数据库，不启动本地集群 / using DATABASE_URL")
    else:
        info = _cluster().start()
        console.print(f"数据库已启动 / database running: 127.0.0.1:{info.port} ({info.data_dir})")
    db_migrate()


@db_app.command("down")
def db_down() -> None:
    """Stop the managed cluster."""
    stopped = _cluster().stop()
    console.print("数据库已停止 / stopped" if stopped else "数据库未运行 / not running")


@db_app.command("status")
def db_status() -> None:
    """Show whether the database is reachable, its migrations and its contents."""
    from geo.db import network, stations
    from geo.db.connection import connect, database_url
    from geo.db.migrate import applied, available

    if not _external():
        c = _cluster()
        info = c.info()
        running = c.is_running()
        console.print(
            f"本地集群 / managed cluster: {'运行中 running' if running else '未运行 stopped'}"
            + (f", port {info.port}, {info.data_dir}" if info else ", 未创建 not created")
        )
        if not running:
            raise typer.Exit(1)
    with connect(database_url(start=False)) as conn:
        done = applied(conn)
        todo = [m for m in available() if m.version not in done]
        console.print(f"迁移 / migrations: {len(done)} applied, {len(todo)} pending")
        if done:
            console.print(network.counts(conn))
            console.print({"stations": stations.counts_by_kind(conn)})


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending schema migrations."""
    from geo.db.connection import connect
    from geo.db.migrate import migrate

    with connect() as conn:
        done = migrate(conn)
    names = ", ".join(f"{m.version:04d}_{m.name}" for m in done) or "无 / none"
    console.print(f"已应用的迁移 / migrations applied: {names}")


@db_app.command("url")
def db_url() -> None:
    """Print the database URL (for psql, QGIS or DATABASE_URL elsewhere)."""
    from geo.db.connection import database_url

    print(database_url())


def _bindir() -> str | None:
    if _external():
        return None
    info = _cluster().info()
    return info.bindir if info else None


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="备份文件 / backup file to write")],
) -> None:
    """Back up the whole database (pg_dump custom format)."""
    from geo.db.backup import backup
    from geo.db.connection import database_url

    size = backup(database_url(), file, bindir=_bindir())
    console.print(f"已备份 / backed up: {file} ({size / 1e6:.1f} MB)")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="yizhan db backup 生成的文件 / a backup file")],
    yes: Annotated[bool, typer.Option("--yes", help="不再确认 / do not ask")] = False,
) -> None:
    """Replace the database's content with a backup (all or nothing)."""
    from geo.db.backup import restore
    from geo.db.connection import database_url

    if not yes and not typer.confirm("这会替换数据库中的全部数据 / this replaces all data. Go on?"):
        raise typer.Exit(1)
    restore(database_url(), file, bindir=_bindir())
    console.print(f"已恢复 / restored from {file}")


# -- import ---------------------------------------------------------------------------
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
            "--node/--no-node", help="在交叉口打断线段 / split lines at intersections (auto)"
        ),
    ] = None,
) -> None:
    """Import streets and build the walk network (replaces the previous ones)."""
    from geo.importers import import_streets as run

    with _progress("读取街道 reading streets") as progress:
        report = run(
            file,
            main_classes=_split(main_classes) or None,
            main_names=_split(main_names),
            layer=layer,
            node=node,
            progress=progress,  # type: ignore[arg-type]
        )
    _print_report(report)


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
    from geo.importers import import_districts as run

    _print_report(
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
def import_stations(
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
) -> None:
    """Import stations; rows with problems are listed by row number and not stored."""
    from geo.importers import import_stations as run

    _print_report(
        run(
            file,
            kind=kind,
            crs=crs,
            dry_run=dry_run,
            source=source,
            lon_field=lon_field,
            lat_field=lat_field,
        )
    )


# -- demo -----------------------------------------------------------------------------
@demo_app.command("load")
def demo_load() -> None:
    """Load the demo city (idempotent): real OSM streets, demo districts and stations."""
    from geo.demo import load_demo

    with _progress("示例城市 demo city") as progress:
        reports = load_demo(progress=progress)  # type: ignore[arg-type]
    for report in reports:
        _print_report(report)


# -- export -------------------------------------------------------------------------
@export_app.command("stations")
def export_stations(
    out: Annotated[Path, typer.Option("--out", help="输出文件 / output file")],
    format: Annotated[str, typer.Option(help="geojson | gpkg | csv | xlsx")] = "geojson",
    crs: Annotated[str, typer.Option(help="坐标系 / coordinates: wgs84 | gcj02 | bd09")] = "wgs84",
) -> None:
    """Export every station (all statuses) with coordinates in the chosen system."""
    from geo.db.connection import connect
    from geo.export import export_stations as run

    with connect() as conn:
        n = run(conn, out, format.lower(), crs)
    console.print(f"已导出 {n} 个站点 / exported {n} stations: {out}")


# -- user -----------------------------------------------------------------------------
@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名 / user name")],
    role: Annotated[str, typer.Option(help="field_staff | reviewer | planner | admin")],
    generate: Annotated[
        bool, typer.Option(help="生成密码并显示一次 / generate a password and print it once")
    ] = False,
) -> None:
    """Add a staff account; the password is prompted for, or generated and printed once."""
    from geo.accounts import create_user, generate_password
    from geo.db.connection import transaction

    if generate:
        password = generate_password()
    else:
        password = typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    with transaction(actor="cli") as conn:
        user = create_user(conn, name, role, password)
    console.print(f"已添加用户 / user added: {user.name} ({user.role})")
    if generate:
        console.print(f"密码（只显示这一次）/ password (shown once): {password}", highlight=False)


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="用户名 / user name")]) -> None:
    """Disable an account and end its logins (the account is kept for the audit)."""
    from geo.accounts import disable_user
    from geo.db.connection import transaction

    with transaction(actor="cli") as conn:
        disable_user(conn, name)
    console.print(f"已停用 / disabled: {name}")


@user_app.command("list")
def user_list() -> None:
    """List the accounts with their roles."""
    from geo.accounts import list_users
    from geo.db.connection import connect

    with connect() as conn:
        users = list_users(conn)
    table = Table("name", "role", "created", "disabled")
    for u in users:
        table.add_row(
            u["name"], u["role"], f"{u['created_at']:%Y-%m-%d}", str(u["disabled_at"] or "")
        )
    console.print(table)


# -- serve ----------------------------------------------------------------------------
@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Serve the web app and API."""
    import uvicorn

    from geo.db.connection import database_url

    os.environ.setdefault("DATABASE_URL", database_url())
    os.environ["YIZHAN_WORKERS"] = str(workers)
    console.print(f"Yizhan 驿站: http://{host}:{port}/")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def main() -> None:
    """Entry point of the ``yizhan`` console script."""
    try:
        app()
    except YizhanError as exc:
        err_console.print(f"[red]错误：{exc.zh}[/red]")
        err_console.print(f"[red]error: {exc.en}[/red]")
        sys.exit(2)
