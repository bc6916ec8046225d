"""The city as coverage sees it: walk network, main streets, districts and the cell grid,
read from PostGIS and projected into the walk network's metric CRS
(:func:`geo.network.walk.metric_epsg`). The walk network itself comes from the
per-process cache of :func:`geo.network.walk.load`.

Loading is the slow part (geometry from the database, snapping of every cell centre and
street sample); a :class:`City` is then evaluated for any number of station sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
import shapely
from numpy.typing import NDArray

from geo.coverage.geometry import grid_cells, sample_along, transform
from geo.db import coverage as coverage_db
from geo.errors import NotLoaded
from geo.network import walk
from geo.network.graph import Snap
from geo.network.walk import WalkNetwork

Geoms = NDArray[np.object_]
Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

# Main streets that are not part of the walk network (e.g. a main street with
# access=private) are measured by snapping points every SAMPLE_M metres along them onto
# the network. Roads nobody walks on (motorways, foot=no, elevated trunk roads, see
# geo.io.streets.NOT_WALKABLE_REASONS) are no main streets at all: they are only listed.
SAMPLE_M = 10.0


@dataclass
class City:
    """Everything coverage needs except the stations, in metric coordinates."""

    epsg: int
    network: WalkNetwork
    # main streets
    main_id: Ints
    main_name: NDArray[np.object_]
    main_length: Floats
    main_geom: Geoms
    main_edge: Ints  # walk edge carrying the street, -1 when it is not walkable
    sample_owner: Ints  # main street of each sample piece (non-walkable streets)
    sample_lo: Floats
    sample_hi: Floats
    sample_snap: Snap
    # main streets by class or name that nobody walks on: out of the figures, listed apart
    not_walkable: list[dict[str, Any]]
    sample_point: Geoms  # the sample's midpoint (metric), the point that is snapped
    # districts and the grid of their cells (key districts only)
    district_name: NDArray[np.object_]
    district_key: NDArray[np.bool_]
    district_geom: Geoms
    district_area_m2: Floats
    cell_m: float
    cell_owner: Ints
    cell_geom: Geoms
    cell_area: Floats
    cell_centre: Geoms
    cell_snap: Snap

    @property
    def has_main_streets(self) -> bool:
        """Whether any main street is loaded (coverage of streets means nothing without)."""
        return len(self.main_id) > 0

    def to_lonlat(self, geoms: Geoms) -> Geoms:
        """Geometries in the city's metric CRS back in WGS-84 lon/lat."""
        return transform(geoms, self.epsg, 4326)

    def project(self, geoms: Geoms) -> Geoms:
        """WGS-84 geometries in the city's metric CRS."""
        return transform(geoms, 4326, self.epsg)


def load_city(conn: psycopg.Connection[Any], *, cell_m: float, sample_m: float = SAMPLE_M) -> City:
    """Read the network, main streets and districts and prepare them for coverage.

    Raises
    ------
    NotLoaded
        When no walk network is loaded.
    """
    network = walk.load(conn)
    if network is None:
        raise NotLoaded(
            "尚未导入步行路网，无法计算覆盖：请先运行 yizhan import streets",
            "no walk network is loaded, so coverage cannot be computed: "
            "run `yizhan import streets` first",
        )
    epsg = network.epsg

    main = coverage_db.main_streets(conn)
    main_geom = transform(main["geom"], 4326, epsg)
    edge_of_street = dict(
        zip(network.street_id.tolist(), range(network.graph.n_edges), strict=True)
    )
    main_edge = np.array([edge_of_street.get(int(s), -1) for s in main["id"]], dtype=np.int64)
    # Main streets not in the walk network: pieces of at most sample_m metres, each
    # represented by its midpoint snapped onto the network.
    off = np.flatnonzero(main_edge < 0)
    owner, lo, hi = sample_along(main["length_m"][off], sample_m)
    owner = off[owner]
    frac = (lo + hi) / 2 / np.where(main["length_m"][owner] > 0, main["length_m"][owner], 1)
    mids = shapely.line_interpolate_point(main_geom[owner], frac, normalized=True)
    sample_snap = network.snap_points(mids)

    dist = coverage_db.districts(conn)
    district_geom = transform(dist["geom"], 4326, epsg)
    key = np.flatnonzero(dist["is_key"])
    cell_owner, cell_geom, centre = grid_cells(district_geom[key], cell_m)
    cell_owner = key[cell_owner]
    return City(
        epsg=epsg,
        network=network,
        main_id=main["id"],
        main_name=main["name"],
        main_length=main["length_m"],
        main_geom=main_geom,
        main_edge=main_edge,
        sample_owner=owner,
        sample_lo=lo,
        sample_hi=hi,
        sample_snap=sample_snap,
        not_walkable=coverage_db.not_walkable_main(conn),
        sample_point=mids,
        district_name=dist["name"],
        district_key=dist["is_key"],
        district_geom=district_geom,
        district_area_m2=dist["area_m2"],
        cell_m=cell_m,
        cell_owner=cell_owner,
        cell_geom=cell_geom,
        cell_area=shapely.area(cell_geom),
        cell_centre=centre,
        cell_snap=network.snap_points(centre),
    )
