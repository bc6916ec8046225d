"""The way to one public station: the walking path behind the distance nearest gives.

The rules are nearest's (:func:`geo.stations.lookup.nearest`), taken from the same
functions, so the path drawn has the length of the distance listed:

* no walk network, or the person farther than ``walk_max_snap_m`` from it: the straight
  line (``distance_basis`` ``straight_line``);
* a person and a station closer to each other than to the street: the straight line,
  which is then the walk (:mod:`geo.network.straight`);
* a station on another piece of the walk network than the person: the straight line,
  ``distance_kind`` ``straight`` with the note nearest gives;
* otherwise the shortest walk along the network (:func:`geo.network.route.walk_path`).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import psycopg
from pydantic import BaseModel

from geo.crs import CRSName, from_wgs84
from geo.errors import NotFound
from geo.network import walk
from geo.network.route import walk_path
from geo.network.straight import straight_is_walk
from geo.settings import LookupSettings
from geo.stations import lookup
from geo.stations import sql as stations_sql


class RouteProperties(BaseModel):
    """What the route's GeoJSON feature says besides its line."""

    station_id: int
    distance_m: float
    #: The line's own length, summed from its parts as the walk network measures them.
    length_m: float
    walking_min: float
    distance_kind: Literal["walk", "straight"]
    distance_basis: Literal["walking", "straight_line"]
    distance_note: str | None = None
    distance_note_en: str | None = None
    crs: CRSName


class RouteGeometry(BaseModel):
    """A GeoJSON LineString."""

    type: Literal["LineString"] = "LineString"
    coordinates: list[tuple[float, float]]


class Route(BaseModel):
    """The way to a station as a GeoJSON Feature (coordinates in ``properties.crs``)."""

    type: Literal["Feature"] = "Feature"
    geometry: RouteGeometry
    properties: RouteProperties


def route(
    conn: psycopg.Connection[Any],
    station_id: int,
    lon: float,
    lat: float,
    *,
    crs: CRSName,
    settings: LookupSettings,
) -> Route:
    """The walking path from a WGS-84 position to a public station, in ``crs``.

    Raises
    ------
    NotFound
        When there is no public station ``station_id``.
    """
    row = stations_sql.station_from(conn, station_id, lon, lat)
    if row is None:
        raise NotFound(
            f"没有编号为 {station_id} 的开放站点", f"no open station with id {station_id}"
        )
    here, there = (lon, lat), (float(row["lon"]), float(row["lat"]))
    straight = float(row["straight_m"])
    net = walk.load(conn)
    origin = net.snap(lon, lat) if net is not None else None
    basis, _, _ = lookup.distance_basis(origin, settings)
    coords: list[tuple[float, float]] = [here, there]
    distance, length = straight, straight
    kind: Literal["walk", "straight"] = "straight"
    note = note_en = None
    if basis == "walking":
        assert net is not None and origin is not None
        target = net.snap_remembered([there[0]], [there[1]])
        at_hand = bool(straight_is_walk(straight, origin.offset[0], target.offset)[0])
        pieces = net.graph.edge_piece(np.r_[origin.edge[:1], target.edge[:1]])
        kind = "walk"
        if at_hand:
            distance = straight
        elif pieces[0] != pieces[1]:
            kind, note, note_en = "straight", lookup.CUT_OFF_NOTE, lookup.CUT_OFF_NOTE_EN
        else:
            distance = float(net.walking_m(origin, target, np.inf)[0])
            path = walk_path(net, here, there)
            if path is not None:
                coords, length = path.coords, path.length_m
    x, y = from_wgs84([c[0] for c in coords], [c[1] for c in coords], crs)
    speed = settings.walk_speed_kmh * 1000 / 60
    return Route(
        geometry=RouteGeometry(
            coordinates=[
                (round(float(a), 7), round(float(b), 7))
                for a, b in zip(np.atleast_1d(x), np.atleast_1d(y), strict=True)
            ]
        ),
        properties=RouteProperties(
            station_id=station_id,
            distance_m=round(distance, 1),
            length_m=round(length, 1),
            walking_min=round(distance / speed, 1),
            distance_kind=kind,
            distance_basis=basis,
            distance_note=note,
            distance_note_en=note_en,
            crs=crs,
        ),
    )
