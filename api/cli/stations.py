"""``yizhan stations …``: stations kept without a position, and placing them.

An address-only row of a station list is kept as an unlocated draft (#12 item 10);
``unlocated`` lists them, ``locate`` gives one its position. Both act as the
operating-system user (``cli:NAME``) with the rights of an admin: whoever runs the command
reaches the database anyway.
"""

from __future__ import annotations

import csv
import getpass
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from api.cli.common import console
from geo.errors import InvalidInput

if TYPE_CHECKING:
    from geo.accounts import User

stations_app = typer.Typer(help="站点 / stations", no_args_is_help=True)

#: The columns of ``yizhan stations unlocated --format csv``.
CSV_COLUMNS = (
    "id",
    "kind",
    "name",
    "address",
    "district",
    "source",
    "external_id",
    "review_state",
    "created_by",
    "created_at",
)


def _cli_user() -> User:
    """The operating-system user, acting with an admin's rights (named in the audit)."""
    from geo.accounts import User

    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or passwd database
        name = "unknown"
    return User(id=0, name=f"cli:{name}", role="admin")


@stations_app.command("unlocated")
def unlocated(
    kind: Annotated[
        str | None, typer.Option(help="只列此类型 / only this kind: love_station | …")
    ] = None,
    format: Annotated[str, typer.Option(help="table | csv")] = "table",
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="最多列出 / at most")] = 1000,
) -> None:
    """List the stations without a position (address-only rows), oldest first: id, name,
    address, the file's district, source and when imported. ``--format csv`` writes
    every column to standard output."""
    from geo import clock
    from geo.db.connection import connect
    from geo.stations.edits import unlocated_stations
    from geo.vocab import KINDS

    if format not in ("table", "csv"):
        raise InvalidInput(
            f"未知的格式「{format}」，可选：table、csv", f"unknown format '{format}': table or csv"
        )
    if kind is not None and kind not in KINDS:
        raise InvalidInput(
            f"未知的站点类型「{kind}」，可选：{', '.join(KINDS)}",
            f"unknown station kind '{kind}': use one of {', '.join(KINDS)}",
        )
    with connect(autocommit=True) as conn:
        rows, total = unlocated_stations(conn, _cli_user(), kind=kind, limit=limit)
    zone = clock.zone()
    for row in rows:
        row["created_at"] = row["created_at"].astimezone(zone)
    if format == "csv":
        _write_csv(rows)
    else:
        _print_table(rows, total)


def _write_csv(rows: list[dict[str, Any]]) -> None:
    from geo.spreadsheet import cell_text

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = {**row, "created_at": row["created_at"].isoformat(timespec="seconds")}
        writer.writerow([cell_text(values[c]) for c in CSV_COLUMNS])


def _print_table(rows: list[dict[str, Any]], total: int) -> None:
    """Two lines a station, so that it reads at 80 columns: name over address, district
    over source; long texts are folded, never cut."""
    if total == 0:
        console.print("没有未定位的站点 / no unlocated stations")
        return
    table = Table(
        title=f"未定位的站点 / unlocated stations: {total}",
        caption="yizhan stations locate ID --lon X --lat Y --crs wgs84|gcj02|bd09",
        padding=(0, 1),
    )
    table.add_column("编号 id", no_wrap=True, justify="right")
    table.add_column("名称 name\n地址 address", overflow="fold", ratio=3)
    table.add_column("区县 district\n来源 source", overflow="fold", ratio=1)
    table.add_column("导入 imported", no_wrap=True)
    for row in rows:
        table.add_row(
            str(row["id"]),
            f"{row['name']}\n{row['address'] or '—'}",
            f"{row['district'] or '—'}\n{row['source'] or '—'}",
            row["created_at"].strftime("%Y-%m-%d\n%H:%M"),
        )
    console.print(table)
    if total > len(rows):
        hidden = total - len(rows)
        console.print(
            f"… 另有 {hidden} 个未列出（共 {total}，见 --limit）/ and {hidden} more not listed "
            f"(of {total}; see --limit)"
        )


@stations_app.command("locate")
def locate(  # noqa: PLR0913 - one parameter per option
    station_id: Annotated[int, typer.Argument(min=1, help="站点编号 / station id")],
    lon: Annotated[float, typer.Option(help="经度 / longitude")],
    lat: Annotated[float, typer.Option(help="纬度 / latitude")],
    crs: Annotated[
        str, typer.Option(help="坐标系 / coordinates: wgs84 | gcj02 (高德/腾讯) | bd09 (百度)")
    ],
    move: Annotated[
        bool, typer.Option(help="站点已有位置时移动它 / move a station that has a position")
    ] = False,
    confirm_not_duplicate: Annotated[
        bool,
        typer.Option(help="附近的相似站点不是同一个 / the similar stations nearby are others"),
    ] = False,
    reason: Annotated[str | None, typer.Option(help="原因（记入历史）/ why (kept)")] = None,
) -> None:
    """Place a station without a position: converted to WGS-84, checked inside the
    service area, district from the position, audited. It stays a draft for a reviewer
    to publish. A station that has a position is refused unless --move."""
    from geo.crs import parse_crs
    from geo.db.connection import connect
    from geo.stations.edits import get_station, locate_station

    name = parse_crs(crs)
    with connect(autocommit=True) as conn:
        current = get_station(conn, station_id)
        outcome = locate_station(
            conn,
            _cli_user(),
            station_id,
            current["version"],
            (lon, lat, name),
            move=move,
            confirm_not_duplicate=confirm_not_duplicate,
            reason=reason,
        )
    row = outcome.station
    verb = "已移动 moved" if current["lon"] is not None else "已定位 located"
    console.print(
        f"{verb} #{row['id']} {row['name']}: {row['lon']:.6f}, {row['lat']:.6f} (WGS-84), "
        f"区县 district {row['district'] or '—'}",
        highlight=False,
    )
    if row["review_state"] != "approved":
        console.print(
            f"审核状态 review state: {row['review_state']}（草稿，发布须经审核 / a draft: a "
            f"reviewer publishes it: POST /api/v1/review/{row['id']}/approve）",
            highlight=False,
        )


# QR posters (issue 15) live in their own module.
from api.cli.posters import posters  # noqa: E402 - the command is defined after the group

stations_app.command("posters")(posters)
