"""Two inspections of one station at once open one problem per category, not two: the
second waits on the station's problem lock until the first commits, then sees its
problem as already open. Deterministic: the test waits for the second to be blocked
(pg_stat_activity), never for a time."""

from __future__ import annotations

import threading

import pytest

from geo import clock
from geo.db import inspections as sql
from geo.db.connection import connect, set_actor
from geo.operations.inspections import Answer, record_inspection, station_checklist
from geo.settings import OperationsSettings
from tests.helpers.nearest_city import add_station


def _blocked_or_done(watch, pid: int, worker: threading.Thread) -> bool:
    row = watch.execute(
        "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
    ).fetchone()
    return not worker.is_alive() or (row is not None and row["wait_event_type"] == "Lock")


@pytest.mark.realtime  # polls with thread waits, which libfaketime breaks
def test_a_concurrent_inspection_waits_and_opens_no_second_problem(db, database_url):
    settings = OperationsSettings()
    sid = add_station(db, "并发爱心驿站", 0, 0)
    _, _, items = station_checklist(db, sid, settings)
    answers = [Answer(i.code, i.code != "clean") for i in items]
    outcome: dict = {}
    with connect(database_url) as first, connect(database_url, autocommit=True) as second:
        with first.transaction():
            set_actor(first, "li.review")
            ins = sql.insert_inspection(
                first, station_id=sid, inspected_at=clock.now(), inspector="li.review",
                standard="yizhan-default", checklist=[], open_at_hours=None, passed=False,
                position=None, accuracy_m=None, comment=None,
            )  # fmt: skip
            sql.lock_station_problems(first, sid)
            sql.insert_problem(
                first, receipt=f"I{ins['id']}-1", station_id=sid, category="dirty_or_broken",
                service=None, details="x", photo_id=None, inspection_id=ins["id"],
                decided_by="li.review", at=clock.now(),
            )  # fmt: skip
            worker = threading.Thread(
                target=lambda: outcome.setdefault(
                    "second", record_inspection(second, "wang.field", sid, answers, settings)
                )
            )
            worker.start()
            pid = second.info.backend_pid
            while not _blocked_or_done(db, pid, worker):
                pass
        worker.join()
    result = outcome["second"]
    assert [p["category"] for p in result.already_open] == ["dirty_or_broken"]
    assert result.opened == []
    count = db.execute(
        "SELECT count(*) AS n FROM station_problems WHERE category = 'dirty_or_broken'"
    ).fetchone()
    assert count["n"] == 1
