"""Migrations from empty, and the rules the schema itself enforces (audit, no delete)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from geo.db import migrate as mig
from geo.db.connection import set_actor


def test_migrations_apply_to_an_empty_database_and_are_idempotent(database_url: str) -> None:
    dbname = "yizhan_migrate_probe"
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    try:
        with psycopg.connect(database_url.rsplit("/", 1)[0] + "/" + dbname) as conn:
            first = mig.migrate(conn)
            assert [m.version for m in first] == [m.version for m in mig.available()]
            assert mig.migrate(conn) == []
            tables = {
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
            }
            assert {
                "stations",
                "station_audit",
                "districts",
                "streets",
                "walk_nodes",
                "walk_edges",
                "targets",
                "import_log",
                "schema_migrations",
            } <= tables
            gist = conn.execute(
                "SELECT count(*) FROM pg_indexes WHERE indexdef ILIKE '%%USING gist%%'"
            ).fetchone()
            assert gist[0] >= 5
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))


def test_an_edited_migration_is_refused(db, monkeypatch) -> None:
    real = mig.available()
    edited = [mig.Migration(real[0].version, real[0].name, real[0].sql + "\n-- edited")]
    monkeypatch.setattr(mig, "available", lambda: edited + real[1:])
    with pytest.raises(Exception, match="edited"):
        mig.pending(db)


def _insert_station(conn, name: str = "测试驿站") -> int:
    row = conn.execute(
        """INSERT INTO stations (kind, name, geom, services)
           VALUES ('love_station', %s, ST_SetSRID(ST_MakePoint(114.02, 22.54), 4326),
                   ARRAY['drinking_water'])
           RETURNING id""",
        (name,),
    ).fetchone()
    return row["id"]


def test_every_station_change_is_audited_with_actor_in_the_same_transaction(db) -> None:
    with db.transaction():
        set_actor(db, "alice", "field visit")
        sid = _insert_station(db)
    with db.transaction():
        set_actor(db, "bob")
        db.execute("UPDATE stations SET status = 'temporarily_closed' WHERE id = %s", (sid,))
    rows = db.execute(
        "SELECT action, actor, reason, version, before, after FROM station_audit "
        "WHERE station_id = %s ORDER BY id",
        (sid,),
    ).fetchall()
    assert [(r["action"], r["actor"], r["version"]) for r in rows] == [
        ("create", "alice", 1),
        ("update", "bob", 2),
    ]
    assert rows[0]["reason"] == "field visit"
    assert rows[1]["before"]["status"] == "open" and rows[1]["after"]["status"] == (
        "temporarily_closed"
    )
    station = db.execute("SELECT version, created_by, updated_by FROM stations").fetchone()
    assert station == {"version": 2, "created_by": "alice", "updated_by": "bob"}


def test_a_rolled_back_change_leaves_no_station_and_no_audit_row(db) -> None:
    with pytest.raises(psycopg.errors.CheckViolation), db.transaction():
        _insert_station(db)
        db.execute("UPDATE stations SET services = ARRAY['teleport']")
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 0
    assert db.execute("SELECT count(*) AS n FROM station_audit").fetchone()["n"] == 0


def test_an_update_that_changes_nothing_makes_no_version(db) -> None:
    sid = _insert_station(db)
    db.execute("UPDATE stations SET name = name WHERE id = %s", (sid,))
    assert db.execute("SELECT version FROM stations").fetchone()["version"] == 1
    assert db.execute("SELECT count(*) AS n FROM station_audit").fetchone()["n"] == 1


def test_stations_are_never_hard_deleted(db) -> None:
    sid = _insert_station(db)
    with pytest.raises(psycopg.errors.RestrictViolation):
        db.execute("DELETE FROM stations WHERE id = %s", (sid,))
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 1


@pytest.mark.parametrize(
    "column,value",
    [
        ("kind", "'hotel'"),
        ("status", "'demolished'"),
        ("name", "''"),
        ("level", "'province'"),
    ],
)
def test_schema_rejects_values_outside_the_vocabulary(db, column: str, value: str) -> None:
    sid = _insert_station(db)
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(f"UPDATE stations SET {column} = {value} WHERE id = %s", (sid,))
