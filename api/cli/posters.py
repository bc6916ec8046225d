"""``yizhan stations posters``: a printable QR poster per public station (issue 15).

Each poster (A4 or A5) shows the station's kind, name, services and hours in words, and a
QR code to its own page ``{base_url}/s/{id}`` with "扫码签到 · 报告问题". The base URL is
``--base-url`` or ``YIZHAN_PUBLIC_URL``; without one no poster is made (a QR code to
localhost is useless on a phone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from api.cli.common import console


def posters(  # noqa: PLR0913 - one parameter per option
    out: Annotated[Path, typer.Option(help="输出目录 / the folder to write into")],
    kind: Annotated[
        str | None,
        typer.Option(
            help="此类型的全部公开站点 / every public station of this kind: love_station | …"
        ),
    ] = None,
    station: Annotated[
        int | None, typer.Option(min=1, help="只做这一个站点 / only this station (id)")
    ] = None,
    format: Annotated[  # noqa: A002 - the option's name
        Literal["pdf", "png", "both"], typer.Option(help="pdf | png | both")
    ] = "both",
    size: Annotated[Literal["a4", "a5"], typer.Option(help="纸张 / paper: a4 | a5")] = "a4",
    base_url: Annotated[
        str | None,
        typer.Option(help="公开网址（默认 YIZHAN_PUBLIC_URL）/ the public address people reach"),
    ] = None,
) -> None:
    """Make a printable QR poster (PNG per station, one PDF of them all, a page each) for
    every public station of --kind, or for --station ID."""
    from geo.db.connection import connect
    from geo.errors import InvalidInput
    from geo.operations import posters as posters_mod
    from geo.settings import get_settings

    if (kind is None) == (station is None):
        raise InvalidInput("请给出 --kind 或 --station 其中之一", "give one of --kind or --station")
    base = posters_mod.base_url(base_url or get_settings().operations.public_url)
    posters_mod.find_font()  # a clear error before any work when no CJK font is installed
    with connect(autocommit=True) as conn:
        stations = posters_mod.poster_stations(conn, kind=kind, station_id=station)
    if not stations:
        console.print(f"没有 {kind} 类型的公开站点 / no public station of kind {kind}")
        return
    name = f"posters-{kind}" if station is None else f"poster-{station}"
    written = posters_mod.write_posters(stations, base, out, fmt=format, size=size, name=name)
    console.print(
        f"已制作 {len(stations)} 个站点的海报 / posters of {len(stations)} stations: "
        f"{len(written)} 个文件 files in {out}",
        highlight=False,
    )
    for path in written:
        console.print(f"  {path}", highlight=False)
