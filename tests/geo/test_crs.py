"""Coordinate conversion WGS-84 ⇄ GCJ-02 ⇄ BD-09 against published pairs."""

from __future__ import annotations

import numpy as np
import pytest

from geo import crs
from geo.errors import UnknownCRS

# Published outputs of the widely used coordtransform library (same constants as ours).
COORDTRANSFORM = {
    "wgs84_to_gcj02": ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    "gcj02_to_bd09": ((116.404, 39.915), (116.41036949371029, 39.92133699351021)),
}

# coordtransform inverts BD-09 with a one-step closed form; ours iterates to the exact
# inverse, so the two agree to ~5 cm and ours round-trips exactly (tested below).
BD09_TO_GCJ02_PUBLISHED = ((116.404, 39.915), (116.39762729119315, 39.90865673957631))

# eviltransform's test table (wgs lat, lng -> gcj lat, lng); that library uses a
# slightly different earth radius, so agreement is to ~0.1 m rather than exact.
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize("name", sorted(COORDTRANSFORM))
def test_conversion_matches_published_pair(name: str) -> None:
    (lon, lat), (elon, elat) = COORDTRANSFORM[name]
    out_lon, out_lat = getattr(crs, name)(lon, lat)
    assert float(out_lon) == pytest.approx(elon, abs=1e-9)
    assert float(out_lat) == pytest.approx(elat, abs=1e-9)


def test_bd09_to_gcj02_close_to_published_closed_form() -> None:
    (lon, lat), (elon, elat) = BD09_TO_GCJ02_PUBLISHED
    out_lon, out_lat = crs.bd09_to_gcj02(lon, lat)
    assert float(out_lon) == pytest.approx(elon, abs=1e-6)
    assert float(out_lat) == pytest.approx(elat, abs=1e-6)
    again = crs.gcj02_to_bd09(out_lon, out_lat)
    assert float(again[0]) == pytest.approx(lon, abs=1e-10)
    assert float(again[1]) == pytest.approx(lat, abs=1e-10)


@pytest.mark.parametrize("wlat,wlon,glat,glon", EVILTRANSFORM)
def test_wgs84_to_gcj02_agrees_with_eviltransform(wlat, wlon, glat, glon) -> None:
    lon, lat = crs.wgs84_to_gcj02(wlon, wlat)
    assert float(lon) == pytest.approx(glon, abs=2e-6)
    assert float(lat) == pytest.approx(glat, abs=2e-6)


def test_inverse_round_trips_are_sub_millimetre() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(100, 125, 500)
    lat = rng.uniform(20, 45, 500)
    for name in ("gcj02", "bd09"):
        back_lon, back_lat = crs.to_wgs84(*crs.from_wgs84(lon, lat, name), name)
        assert np.max(np.abs(back_lon - lon)) < 1e-8
        assert np.max(np.abs(back_lat - lat)) < 1e-8


def test_gcj02_offset_in_shenzhen_is_hundreds_of_metres() -> None:
    lon, lat = 114.02, 22.54
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    dx = (float(glon) - lon) * 111_320 * np.cos(np.radians(lat))
    dy = (float(glat) - lat) * 110_540
    assert 300 < np.hypot(dx, dy) < 700


def test_points_outside_china_are_not_shifted_by_gcj02() -> None:
    lon, lat = crs.wgs84_to_gcj02(24.94, 60.17)  # Helsinki
    assert (float(lon), float(lat)) == (24.94, 60.17)


@pytest.mark.parametrize(
    "alias,expected",
    [("GCJ-02", "gcj02"), ("baidu", "bd09"), ("EPSG:4326", "wgs84"), (" wgs84 ", "wgs84")],
)
def test_parse_crs_accepts_common_spellings(alias: str, expected: str) -> None:
    assert crs.parse_crs(alias) == expected


def test_parse_crs_rejects_unknown_with_chinese_message() -> None:
    with pytest.raises(UnknownCRS) as err:
        crs.parse_crs("mars")
    assert "未知的坐标系" in err.value.zh and "wgs84" in err.value.en


def test_utm_zone_for_shenzhen() -> None:
    assert crs.utm_epsg(114.05, 22.54) == 32650
