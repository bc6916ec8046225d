"""A detailed district (300,000 vertices) with a neighbour sharing its edge (#11): the
union of all districts was computed on every write. Speed is not asserted here (no timed
tests; the figures are in the closing note of #11); this checks the answers without it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.db import network as network_db
from tests.helpers.staff import station

CENTRE = (114.0579, 22.5431)


def _load_detailed_district(db) -> int:
    t = np.linspace(0, 2 * np.pi, 300_000, endpoint=False)
    r = 0.05 * (1 + 0.01 * np.sin(t * 997))  # a wiggly coastline-like edge
    ring = shapely.Polygon(np.c_[CENTRE[0] + r * np.cos(t), CENTRE[1] + r * np.sin(t)])
    # Its neighbour shares the whole detailed edge, as real district boundaries do.
    other = shapely.box(*shapely.bounds(ring.buffer(0.01))).difference(ring)
    frame = gpd.GeoDataFrame(
        {"name": ["细节区", "外环区"], "code": [None, None], "area_m2": [2.9e7, 2.0e7]},
        geometry=[shapely.MultiPolygon([ring]), shapely.MultiPolygon([other])],
        crs=4326,
    )
    with db.transaction():
        network_db.upsert_districts(db, frame, key_names=[], all_key=False, source="test")
    return shapely.get_num_coordinates(ring)


def test_the_service_area_check_answers_without_a_union_of_districts(db, client, staff) -> None:
    assert _load_detailed_district(db) >= 300_000
    assert network_db.outside_service_area_m(db, *CENTRE) == 0.0
    # In the neighbour (a frame around the detailed one): inside too.
    assert network_db.outside_service_area_m(db, CENTRE[0] + 0.0555, CENTRE[1]) == 0.0
    assert 18_000 < network_db.outside_service_area_m(db, 114.30, 22.5431) < 19_500
    assert client.post("/api/v1/stations", json=station(), headers=staff).status_code == 201
    far = station(name="远方驿站", lon=114.40, lat=22.5431)
    r = client.post("/api/v1/stations", json=far, headers=staff)
    assert r.status_code == 422 and "km" in r.json()["message_en"]
