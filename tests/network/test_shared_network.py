"""The walk network shared by the workers (#18 item 3): its arrays written once per network
version into the cache folder and memory-mapped, snapped without a shapely line per edge.

Every answer must be the in-memory network's (one shapely line per edge and an STRtree):
snaps, walking metres and reach, on a small hand-made network and on Futian. A new network
version writes a new folder and the old one is not read; a short or altered file is never
read but built again; writers racing for the same version leave one valid folder.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo.network import graph as graph_mod
from geo.network import netcache, walk
from geo.network.walk import WalkNetwork, network_arrays
from tests.helpers.nearest_city import ll, load_network


def _key(conn) -> str:
    return walk._key(conn)


def _both(conn, root: Path) -> tuple[WalkNetwork, WalkNetwork]:
    version = walk.sql.version(conn)
    old = walk.build(conn, _key(conn), version, None)
    new = walk.build(conn, _key(conn), version, root)
    assert old is not None and new is not None
    return old, new


def assert_same_answers(old: WalkNetwork, new: WalkNetwork, lon, lat) -> None:
    """Same snaps, walking metres from several origins, and coverage reach.

    Where a point's nearest place is a node of several edges (a tie), the STRtree may
    name any of them and the grid names the lowest: the foot point is the same node."""
    a, b = old.snap(lon, lat), new.snap(lon, lat)
    np.testing.assert_allclose(a.offset, b.offset, rtol=0, atol=1e-9)
    same = a.edge == b.edge
    np.testing.assert_allclose(a.along[same], b.along[same], rtol=0, atol=1e-9)
    tie = ~same
    assert tie.mean() < 0.25
    foot_a = shapely.line_interpolate_point(
        old.edge_geom[a.edge[tie]], a.along[tie] / old.edge_length[a.edge[tie]], normalized=True
    )
    foot_b = shapely.line_interpolate_point(
        new.edge_geom[b.edge[tie]], b.along[tie] / new.edge_length[b.edge[tie]], normalized=True
    )
    assert np.all(shapely.distance(foot_a, foot_b) < 1e-6)
    for i in range(0, len(a.edge), max(len(a.edge) // 5, 1)):
        np.testing.assert_allclose(
            old.walking_m(a.take([i]), a, 3000.0), new.walking_m(b.take([i]), b, 3000.0),
            rtol=0, atol=1e-9,
        )  # fmt: skip
    ra = graph_mod.reach(old.graph, a.take(slice(0, 10)), 800.0)
    rb = graph_mod.reach(new.graph, b.take(slice(0, 10)), 800.0)
    np.testing.assert_allclose(ra.node_distance, rb.node_distance, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(old.graph.node_piece, new.graph.node_piece)
    assert all(shapely.equals_exact(np.asarray(old.edge_geom), np.asarray(new.edge_geom), 0))
    e = int(a.edge[0])
    assert shapely.equals_exact(old.edge_geom[e], new.edge_geom[e], 0)
    np.testing.assert_array_equal(old.street_id, new.street_id)
    assert old.epsg == new.epsg


def test_cached_network_answers_as_the_in_memory_one(db, tmp_path) -> None:
    load_network(db)
    old, new = _both(db, tmp_path)
    assert new.grid is not None and isinstance(new.graph.source, np.memmap)
    rng = np.random.default_rng(3)
    lon, lat = ll(rng.uniform(-900, 900, 400), rng.uniform(-400, 600, 400))
    # Points on a node (a tie between edges), on an edge, and far out.
    lon = np.r_[lon, ll(0, 0)[0], ll(250, 0)[0], ll(30_000, 5_000)[0]]
    lat = np.r_[lat, ll(0, 0)[1], ll(250, 0)[1], ll(30_000, 5_000)[1]]
    a, b = old.snap(lon[-3:], lat[-3:]), new.snap(lon[-3:], lat[-3:])
    np.testing.assert_allclose(a.offset, b.offset, rtol=0, atol=1e-9)
    assert_same_answers(old, new, lon[:-3], lat[:-3])
    assert len(new.tree.query(new.edge_geom[0])) >= 1  # the STRtree, built on demand


def test_cached_network_answers_as_the_in_memory_one_on_futian(shared_data) -> None:
    from geo.importers import build_walk_network, read_streets

    net = build_walk_network(read_streets(shared_data / "shenzhen-futian/streets.geojson").streets)
    e = net.edges
    edges = {
        "source": e["source"].to_numpy(),
        "target": e["target"].to_numpy(),
        "length_m": e["length_m"].to_numpy(dtype=float),
        "street_id": e["street_index"].to_numpy() + 1,
        "geom": e.geometry.to_numpy(),
    }
    old = WalkNetwork.from_edges(edges, "v")
    new = WalkNetwork.from_arrays(network_arrays(edges), "v")
    xmin, ymin, xmax, ymax = shapely.total_bounds(edges["geom"])
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(xmin, xmax, 3000), rng.uniform(ymin, ymax, 3000)
    assert_same_answers(old, new, lon, lat)


def test_new_network_version_writes_a_new_cache_and_drops_the_old(
    db, tmp_path, monkeypatch
) -> None:
    from geo.settings import get_settings

    monkeypatch.setenv("YIZHAN_CACHE_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        load_network(db)
        first = walk.load(db)
        assert first is not None and first.grid is not None
        folders = [p.name for p in tmp_path.iterdir()]
        assert folders == [netcache.folder(tmp_path, _key(db), first.version).name]
        db.execute("UPDATE walk_edges SET length_m = length_m * 2")
        second = walk.load(db)
        assert second is not None and second.version != first.version
        assert [p.name for p in tmp_path.iterdir()] == [
            netcache.folder(tmp_path, _key(db), second.version).name
        ]
        np.testing.assert_allclose(second.edge_length, 2 * first.edge_length)
    finally:
        monkeypatch.delenv("YIZHAN_CACHE_DIR")
        get_settings.cache_clear()
        walk._cache.clear()


@pytest.mark.parametrize("damage", ["truncate", "flip", "meta", "missing"])
def test_damaged_cache_is_not_read_but_built_again(db, tmp_path, damage) -> None:
    load_network(db)
    old, new = _both(db, tmp_path)
    (path,) = tmp_path.iterdir()
    target = path / "line_x.npy"
    data = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(data[: len(data) - 8])
    elif damage == "flip":
        target.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    elif damage == "meta":
        (path / "meta.json").write_text('{"format": 1, "arr')
    else:
        target.unlink()
    assert netcache.read(path) is None
    again = walk.build(db, _key(db), old.version, tmp_path)
    assert again is not None and netcache.read(path) is not None
    rng = np.random.default_rng(4)
    lon, lat = ll(rng.uniform(-900, 900, 100), rng.uniform(-400, 600, 100))
    assert_same_answers(old, again, lon, lat)


def test_concurrent_writers_leave_one_valid_folder(tmp_path) -> None:
    rng = np.random.default_rng(0)
    arrays = {"a": rng.normal(size=200_000), "b": np.arange(100_000)}
    path = netcache.folder(tmp_path, "db", "v1")
    errors: list[BaseException] = []
    seen: list[bool] = []

    def writer() -> None:
        try:
            netcache.write(path, arrays, {"n": 1})
        except BaseException as exc:  # noqa: BLE001 -- reported by the test
            errors.append(exc)

    def reader() -> None:
        for _ in range(20):
            got = netcache.read(path)
            if got is not None:  # never a half-written folder
                np.testing.assert_array_equal(got[0]["a"], arrays["a"])
                seen.append(True)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    got = netcache.read(path)
    assert got is not None
    np.testing.assert_array_equal(got[0]["b"], arrays["b"])
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left


def test_serve_writes_the_network_cache_before_the_workers_start(
    db, database_url, tmp_path
) -> None:
    """``yizhan serve`` on a port that is taken stops at once, after the step
    that comes before uvicorn: the cache folder of the current version is written."""
    import socket

    from tests.helpers.cli import yizhan

    load_network(db)
    version = walk.sql.version(db)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = yizhan(
            "serve", "--host", "127.0.0.1", "--port", port, "--workers", "2",
            url=database_url, env={"YIZHAN_CACHE_DIR": str(tmp_path)},
        )  # fmt: skip
    assert result.returncode != 0, result.stdout + result.stderr  # the port is taken
    (path,) = tmp_path.iterdir()
    assert path.name == netcache.folder(tmp_path, _key(db), version).name
    assert netcache.read(path) is not None
