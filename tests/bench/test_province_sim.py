"""The province simulation (bench/province_sim.py): a city's coverage job gives the same
figures on a Dask worker as in one process, built there or scattered to it."""

from __future__ import annotations

import pytest

pytest.importorskip(
    "dask.distributed", reason="dask[distributed] is a bench extra: pip install -e '.[bench]'"
)

from bench import province_sim  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster, client, _ = province_sim.start_cluster(workers=2)
    yield client
    client.close()
    cluster.close()


def test_two_small_cities_have_the_same_figures_on_dask_as_serially(client) -> None:
    specs = province_sim.province(2, 2_000, 4_000)
    serial = province_sim.run_serial(specs)["jobs"]
    on_dask = province_sim.run_dask(client, specs)["jobs"]
    scattered = province_sim.run_scattered(client, specs)["jobs"]

    assert [j["city"] for j in serial] == ["city00", "city01"]
    assert [j["edges"] for j in serial] == [2_000, 4_000]
    # real figures, not an empty city: part of the streets and areas is covered
    for job in serial:
        assert 0 < job["main_street_share"] < 1
        assert 0 < job["key_district_share"] < 1
        assert job["geometries"] > 0
    assert serial[0]["digest"] != serial[1]["digest"]
    assert province_sim.same_figures(serial, on_dask)
    assert province_sim.same_figures(serial, scattered)
    # the tasks really ran in the workers, not in this process
    assert {j["pid"] for j in on_dask}.isdisjoint({j["pid"] for j in serial})
