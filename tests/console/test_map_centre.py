"""Where the staff pages' maps start (the Unlocated, Import and station pages, /staff): on
the imported streets, not at a point of the districts that may lie far from any street.
Found on real data: Shenzhen's ten districts around a Futian street network put the start
15 km north of the streets, where a person placing a station saw no street at all."""

from __future__ import annotations

import json
import re

import shapely

from geo.db import network as network_db
from tests.helpers.cities import load_district, load_streets, lonlat

# A 40 km district and a small grid of streets in its south-west corner.
STREETS = [
    {"coords": [(1000, 1000), (3000, 1000)], "name": "深南大道"},
    {"coords": [(1000, 2000), (3000, 2000)], "name": "福华路"},
    {"coords": [(2000, 500), (2000, 2500)], "name": "金田路"},
]


def _config(html: str, script_id: str) -> dict:
    match = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', html)
    assert match, script_id
    return json.loads(match.group(1))


def test_maps_start_on_the_streets_not_at_the_districts_point(db, client) -> None:
    load_district(db, "大区", (0, 0, 40_000, 40_000))
    assert network_db.map_centre(db) == network_db.service_centre(db)  # no streets yet
    load_streets(db, STREETS)

    lon, lat = network_db.map_centre(db)
    on_street = min(
        shapely.LineString([lonlat(*c) for c in s["coords"]]).distance(shapely.Point(lon, lat))
        for s in STREETS
    )
    assert on_street < 1e-9  # on a street
    (west, south), (east, north) = lonlat(1000, 500), lonlat(3000, 2500)
    assert west <= lon <= east and south <= lat <= north  # within the streets' extent ...
    far = network_db.service_centre(db)
    assert far is not None and abs(far[0] - lon) > 0.05  # ... not the district's point

    centre = _config(client.get("/staff").text, "staff-config")["centre"]
    assert centre == [lon, lat]


def test_with_analysed_streets_the_estimate_gives_the_same_street(db) -> None:
    load_district(db, "大区", (0, 0, 40_000, 40_000))
    load_streets(db, STREETS)
    computed = network_db.map_centre(db)
    db.execute("ANALYZE streets")
    lon, lat = network_db.map_centre(db)
    assert abs(lon - computed[0]) < 1e-3 and abs(lat - computed[1]) < 1e-3
