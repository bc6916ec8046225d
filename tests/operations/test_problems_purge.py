"""``yizhan problems purge`` erases reporters' phones after the retention period (#15)."""

from __future__ import annotations

import getpass

from tests.helpers.cli import yizhan


def test_purge_erases_only_phones_past_retention_and_audits_it(db, database_url):
    sid = db.execute(
        "INSERT INTO stations (kind, name, geom) VALUES "
        "('love_station', '驿站', ST_SetSRID(ST_MakePoint(114.05, 22.54), 4326)) RETURNING id"
    ).fetchone()["id"]
    for receipt, created in (("PAAAAAAAAAA", "2026-01-01"), ("PBBBBBBBBBB", "2026-03-25")):
        db.execute(
            "INSERT INTO station_problems (receipt, station_id, category, phone, created_at, "
            "last_reported_at) VALUES (%s, %s, 'other', '13800138000', %s, %s)",
            (receipt, sid, created, created),
        )
    env = {"YIZHAN_NOW": "2026-04-10T12:00:00+08:00", "YIZHAN_PHONE_RETENTION_DAYS": "30"}
    r = yizhan("problems", "purge", url=database_url, env=env)
    assert r.returncode == 0, r.stderr
    assert "erased 1 phone" in r.stdout
    phones = dict(
        (row["receipt"], row["phone"])
        for row in db.execute("SELECT receipt, phone FROM station_problems")
    )
    assert phones == {"PAAAAAAAAAA": None, "PBBBBBBBBBB": "13800138000"}
    audit = db.execute(
        "SELECT actor, after FROM operations_audit WHERE action = 'update'"
    ).fetchall()
    assert [(a["actor"], a["after"]["has_phone"]) for a in audit] == [
        (f"cli:{getpass.getuser()}", False)
    ]
