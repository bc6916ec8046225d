"""Two requests computing the same snapshot at once keep one snapshot and both answer.

Found by schemathesis (#11 item 15): two trend runs for the same month end collided on
the snapshot's unique key and one of them answered 500.
"""

from __future__ import annotations

import datetime as dt
import threading

from geo.coverage import service
from geo.db.connection import connect


def test_the_same_snapshot_saved_twice_is_kept_once(city, database_url) -> None:
    question = service.question(dt.date(2026, 11, 30), "love_station", None, "walking")
    barrier = threading.Barrier(2)
    answers: list[dict] = []
    failures: list[BaseException] = []

    def compute() -> None:
        try:
            with connect(database_url) as conn:
                barrier.wait(timeout=30)
                answers.append(service.run(conn, question))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=compute) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    assert len({a["id"] for a in answers}) == 1
    assert city.execute("SELECT count(*) AS n FROM coverage_snapshots").fetchone()["n"] == 1


def test_saving_a_snapshot_that_exists_returns_the_stored_one(city) -> None:
    from geo.db import coverage as coverage_db

    question = service.question(dt.date(2026, 11, 30), "love_station", None, "walking")
    first = service.run(city, question)
    again = coverage_db.save_snapshot(city, question.key, first["fingerprint"], {}, [], 0.0)
    assert again == first["id"]
    assert city.execute("SELECT count(*) AS n FROM coverage_snapshots").fetchone()["n"] == 1
