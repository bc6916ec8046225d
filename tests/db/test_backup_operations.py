"""`yizhan db backup` then `db restore` into an empty database keeps all of #15's
operations: photos (the same bytes), problems, inspections and their photos, check-ins,
usage and the audit, with the audit and the no-delete guard still working."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from geo.db.connection import connect
from geo.db.photos import read_photo
from tests.helpers.cli import yizhan
from tests.helpers.db import with_db

TABLES = (
    "photos",
    "station_problems",
    "station_inspections",
    "inspection_photos",
    "station_checkins",
    "station_usage",
    "operations_audit",
    "stations",
)


def _fingerprint(conn) -> dict[str, str]:
    """A digest of every row of every table (ordered by id: ids must survive too)."""
    out = {}
    for t in TABLES:
        row = conn.execute(
            sql.SQL(
                "SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x.id),"
                " '')) AS h FROM {} x"
            ).format(sql.Identifier(t))
        ).fetchone()
        out[t] = f"{row['n']}:{row['h']}"
    return out


@pytest.fixture
def empty_database(database_url) -> Iterator[str]:
    """A new database on the same server with nothing in it (no schema, no PostGIS)."""
    admin = with_db(database_url, "postgres")
    name = f"yizhan_restore_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_db(database_url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def test_backup_and_restore_into_an_empty_database_keep_the_operations(
    db, database_url, empty_database, tmp_path
) -> None:
    out = yizhan("demo", "load", url=database_url)
    assert out.returncode == 0, out.stderr
    # a staff change, so the audit holds updates as well as creations
    with db.transaction():
        db.execute("SELECT set_config('yizhan.actor', 'li.review', true)")
        db.execute("UPDATE station_problems SET phone = NULL WHERE phone IS NOT NULL")
    before = _fingerprint(db)
    counts = {t: int(v.split(":")[0]) for t, v in before.items()}
    assert all(counts[t] > 0 for t in TABLES), counts
    photo_ids = [r["id"] for r in db.execute("SELECT id FROM photos ORDER BY id")]
    photos = {i: read_photo(db, i) for i in photo_ids}

    dump = tmp_path / "ops.dump"
    out = yizhan("db", "backup", str(dump), url=database_url)
    assert out.returncode == 0, out.stderr
    out = yizhan("db", "restore", str(dump), "--yes", url=empty_database)
    assert out.returncode == 0, out.stderr

    with connect(empty_database, autocommit=True) as restored:
        assert _fingerprint(restored) == before
        for i in photo_ids:
            copy = read_photo(restored, i)
            assert copy is not None and copy.data == photos[i].data
            assert copy.sha256 == photos[i].sha256
        # the triggers came with the tables: a new row is audited, no row can be deleted
        audit = counts["operations_audit"]
        with restored.transaction():
            restored.execute("SELECT set_config('yizhan.actor', 'after-restore', true)")
            restored.execute(
                "UPDATE station_problems SET comment = 'after restore' "
                "WHERE id = (SELECT min(id) FROM station_problems)"
            )
        n = restored.execute("SELECT count(*) AS n FROM operations_audit").fetchone()["n"]
        assert n == audit + 1
        with pytest.raises(psycopg.errors.RestrictViolation):
            restored.execute("DELETE FROM station_checkins")
