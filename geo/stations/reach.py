"""Whether the public stations can reach the walk network: its connected pieces and the
stations standing on small ones (#12 item 1).

Shown by the street import's report, ``yizhan db status`` and ``/api/v1/summary``. A
station whose nearest walk edge lies on a piece shorter than
``YIZHAN_WALK_SMALL_PIECE_M`` is listed with its piece's length: its walking distances
end at the piece's ends, so coverage and the nearest lookup cannot see past them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from geo.network import pieces as pieces_mod
from geo.network import walk
from geo.network.walk import WalkNetwork
from geo.settings import LookupSettings
from geo.stations import sql

# The stored network's pieces, for its version (the summary asks on every request).
_stored: dict[str, pieces_mod.Pieces] = {}


def _stored_pieces(net: WalkNetwork) -> pieces_mod.Pieces:
    found = _stored.get(net.version)
    if found is None:
        found = pieces_mod.pieces(net.graph)
        _stored.clear()
        _stored[net.version] = found
    return found


def network_health(
    conn: psycopg.Connection[Any],
    settings: LookupSettings,
    net: WalkNetwork | None = None,
    today: dt.date | None = None,
) -> dict[str, Any] | None:
    """The walk network's pieces and the public stations on small ones.

    Parameters
    ----------
    conn : Connection
        Reads the public stations (and the walk network when ``net`` is not given).
    settings : LookupSettings
        ``walk_small_piece_m`` (what is small) and ``walk_max_snap_m`` (how far a station
        may stand from the network and still join it).
    net : WalkNetwork, optional
        The network to judge (an import judges the one it is storing); by default the
        stored one.
    today : date, optional
        Whose public stations: those public on this day (default the city's today; a
        report passes its as-of date).

    Returns
    -------
    dict or None
        ``pieces``, ``largest_piece_share`` (0–1, of the walk length), ``small_piece_m``,
        ``stations_on_small_pieces`` (``id``, ``name``, ``kind``, ``piece_m``; smallest
        piece first) and ``stations_off_network`` (farther than the snap limit); None when
        no walk network is loaded.
    """
    if net is None:
        net = walk.load(conn)
        if net is None:
            return None
        found = _stored_pieces(net)
    else:
        found = pieces_mod.pieces(net.graph)
    stations = sql.public_positions(conn, today)
    small = pieces_mod.on_small_pieces(
        net,
        found,
        [s["lon"] for s in stations],
        [s["lat"] for s in stations],
        small_piece_m=settings.walk_small_piece_m,
        max_snap_m=settings.walk_max_snap_m,
    )
    listed = [
        {
            "id": stations[i]["id"],
            "name": stations[i]["name"],
            "kind": stations[i]["kind"],
            "piece_m": round(float(m), 1),
        }
        for i, m in zip(small.index.tolist(), small.piece_m.tolist(), strict=True)
    ]
    listed.sort(key=lambda s: (s["piece_m"], s["id"]))
    return {
        "pieces": found.count,
        "largest_piece_share": round(found.largest_share, 4),
        "small_piece_m": settings.walk_small_piece_m,
        "stations_on_small_pieces": listed,
        "stations_off_network": small.off_network,
    }
