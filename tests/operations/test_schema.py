"""Migration 0014: operations tables are audited without personal data, never deleted."""

from __future__ import annotations

import io

import psycopg
import pytest
from PIL import Image

from geo.db.photos import read_photo, store_photo
from geo.photos import clean_photo


def _station(db) -> int:
    row = db.execute(
        "INSERT INTO stations (kind, name, geom) VALUES "
        "('love_station', '测试驿站', ST_SetSRID(ST_MakePoint(114.05, 22.54), 4326)) RETURNING id"
    ).fetchone()
    return int(row["id"])


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (1, 2, 3)).save(out, format="JPEG")
    return out.getvalue()


def test_problem_rows_are_audited_without_the_phone_and_never_deleted(db):
    sid = _station(db)
    with db.transaction():
        db.execute("SELECT set_config('yizhan.actor', 'public', true)")
        pid = db.execute(
            "INSERT INTO station_problems (receipt, station_id, category, phone) "
            "VALUES ('R-0001', %s, 'closed', '13800138000') RETURNING id",
            (sid,),
        ).fetchone()["id"]
    with db.transaction():
        db.execute("SELECT set_config('yizhan.actor', 'reviewer1', true)")
        db.execute("UPDATE station_problems SET phone = NULL WHERE id = %s", (pid,))
    audit = db.execute(
        "SELECT action, actor, before, after FROM operations_audit "
        "WHERE table_name = 'station_problems' AND row_id = %s ORDER BY id",
        (pid,),
    ).fetchall()
    assert [(a["action"], a["actor"]) for a in audit] == [
        ("create", "public"),
        ("update", "reviewer1"),
    ]
    text = repr(audit)
    assert "13800138000" not in text
    assert audit[0]["after"]["has_phone"] is True
    assert audit[1]["after"]["has_phone"] is False
    with pytest.raises(psycopg.errors.RestrictViolation):
        db.execute("DELETE FROM station_problems WHERE id = %s", (pid,))
    assert db.execute("SELECT count(*) AS n FROM station_problems").fetchone()["n"] == 1


def test_photos_round_trip_and_their_bytes_stay_out_of_the_audit(db):
    photo = clean_photo(_photo())
    with db.transaction():
        pid = store_photo(db, photo)
    back = read_photo(db, pid)
    assert back is not None and back.data == photo.data and back.sha256 == photo.sha256
    assert read_photo(db, pid + 1) is None
    after = db.execute(
        "SELECT after FROM operations_audit WHERE table_name = 'photos' AND row_id = %s", (pid,)
    ).fetchone()["after"]
    assert "bytes" not in after and after["sha256"] == photo.sha256
    with pytest.raises(psycopg.errors.RestrictViolation):
        db.execute("DELETE FROM photos")


def test_last_verified_is_the_latest_inspection(db):
    sid = _station(db)
    for at in ("2026-03-01 10:00+08", "2026-05-02 09:30+08"):
        db.execute(
            "INSERT INTO station_inspections"
            " (station_id, inspected_at, standard, checklist, passed)"
            " VALUES (%s, %s, 'default', '[]', true)",
            (sid, at),
        )
    row = db.execute(
        "SELECT verified_at AT TIME ZONE 'Asia/Shanghai' AS v FROM station_last_verified "
        "WHERE station_id = %s",
        (sid,),
    ).fetchone()
    assert str(row["v"]) == "2026-05-02 09:30:00"


def test_usage_is_one_row_per_station_and_day(db):
    sid = _station(db)
    db.execute(
        "INSERT INTO station_usage (station_id, day, visitors) VALUES (%s, '2026-06-01', 12)",
        (sid,),
    )
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute(
            "INSERT INTO station_usage (station_id, day, visitors) VALUES (%s, '2026-06-01', 3)",
            (sid,),
        )
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "INSERT INTO station_usage (station_id, day, visitors) VALUES (%s, '2026-06-02', -1)",
            (sid,),
        )


def test_client_hashes_are_keyed_stable_and_never_the_address(db):
    from geo.privacy import hash_key, keyed_hash
    from geo.settings import OperationsSettings

    key = hash_key(db, OperationsSettings())
    assert key == hash_key(db, OperationsSettings())
    h = keyed_hash(key, "203.0.113.9")
    assert h == keyed_hash(key, "203.0.113.9") and "203" not in h and len(h) == 32
    assert h != keyed_hash(hash_key(db, OperationsSettings(client_hash_key="other")), "203.0.113.9")


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13800138000", "138****8000"),
        ("+86 138-0013-8000", "861******8000"),
        ("0755-8888", "******88"),
        ("", None),
        (None, None),
    ],
)
def test_phones_are_masked(phone, masked):
    from geo.privacy import mask_phone

    assert mask_phone(phone) == masked
