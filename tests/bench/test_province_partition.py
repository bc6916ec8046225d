"""Coverage is local to D (bench/province_sim.py's partition check): half a city plus a
strip of D of its neighbour's network and stations covers that half exactly as the
whole city does. No Dask needed."""

from __future__ import annotations

from bench import province_sim


def test_half_a_city_plus_a_d_strip_is_covered_exactly_as_in_the_whole_city() -> None:
    with_strip = province_sim.partition_check(20_000, buffer_m=province_sim.D)
    without = province_sim.partition_check(20_000, buffer_m=0.0)

    assert with_strip["identical"]
    assert with_strip["part_edges"] < with_strip["edges"]
    assert with_strip["stations_in_part"] < with_strip["stations"]
    # without the strip, stations just across the cut are lost: the check can fail
    assert not without["identical"]
    assert without["covered_west_part_m"] < without["covered_west_whole_m"]
