"""``yizhan db …``: the managed local PostGIS cluster (or DATABASE_URL), migrations, backups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import console
from geo.db.backup import backup, restore
from geo.db.cluster import ManagedCluster
from geo.settings import get_settings

db_app = typer.Typer(
    help="数据库 / the database (managed local PostGIS or DATABASE_URL)", no_args_is_help=True
)


def _cluster() -> ManagedCluster:
    return ManagedCluster(get_settings().database)


def _external() -> bool:
    return bool(get_settings().database.database_url)


def _bindir() -> str | None:
    if _external():
        return None
    info = _cluster().info()
    return info.bindir if info else None


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
    # Lazy: psycopg and geopandas (geo.db.network) would slow every start-up of the CLI.
    from geo.db import network
    from geo.db.connection import connect, database_url
    from geo.db.migrate import applied, available
    from geo.health import data_health
    from geo.stations import sql as stations

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
            _print_health(data_health(conn, get_settings().lookup))


def _print_health(findings: list[dict[str, Any]]) -> None:
    """The data health (geo.health): one line per finding, marked ✓ ok, · info, ! warn."""
    from geo.health import LEVEL_MARK

    console.print("数据健康 / data health:")
    for f in findings:
        console.print(f"  {LEVEL_MARK[f['level']]} {f['zh']}", markup=False)
        console.print(f"    {f['en']}", markup=False, style="dim")
        for item in f["items"]:
            console.print(f"      {item}", markup=False)
        if f["more"]:
            console.print(f"      … 另有 {f['more']} 项 / and {f['more']} more", markup=False)


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending schema migrations."""
    # Lazy: psycopg would slow every start-up of the CLI.
    from geo.db.connection import connect
    from geo.db.migrate import migrate

    with connect() as conn:
        done = migrate(conn)
    names = ", ".join(f"{m.version:04d}_{m.name}" for m in done) or "无 / none"
    console.print(f"已应用的迁移 / migrations applied: {names}")


@db_app.command("url")
def db_url() -> None:
    """Print the database URL (for psql, QGIS or DATABASE_URL elsewhere)."""
    from geo.db.connection import database_url  # lazy: psycopg slows every start-up

    print(database_url())


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="备份文件 / backup file to write")],
) -> None:
    """Back up the whole database (pg_dump custom format)."""
    from geo.db.connection import database_url  # lazy: psycopg slows every start-up

    size = backup(database_url(), file, bindir=_bindir())
    console.print(f"已备份 / backed up: {file} ({size / 1e6:.1f} MB)")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="yizhan db backup 生成的文件 / a backup file")],
    yes: Annotated[bool, typer.Option("--yes", help="不再确认 / do not ask")] = False,
) -> None:
    """Replace the database's content with a backup (all or nothing)."""
    from geo.db.connection import database_url  # lazy: psycopg slows every start-up

    if not yes and not typer.confirm("这会替换数据库中的全部数据 / this replaces all data. Go on?"):
        raise typer.Exit(1)
    restore(database_url(), file, bindir=_bindir())
    console.print(f"已恢复 / restored from {file}")
