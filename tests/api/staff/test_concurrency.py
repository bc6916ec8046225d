"""Concurrent staff writes through a real uvicorn: no duplicate, no lost update."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest

from tests.helpers.staff import offset, station

N = 20


def _all_at_once(send) -> Counter:
    """Run ``send(client)`` in N threads released together; count the status codes."""
    barrier = threading.Barrier(N)
    codes: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(timeout=30) as c:
            barrier.wait()
            code = send(c)
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=worker) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return Counter(codes)


def test_twenty_concurrent_registrations_of_one_station_create_exactly_one(
    live_server, staff, db
) -> None:
    codes = _all_at_once(
        lambda c: (
            c.post(f"{live_server}/api/v1/stations", json=station(), headers=staff).status_code
        )
    )
    assert codes == Counter({201: 1, 409: N - 1})
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 1


def test_concurrent_registrations_of_nearby_names_across_a_cell_edge(live_server, staff, db):
    # Slightly different positions (up to ~40 m apart) straddling a lock-grid boundary.
    def send(c: httpx.Client) -> int:
        i = threading.get_ident() % 7
        body = station(lon=114.0599 + i * 0.00006, lat=22.5400)
        return c.post(f"{live_server}/api/v1/stations", json=body, headers=staff).status_code

    codes = _all_at_once(send)
    assert codes[201] == 1 and codes[409] == N - 1


def test_twenty_concurrent_edits_with_one_etag_apply_exactly_one(live_server, staff, db) -> None:
    created = httpx.post(f"{live_server}/api/v1/stations", json=station(), headers=staff).json()
    url = f"{live_server}/api/v1/stations/{created['id']}"

    def send(c: httpx.Client) -> int:
        phone = f"0755-{threading.get_ident() % 10_000_000:07d}"
        h = {**staff, "If-Match": 'W/"1"'}
        return c.patch(url, json={"phone": phone}, headers=h).status_code

    codes = _all_at_once(send)
    assert codes == Counter({200: 1, 412: N - 1})
    row = db.execute("SELECT version FROM stations").fetchone()
    assert row["version"] == 2
    audit = db.execute("SELECT count(*) AS n FROM station_audit WHERE action = 'update'")
    assert audit.fetchone()["n"] == 1


@pytest.mark.realtime
def test_a_registration_waits_for_an_uncommitted_one_nearby_then_sees_it(
    live_server, staff, database_url, db
) -> None:
    """Deterministic: the duplicate check holds a lock until the inserting transaction ends."""
    from geo.db.connection import connect, set_actor
    from geo.stations import edits as station_edits
    from geo.stations import sql as station_db
    from geo.stations.model import parse_station

    values = station_edits._values(parse_station(station()))  # noqa: SLF001
    result: dict[str, int] = {}
    with connect(database_url) as first:  # an open transaction that has checked and inserted
        set_actor(first, "other.field")
        station_edits._check_duplicates(first, values, confirmed=False)  # noqa: SLF001
        station_db.insert(first, values, "pending_review")

        def second() -> None:
            r = httpx.post(f"{live_server}/api/v1/stations", json=station(), headers=staff)
            result["code"] = r.status_code

        t = threading.Thread(target=second)
        t.start()
        t.join(timeout=1.0)
        assert t.is_alive(), "the second registration did not wait for the first"
        first.commit()
    t.join(timeout=10)
    assert result["code"] == 409


def _approve_and_edit(base: str, sid: int, i: int, staff: dict, reviewer: dict) -> dict[str, int]:
    """Send an approval and an edit of station ``sid`` released at the same instant."""
    barrier = threading.Barrier(2)
    codes: dict[str, int] = {}

    def approve() -> None:
        with httpx.Client(timeout=30) as c:
            barrier.wait()
            url = f"{base}/api/v1/review/{sid}/approve"
            codes["approve"] = c.post(url, json={}, headers=reviewer).status_code

    def edit() -> None:
        with httpx.Client(timeout=30) as c:
            barrier.wait()
            codes["edit"] = c.patch(
                f"{base}/api/v1/stations/{sid}",
                json={"address": f"改后地址 {i}"},
                headers={**staff, "If-Match": 'W/"1"'},
            ).status_code

    threads = [threading.Thread(target=approve), threading.Thread(target=edit)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return codes


def test_approve_and_edit_at_the_same_moment_end_consistent_with_ordered_history(
    live_server, staff, reviewer, db
) -> None:
    """Either order may win; the final row and the history must agree with what was
    acknowledged, with versions strictly in order and nothing half-applied."""
    outcomes: Counter = Counter()
    for i in range(8):
        lon, lat = offset(114.0550, 22.5410, east_m=600.0 * i)
        created = httpx.post(
            f"{live_server}/api/v1/stations",
            json=station(name=f"并发审核驿站{i}", lon=lon, lat=lat),
            headers=staff,
        )
        assert created.status_code == 201, created.text
        sid = created.json()["id"]
        codes = _approve_and_edit(live_server, sid, i, staff, reviewer)
        assert codes["approve"] == 200
        assert codes["edit"] in (200, 412)
        outcomes[codes["edit"]] += 1
        row = db.execute(
            "SELECT review_state, address, version FROM stations WHERE id = %s", (sid,)
        ).fetchone()
        history = db.execute(
            "SELECT action, version, after FROM station_audit WHERE station_id = %s ORDER BY id",
            (sid,),
        ).fetchall()
        edited = codes["edit"] == 200
        assert row["review_state"] == "approved"
        assert (row["address"] == f"改后地址 {i}") is edited
        assert row["version"] == (3 if edited else 2)
        assert [h["version"] for h in history] == list(range(1, row["version"] + 1))
        assert history[-1]["after"]["review_state"] == "approved"
        assert history[-1]["after"]["address"] == row["address"]
    assert sum(outcomes.values()) == 8
