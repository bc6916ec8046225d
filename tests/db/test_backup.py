"""Backup and restore round trip with PostgreSQL's own tools."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from geo.db.backup import backup, restore
from geo.errors import DatabaseError, InvalidFile
from tests.helpers.cli import yizhan

TABLES = (
    "stations",
    "station_audit",
    "districts",
    "district_parts",
    "district_edges",
    "streets",
    "walk_nodes",
    "walk_edges",
    "targets",
    "target_audit",
    "import_log",
    "users",
    "user_audit",
)


def _fingerprint(conn) -> dict[str, str]:
    """A digest of every row of every table, so a round trip must preserve them all."""
    out = {}
    for t in TABLES:
        row = conn.execute(
            sql.SQL(
                "SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text),"
                " '')) AS h FROM {} x"
            ).format(sql.Identifier(t))
        ).fetchone()
        out[t] = f"{row['n']}:{row['h']}"
    return out


def test_backup_restore_round_trip_preserves_every_row(db, database_url, tmp_path) -> None:
    assert yizhan("demo", "load", url=database_url).returncode == 0
    for args in (
        ["add", "li.review", "--role", "admin", "--generate"],
        ["add", "chen.admin", "--role", "admin", "--generate"],
        ["role", "li.review", "reviewer"],
    ):  # accounts and their audit (#13)
        out = yizhan("user", *args, url=database_url)
        assert out.returncode == 0, out.stderr
    db.execute("SELECT set_config('yizhan.actor', 'editor', false)")
    db.execute("UPDATE stations SET status = 'temporarily_closed' WHERE external_id = 'love-01'")
    before = _fingerprint(db)
    assert int(before["station_audit"].split(":")[0]) == 15
    assert int(before["user_audit"].split(":")[0]) == 3
    out = yizhan("db", "backup", str(tmp_path / "y.dump"), url=database_url)
    assert out.returncode == 0, out.stderr
    # damage the data, then restore
    db.execute("TRUNCATE streets, walk_nodes, walk_edges, station_audit, user_audit CASCADE")
    db.execute("UPDATE users SET role = 'planner'")
    db.execute("UPDATE stations SET name = name || ' (changed)'")
    out = yizhan("db", "restore", str(tmp_path / "y.dump"), "--yes", url=database_url)
    assert out.returncode == 0, out.stderr
    assert _fingerprint(db) == before
    applied = db.execute("SELECT count(*) AS n FROM schema_migrations").fetchone()["n"]
    assert applied >= 1


def test_restore_of_a_file_that_is_not_a_backup_changes_nothing(db, database_url, tmp_path) -> None:
    db.execute(
        "INSERT INTO targets (kind, metric, value, deadline) "
        "VALUES ('love_station', 'new_stations', 5, '2026-12-31')"
    )
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a dump")
    with pytest.raises(InvalidFile):
        restore(database_url, junk)
    assert db.execute("SELECT count(*) AS n FROM targets").fetchone()["n"] == 1


def test_a_failed_backup_leaves_no_partial_file(database_url, tmp_path) -> None:
    bad_url = database_url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(DatabaseError, match="backup failed"):
        backup(bad_url, tmp_path / "x.dump")
    assert not list(tmp_path.glob("x.dump*"))
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT 1").fetchone()[0] == 1
