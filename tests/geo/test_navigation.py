"""Navigation links (#14): Baidu's walking directions with the parameters its URI API
requires, Apple Maps for iPhones, ``geo:`` for Android."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from geo.crs import from_wgs84_point
from geo.navigation import links

STATION = (114.05, 22.54)
HERE = (114.045, 22.538)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_baidu_walking_link_has_every_required_parameter() -> None:
    nav = links(*STATION, "驿站 & <b>", origin=HERE)
    assert nav.baidu.startswith("https://api.map.baidu.com/direction?")
    q = query(nav.baidu)
    assert {"origin", "destination", "mode", "output", "src", "coord_type"} <= q.keys()
    assert q["mode"] == "walking" and q["output"] == "html" and q["coord_type"] == "bd09ll"
    assert q["src"].startswith("webapp.") and q["src"].count(".") == 2
    blon, blat = from_wgs84_point(*STATION, "bd09")
    assert q["destination"] == f"latlng:{blat:.6f},{blon:.6f}|name:驿站 & <b>"
    olon, olat = from_wgs84_point(*HERE, "bd09")
    assert q["origin"].startswith(f"latlng:{olat:.6f},{olon:.6f}|name:")


def test_baidu_link_without_an_origin_is_its_marker() -> None:
    q = query(links(*STATION, "驿站").baidu)
    assert {"location", "title", "content", "output", "src"} <= q.keys()


@pytest.mark.parametrize("origin", [None, HERE])
def test_apple_maps_link_for_iphones_walks_to_the_gcj02_point(origin) -> None:
    nav = links(*STATION, "驿站 A", origin=origin)
    assert nav.apple.startswith("https://maps.apple.com/?")
    q = query(nav.apple)
    glon, glat = from_wgs84_point(*STATION, "gcj02")
    assert q["daddr"] == f"{glat:.6f},{glon:.6f}" and q["dirflg"] == "w"
    assert q["q"] == "驿站 A"
    if origin is not None:
        olon, olat = from_wgs84_point(*HERE, "gcj02")
        assert q["saddr"] == f"{olat:.6f},{olon:.6f}"
    else:
        assert "saddr" not in q


def test_geo_uri_stays_for_android_in_wgs84() -> None:
    nav = links(*STATION, "驿站")
    assert nav.geo.startswith("geo:22.540000,114.050000?q=")
