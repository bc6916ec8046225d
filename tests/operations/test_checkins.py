"""Check-ins (issue 15): one per device and station per interval, a cap per client and
hour, counted per station and city day; only public stations; audited without hashes."""

from __future__ import annotations

import pytest

from geo import clock
from geo.errors import InvalidInput, NotFound, RateLimited
from geo.operations.usage import check_in
from geo.settings import OperationsSettings

OPS = OperationsSettings(
    client_hash_key="test-key", checkin_interval_hours=4, checkin_max_per_client_hour=3
)
PHONE_A = "a" * 32
PHONE_B = "b" * 32


def add_station(db, name: str = "测试驿站", **over) -> int:
    values = {"status": "open", "review_state": "approved", "closed_on": None, **over}
    row = db.execute(
        "INSERT INTO stations (kind, name, status, review_state, closed_on, geom) VALUES "
        "('love_station', %(name)s, %(status)s, %(review_state)s, %(closed_on)s,"
        " ST_SetSRID(ST_MakePoint(114.05, 22.54), 4326)) RETURNING id",
        {"name": name, **values},
    ).fetchone()
    return int(row["id"])


def _in(db, sid: int, device: str = PHONE_A, client: str = "10.0.0.1", **kw):
    return check_in(db, sid, device=device, client=client, occupation=kw.get("job"), settings=OPS)


def test_same_device_is_refused_within_the_interval_and_accepted_after_it(db):
    sid = add_station(db)
    with clock.frozen("2026-06-01T09:00:00+08:00"):
        assert _in(db, sid).today == 1
    with clock.frozen("2026-06-01T12:59:00+08:00"), pytest.raises(RateLimited) as refused:
        _in(db, sid)
    assert "13:00" in refused.value.zh and "13:00" in refused.value.en
    assert refused.value.retry_after_s == 60
    assert refused.value.details["reason"] == "device_interval"
    with clock.frozen("2026-06-01T12:59:30+08:00"):
        assert _in(db, sid, device=PHONE_B).today == 2  # another device at once
    with clock.frozen("2026-06-01T13:00:00+08:00"):
        assert _in(db, sid).today == 3
    n = db.execute("SELECT count(*) AS n FROM station_checkins").fetchone()["n"]
    assert n == 3


def test_the_interval_is_per_station(db):
    one, two = add_station(db, "一号驿站"), add_station(db, "二号驿站")
    with clock.frozen("2026-06-01T09:00:00+08:00"):
        _in(db, one)
        assert _in(db, two).today == 1


def test_a_client_is_capped_per_hour_whatever_devices_it_claims(db):
    sid = add_station(db)
    with clock.frozen("2026-06-01T09:00:00+08:00"):
        for i in range(3):
            _in(db, sid, device=f"device-{i:012d}")
    with clock.frozen("2026-06-01T09:30:00+08:00"):
        with pytest.raises(RateLimited) as refused:
            _in(db, sid, device="device-new-000000")
        assert _in(db, sid, device="device-new-000000", client="10.0.0.2").today == 4
    assert refused.value.details["reason"] == "client_hour"
    assert "10:00" in refused.value.zh
    assert refused.value.retry_after_s == 30 * 60
    with clock.frozen("2026-06-01T10:00:00+08:00"):
        assert _in(db, sid, device="device-newer-0000").today == 5


def test_checkins_count_per_city_day_at_midnight(db):
    sid = add_station(db)
    # 23:59 in Beijing is 15:59 UTC: still the 1st in the city.
    with clock.frozen("2026-06-01T15:59:00+00:00"):
        first = _in(db, sid, job="courier")
    with clock.frozen("2026-06-01T16:01:00+00:00"):
        second = _in(db, sid, device=PHONE_B)
    assert (str(first.day), first.today) == ("2026-06-01", 1)
    assert (str(second.day), second.today) == ("2026-06-02", 1)
    rows = db.execute("SELECT day::text, occupation FROM station_checkins ORDER BY id").fetchall()
    assert [(r["day"], r["occupation"]) for r in rows] == [
        ("2026-06-01", "courier"),
        ("2026-06-02", None),
    ]


@pytest.mark.parametrize(
    "over",
    [
        {"review_state": "pending_review"},
        {"status": "temporarily_closed"},
        {"status": "closed", "closed_on": "2026-01-01"},
        {"status": "planned"},
    ],
)
def test_only_public_operating_stations_take_checkins(db, over):
    sid = add_station(db, **over)
    with clock.frozen("2026-06-01T09:00:00+08:00"), pytest.raises(NotFound) as refused:
        _in(db, sid)
    assert "不能签到" in refused.value.zh
    assert db.execute("SELECT count(*) AS n FROM station_checkins").fetchone()["n"] == 0


def test_bad_occupation_and_device_are_refused_naming_the_field(db):
    sid = add_station(db)
    with pytest.raises(InvalidInput) as job:
        _in(db, sid, job="astronaut")
    assert job.value.details == {"field": "occupation"}
    with pytest.raises(InvalidInput) as device:
        _in(db, sid, device="short")
    assert device.value.details == {"field": "device"}


def test_checkins_are_audited_without_device_or_client(db):
    sid = add_station(db)
    with clock.frozen("2026-06-01T09:00:00+08:00"):
        _in(db, sid, job="driver")
    audit = db.execute(
        "SELECT actor, after FROM operations_audit WHERE table_name = 'station_checkins'"
    ).fetchall()
    assert len(audit) == 1 and audit[0]["actor"] == "public"
    assert "device_hash" not in audit[0]["after"] and "client_hash" not in audit[0]["after"]
    stored = db.execute("SELECT device_hash, client_hash FROM station_checkins").fetchone()
    assert PHONE_A not in stored["device_hash"] and "10.0.0.1" not in stored["client_hash"]


@pytest.mark.realtime  # polls with thread waits, which libfaketime breaks
def test_two_taps_at_once_count_once(db, database_url):
    """A second check-in of the same device waits for the first one's transaction (an
    advisory lock) and then sees it: never two rows within the interval."""
    import threading

    from geo.db import usage as usage_db
    from geo.db.connection import connect, set_actor
    from geo.privacy import keyed_hash

    sid = add_station(db)
    key = OPS.client_hash_key.encode()
    device_hash = keyed_hash(key, "device:" + PHONE_A)
    client_hash = keyed_hash(key, "client:10.0.0.1")
    outcome: list[object] = []
    with (
        clock.frozen("2026-06-01T09:00:00+08:00") as now,
        connect() as first,
        connect(autocommit=True) as second,
    ):
        with first.transaction():
            set_actor(first, "public")
            usage_db.lock_checkins(first, device_hash, client_hash)
            pid = second.info.backend_pid

            def tap() -> None:
                try:
                    outcome.append(_in(second, sid))
                except RateLimited as exc:
                    outcome.append(exc)

            thread = threading.Thread(target=tap)
            thread.start()
            waiting = None
            for _ in range(500):  # until the second tap waits on the lock
                waiting = db.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
                ).fetchone()
                if waiting and waiting["wait_event_type"] == "Lock":
                    break
                threading.Event().wait(0.01)
            assert waiting and waiting["wait_event_type"] == "Lock"
            usage_db.insert_checkin(first, sid, now, now.date(), None, device_hash, client_hash)
        thread.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], RateLimited)
    assert db.execute("SELECT count(*) AS n FROM station_checkins").fetchone()["n"] == 1
