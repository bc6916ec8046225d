"""Faults: the database killed under load, an import killed half-way.

These tests run their own PostgreSQL cluster (so killing it cannot disturb the other
tests) and a real uvicorn server in a separate process.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from geo.db.cluster import ManagedCluster
from geo.db.migrate import migrate
from geo.settings import DatabaseSettings
from tests.helpers.live import free_port, start_server, stop_server
from tests.helpers.paths import ROOT


@pytest.fixture(scope="module")
def own_cluster():
    home = ROOT / ".yizhan-test" / f"faults-{os.getpid()}"
    cluster = ManagedCluster(DatabaseSettings(home=home, database_url=None, db_port=free_port()))
    info = cluster.start()
    with psycopg.connect(info.url()) as conn:
        migrate(conn)
    yield cluster, info
    cluster.stop()
    data_dir = Path(info.data_dir)
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(data_dir, ignore_errors=True)


def _admin_headers(url: str) -> dict[str, str]:
    """A real admin account and token in the cluster under test."""
    from geo.accounts import User, issue_token
    from geo.db.accounts import insert_user, user_by_name
    from geo.db.connection import transaction

    with transaction(url, actor="test") as conn:
        if user_by_name(conn, "fault.admin") is None:
            insert_user(conn, "fault.admin", "admin", "not-a-real-hash")
        row = user_by_name(conn, "fault.admin")
        token, _ = issue_token(conn, User(row["id"], row["name"], row["role"]))
    return {"Authorization": f"Bearer {token}"}


def _kill_postmaster(data_dir: str) -> None:
    """Kill the server hard, as a crash would: the postmaster and all its backends."""
    pid = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout.split()
    for p in [pid, *map(int, children)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGKILL)


def _start_again(cluster: ManagedCluster, deadline_s: float = 30.0) -> None:
    """Start after a crash; orphaned backends may hold shared memory for a moment."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            cluster.start()
            return
        except Exception:
            if time.monotonic() > end:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="module")
def server(own_cluster, tmp_path_factory):
    _, info = own_cluster
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with log_path.open("w") as log:
        base, proc = start_server(
            info.url(), output=log, YIZHAN_RATE_LIMIT_PER_MINUTE="0", YIZHAN_LOG_JSON="true"
        )
        yield base, proc, log_path
        stop_server(proc)


@pytest.mark.realtime
def test_database_killed_under_load_gives_503_then_recovers_without_restart(
    own_cluster, server
) -> None:
    cluster, info = own_cluster
    base, proc, _ = server
    results: list[tuple[float, int, str | None, float]] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=base, timeout=10) as http:
            while not stop.is_set() and len(results) < 20_000:
                t0 = time.monotonic()
                try:
                    r = http.get("/api/v1/summary")
                    results.append(
                        (t0, r.status_code, r.headers.get("retry-after"), time.monotonic() - t0)
                    )
                except httpx.HTTPError as exc:
                    results.append((t0, -1, repr(exc), time.monotonic() - t0))
                time.sleep(0.01)

    headers = _admin_headers(info.url())
    writes: list[tuple[int, int | None, str]] = []

    def writer() -> None:
        with httpx.Client(base_url=base, timeout=10) as http:
            n = 0
            while not stop.is_set() and n < 2_000:
                n += 1
                # 300 m apart, so no write is refused as a duplicate of another
                body = {
                    "kind": "love_station",
                    "name": f"故障演练驿站 {n}",
                    "crs": "wgs84",
                    "lon": 114.0 + (n % 40) * 0.003,
                    "lat": 22.5 + (n // 40) * 0.003,
                }
                try:
                    r = http.post("/api/v1/stations", json=body, headers=headers)
                    sid = r.json().get("id") if r.status_code == 201 else None
                    writes.append((r.status_code, sid, body["name"]))
                except httpx.HTTPError:
                    writes.append((-1, None, body["name"]))
                time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(8)]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    time.sleep(1.0)
    killed_at = time.monotonic()
    _kill_postmaster(info.data_dir)
    time.sleep(8.0)  # long enough for several reconnection attempts to fail
    restart_at = time.monotonic()
    _start_again(cluster)
    back_at = time.monotonic()
    time.sleep(5.0)
    stop.set()
    for t in threads:
        t.join(timeout=20)

    statuses = {s for _, s, _, _ in results}
    errors = [r for r in results if r[1] not in (200, 503)][:5]
    assert statuses <= {200, 503}, errors  # never a 500, never a dropped connection
    outage = [r for r in results if killed_at + 0.5 < r[0] and r[0] + r[3] < restart_at]
    assert outage and all(s == 503 and ra for _, s, ra, _ in outage), [
        r for r in outage if r[1] != 503 or not r[2]
    ][:5]
    slowest = max(elapsed for *_, elapsed in results)
    assert slowest < 5.0, slowest  # nobody hangs
    first_ok = min(t for t, s, _, _ in results if s == 200 and t > back_at)
    recovery = first_ok - back_at
    assert recovery < 3.0, recovery
    tail = [s for t, s, _, _ in results if t > back_at + 3.0]
    assert tail and all(s == 200 for s in tail)
    write_codes = {c for c, _, _ in writes}
    assert write_codes <= {201, 503}, [w for w in writes if w[0] not in (201, 503)][:5]
    accepted = {sid: name for code, sid, name in writes if code == 201}
    assert 503 in write_codes and len(accepted) > 10
    with psycopg.connect(info.url()) as conn:
        stored = dict(
            conn.execute(
                "SELECT id, name FROM stations WHERE id = ANY(%s)", (list(accepted),)
            ).fetchall()
        )
    assert stored == accepted  # every acknowledged write survived the crash
    print(
        f"\noutage requests: {len(outage)}, recovery after restart: {recovery:.2f} s, "
        f"writes acknowledged: {len(accepted)}, refused with 503: "
        f"{sum(c == 503 for c, _, _ in writes)}"
    )
    assert proc.poll() is None  # the same Yizhan process served throughout


def test_logs_are_json_with_request_ids_and_no_secrets(server) -> None:
    base, proc, log_path = server
    r = httpx.get(
        f"{base}/healthz?token=abc123secret&phone=13812345678",
        headers={"X-Request-ID": "trace-12345678"},
    )
    assert r.headers["x-request-id"] == "trace-12345678"
    httpx.get(f"{base}/api/v1/summary")
    proc.terminate()
    proc.wait(timeout=10)
    out = log_path.read_text()
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    access = [x for x in lines if x.get("logger") == "yizhan.access"]
    assert any(x.get("request_id") == "trace-12345678" for x in access)
    assert "abc123secret" not in out and "13812345678" not in out


def _big_streets(path: Path, side: int) -> None:
    """A synthetic grid of side² street segments (GeoJSON), slow enough to kill mid-import."""
    feats = []
    for i in range(side):
        for j in range(side):
            x, y = 114.0 + i * 0.0005, 22.5 + j * 0.0005
            feats.append(
                {
                    "type": "Feature",
                    "properties": {"highway": "residential", "u": f"{i}-{j}", "v": f"{i + 1}-{j}"},
                    "geometry": {"type": "LineString", "coordinates": [[x, y], [x + 0.0005, y]]},
                }
            )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))


def test_import_killed_half_way_stores_nothing_and_can_run_again(own_cluster, tmp_path) -> None:
    _, info = own_cluster
    src = tmp_path / "grid.geojson"
    _big_streets(src, 250)
    env = {**os.environ, "DATABASE_URL": info.url()}
    cmd = [sys.executable, "-m", "api.cli", "import", "streets", str(src)]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    killed = False
    with psycopg.connect(info.url(), autocommit=True) as conn:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            copying = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'COPY walk_%%'"
            ).fetchone()[0]
            if copying:
                proc.kill()
                killed = True
                break
            time.sleep(0.02)
        proc.wait(timeout=30)
        assert killed, "the import finished before it could be killed"
        time.sleep(1.0)  # the server notices the lost client and rolls back
        assert conn.execute("SELECT count(*) FROM streets").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM import_log").fetchone()[0] == 0
        again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        assert conn.execute("SELECT count(*) FROM streets").fetchone()[0] == 250 * 250
