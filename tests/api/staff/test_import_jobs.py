"""Import jobs: big uploads in the background with progress, a bounded pool, and jobs
whose server process died marked failed with nothing stored (#11 item 5)."""

from __future__ import annotations

import os
import signal
import time
import uuid

import httpx
import psycopg

from geo.db.import_jobs import JOB_LOCK_CLASS
from geo.import_jobs import job_folder
from tests.helpers.imports import app_with, csv_rows, import_log_locked, upload, wait_for_job
from tests.helpers.live import start_server, stop_server


def _count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]


def test_an_upload_above_the_row_threshold_becomes_a_job_with_its_report(
    database_url, staff, db
) -> None:
    with app_with(database_url, YIZHAN_IMPORT_ASYNC_ROWS=10) as client:
        r = upload(client, staff, csv_rows(25))
        assert r.status_code == 202, r.text[:2000]
        body = r.json()
        assert r.headers["Location"] == body["url"] == f"/api/v1/imports/jobs/{body['id']}"
        assert body["state"] in ("queued", "running", "succeeded") and body["background"]
        assert body["rows_total"] == 25 and body["owner"] == "wang.field"
        job = wait_for_job(client, staff, body["url"])
    assert job["state"] == "succeeded", job
    assert job["result"]["counts"]["created"] == 25 and job["error"] is None
    assert job["result"]["problems_total"] == 0 and job["phase"] is None
    assert job["options"]["review_state"] == "pending_review"  # field staff's wait
    assert _count(db, "stations") == 25 and _count(db, "import_log") == 1
    assert not job_folder(uuid.UUID(body["id"])).exists()


def test_a_small_upload_is_imported_in_the_request_and_keeps_its_job(client, staff, db):
    r = upload(client, staff, csv_rows(3, bad=True))
    assert r.status_code == 200, r.text[:2000]
    body = r.json()
    job = client.get(f"/api/v1/imports/jobs/{body['job_id']}", headers=staff).json()
    assert job["state"] == "succeeded" and job["background"] is False
    assert job["result"] == body
    assert [j["id"] for j in client.get("/api/v1/imports/jobs", headers=staff).json()] == [
        body["job_id"]
    ]


def test_progress_shows_while_the_import_runs_and_the_pool_is_bounded(
    database_url, staff, db
) -> None:
    env = {"YIZHAN_IMPORT_WORKERS": 1, "YIZHAN_IMPORT_MAX_QUEUED": 2}
    with app_with(database_url, **env) as client:
        with import_log_locked(database_url):
            first = upload(client, staff, csv_rows(30), run_async=True).json()
            running = wait_for_job(
                client, staff, first["url"], until=lambda j: j["phase"] == "writing"
            )
            assert running["state"] == "running" and running["started_at"]
            assert (running["done"], running["total"], running["rows_total"]) == (0, 30, 30)
            second = upload(client, staff, csv_rows(5, start=100), run_async=True).json()
            assert client.get(second["url"], headers=staff).json()["state"] == "queued"
            full = upload(client, staff, csv_rows(5, start=200), run_async=True)
            assert full.status_code == 429 and full.headers["Retry-After"]
            assert full.json()["message"] and full.json()["message_en"]
            assert _count(db, "stations") == 0  # not committed while it waits
        for job in (first, second):
            done = wait_for_job(client, staff, job["url"])
            assert done["state"] == "succeeded", done
    assert _count(db, "stations") == 35


def test_a_failing_job_stores_nothing_and_says_why(database_url, staff, db) -> None:
    with app_with(database_url) as client:
        r = upload(client, staff, b"foo,bar\n1,2\n", run_async=True)
        assert r.status_code == 202, r.text[:2000]
        job = wait_for_job(client, staff, r.headers["Location"])
    assert job["state"] == "failed" and job["result"] is None
    assert job["error"]["code"] == "invalid_file"
    assert "name column" in job["error"]["message_en"] and job["error"]["message"]
    assert _count(db, "stations") == 0 and _count(db, "import_log") == 0


def _orphan(db, owner: str, runner: int, state: str = "running") -> uuid.UUID:
    job_id = uuid.uuid4()
    db.execute(
        "INSERT INTO import_jobs (id, owner_id, file, background, state, runner, started_at)"
        " SELECT %s, id, 'x.csv', true, %s, %s, now() FROM users WHERE name = %s",
        (job_id, state, runner, owner),
    )
    return job_id


def test_jobs_whose_process_is_gone_are_failed_at_start_up(database_url, staff, db) -> None:
    dead_running = _orphan(db, "wang.field", 4242)
    dead_queued = _orphan(db, "wang.field", 4243, "queued")
    alive = _orphan(db, "wang.field", 4244)
    with psycopg.connect(database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", (JOB_LOCK_CLASS, 4244))
        with app_with(database_url):
            rows = db.execute("SELECT id, state FROM import_jobs").fetchall()
        states = {r["id"]: r["state"] for r in rows}
        assert states == {dead_running: "failed", dead_queued: "failed", alive: "running"}
        error = db.execute(
            "SELECT error FROM import_jobs WHERE id = %s", (dead_running,)
        ).fetchone()["error"]
        assert error["code"] == "import_interrupted" and "nothing" in error["message_en"]
    with app_with(database_url) as client:  # its process gone: failed when read
        job = client.get(f"/api/v1/imports/jobs/{alive}", headers=staff).json()
    assert job["state"] == "failed" and job["error"]["code"] == "import_interrupted"


def test_a_server_killed_mid_import_leaves_a_failed_job_and_no_stations(
    database_url, staff, db
) -> None:
    base, proc = start_server(
        database_url, YIZHAN_IMPORT_ASYNC_ROWS="1", YIZHAN_RATE_LIMIT_PER_MINUTE="0"
    )
    try:
        with import_log_locked(database_url), httpx.Client(base_url=base) as http:
            r = http.post(
                "/api/v1/imports",
                files={"file": ("stations.csv", csv_rows(40), "text/csv")},
                data={"kind": "love_station", "crs": "wgs84"},
                headers=staff,
            )
            assert r.status_code == 202, r.text[:2000]
            url = r.headers["Location"]
            folder = job_folder(uuid.UUID(r.json()["id"]))
            assert (folder / "stations.csv").is_file()  # the upload, kept for the job
            for _ in range(2000):
                job = http.get(url, headers=staff).json()
                if job["phase"] == "writing":
                    break
                time.sleep(0.02)
            assert job["state"] == "running" and job["phase"] == "writing", job
            for _ in range(2000):  # "writing" is reported just before the stations are
                row = db.execute(  # written; the import then waits on the locked log
                    "SELECT pid FROM pg_stat_activity WHERE query LIKE 'INSERT INTO import_log%%'"
                ).fetchone()
                if row is not None:
                    break
                time.sleep(0.02)
            assert row is not None, "the import never reached the import log"
            blocked = row["pid"]
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        for _ in range(2000):  # the orphaned backend ends, rolling back, once unblocked
            gone = db.execute(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = %s", (blocked,)
            ).fetchone()["n"]
            if not gone:
                break
            db.execute("SELECT pg_sleep(0.01)")
    finally:
        stop_server(proc)
    with app_with(database_url) as client:
        job = wait_for_job(client, staff, url)
    assert job["state"] == "failed" and job["error"]["code"] == "import_interrupted"
    assert "upload the file again" in job["error"]["message_en"]
    assert _count(db, "stations") == 0 and _count(db, "import_log") == 0
    assert not folder.exists()  # the dead server's upload is deleted with it
