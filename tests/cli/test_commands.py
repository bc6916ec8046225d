"""The ``yizhan`` command as a person runs it (a real subprocess, real database)."""

from __future__ import annotations

import pytest

from tests.helpers.cli import yizhan


def _counts(db) -> dict:
    return db.execute(
        """SELECT (SELECT count(*) FROM streets) AS streets,
                  (SELECT count(*) FROM walk_edges) AS edges,
                  (SELECT count(*) FROM districts) AS districts,
                  (SELECT count(*) FROM districts WHERE is_key) AS key_districts,
                  (SELECT count(*) FROM stations) AS stations,
                  (SELECT count(*) FROM stations WHERE is_demo) AS demo_stations,
                  (SELECT count(*) FROM station_audit) AS audit,
                  (SELECT count(*) FROM targets) AS targets"""
    ).fetchone()


def test_demo_load_twice_leaves_the_same_counts(db, database_url) -> None:
    first = yizhan("demo", "load", url=database_url)
    assert first.returncode == 0, first.stderr
    after_first = _counts(db)
    second = yizhan("demo", "load", url=database_url)
    assert second.returncode == 0, second.stderr
    assert _counts(db) == after_first
    assert after_first["streets"] > 4000 and after_first["edges"] > 4000
    assert after_first["key_districts"] == 2
    assert after_first["stations"] == after_first["demo_stations"] == 14
    assert after_first["targets"] == 3
    kinds = db.execute("SELECT DISTINCT kind FROM stations ORDER BY kind").fetchall()
    assert [k["kind"] for k in kinds] == ["love_station", "mother_baby_room", "worker_bookshop"]
    names = [r["name"] for r in db.execute("SELECT name FROM stations").fetchall()]
    assert all("示例" in n and "demo" in n for n in names)


def test_station_import_cli_lists_problem_rows_and_dry_run_writes_nothing(
    db, database_url, tmp_path
) -> None:
    path = tmp_path / "st.csv"
    path.write_text(
        "name,address,lng,lat\n好驿站,某路,114.02,22.54\n无坐标驿站,某路2号,,\n坏驿站,某路3号,914,22\n",
        encoding="utf-8",
    )
    out = yizhan(
        "import",
        "stations",
        str(path),
        "--kind",
        "love_station",
        "--crs",
        "wgs84",
        "--dry-run",
        url=database_url,
    )
    assert out.returncode == 0, out.stderr
    assert "would_create" in out.stdout
    assert "unlocated" in out.stdout  # row 3, an address only, is kept as a draft
    assert "│ 4 " in out.stdout  # the bad row, by number
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 0
    out = yizhan(
        "import",
        "stations",
        str(path),
        "--kind",
        "love_station",
        "--crs",
        "wgs84",
        url=database_url,
    )
    assert out.returncode == 0, out.stderr
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 2
    assert db.execute("SELECT count(*) AS n FROM stations WHERE geom IS NULL").fetchone()["n"] == 1


@pytest.mark.parametrize(
    "args,needle",
    [
        (["import", "stations", "{missing}", "--kind", "love_station", "--crs", "wgs84"], "不存在"),
        (
            ["import", "stations", "{csv}", "--kind", "love_station", "--crs", "mars"],
            "未知的坐标系",
        ),
        (["import", "streets", "{csv}"], "几何"),
        (["import", "districts", "{csv}", "--name-field", "qh"], "几何"),
    ],
)
def test_cli_errors_are_clear_and_exit_2(db, database_url, tmp_path, args, needle) -> None:
    csv = tmp_path / "x.csv"
    csv.write_text("name,lng,lat\n某站,114,22\n", encoding="utf-8")
    args = [a.format(missing=tmp_path / "nope.csv", csv=csv) for a in args]
    out = yizhan(*args, url=database_url)
    assert out.returncode == 2
    assert needle in out.stderr and "error:" in out.stderr
    assert "Traceback" not in out.stderr


def test_db_status_reports_migrations_and_contents(db, database_url) -> None:
    out = yizhan("db", "status", url=database_url)
    assert out.returncode == 0, out.stderr
    assert "0 pending" in out.stdout
