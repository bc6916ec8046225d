"""Siting plans run as jobs (#16): asked for over the API, run in the background with
progress by stage, cancelled, re-verified with moved sites against a direct coverage
computation, exported in WGS-84 and GCJ-02; planners and admins only; bad input gets a
Chinese and English 4xx."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import time
import uuid

import pytest
from openpyxl import load_workbook

from geo.coverage import service
from geo.crs import from_wgs84_point
from geo.db import plan_jobs as db_jobs
from geo.db.connection import connect
from geo.settings import get_settings
from geo.siting import jobs
from geo.siting.plan import STAGES
from tests.helpers.cities import MAIN_STREET, load_district, load_streets, lonlat

AS_OF = "2026-11-24"
PLANS = "/api/v1/plans"
FULL = {"as_of": AS_OF, "mode": "full", "distance": 500, "spacing": 100, "time_limit": 30}
ENDED = ("succeeded", "failed", "cancelled")


@pytest.fixture
def city(db):
    """主街 (3 km, no station yet) partly in the key district 示范区."""
    load_streets(db, MAIN_STREET)
    load_district(db, "示范区", (0, -100, 600, 100))
    return db


def _wait(client, headers, url: str) -> tuple[dict, list[float]]:
    """Poll a job until it ends; the job and every progress seen on the way."""
    seen: list[float] = []
    for _ in range(3000):  # a bound on the loop, not a time limit on the plan
        job = client.get(url, headers=headers).json()
        seen.append(job["progress"])
        if job["state"] in ENDED:
            return job, seen
        time.sleep(0.05)
    raise AssertionError(f"the plan job did not end: {job}")


def _run(client, headers, **over) -> tuple[dict, list[float]]:
    r = client.post(PLANS, json={**FULL, **over}, headers=headers)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == r.json()["url"]
    return _wait(client, headers, r.headers["location"])


def test_a_full_plan_runs_as_a_job_and_keeps_its_sites(client, city, planner) -> None:
    job, seen = _run(client, planner)
    assert job["state"] == "succeeded", job
    assert seen == sorted(seen) and seen[-1] == 1.0  # progress never goes back
    result = job["result"]
    assert [s["stage"] for s in result["stages"]] == list(STAGES)
    assert result["model"] == "lscp" and result["status"] == "optimal"
    assert result["objective"] == len(result["sites"]) >= 3  # 3 km of street at D = 500
    for key in ("bound", "gap", "verified", "unreachable"):
        assert key in result
    assert result["verified"]["main_street_share"] == pytest.approx(1.0)
    for site in result["sites"]:
        gcj = from_wgs84_point(site["lon"], site["lat"], "gcj02")
        assert (site["lon_gcj02"], site["lat_gcj02"]) == pytest.approx(gcj, abs=1e-7)
    assert job["params"] == {
        "as_of": AS_OF,
        "kind": "love_station",
        "distance": 500.0,
        "mode": "full",
        "k": None,
        "time_limit": 30.0,
        "solver": "highs",
        "spacing": 100.0,
    }
    listed = client.get(f"{PLANS}?limit=5", headers=planner).json()
    n = len(result["sites"])
    assert [(j["id"], j["n_sites"], j["result"]) for j in listed] == [(job["id"], n, None)]


def test_a_best_k_plan_gives_k_sites(client, city, admin) -> None:
    job, _ = _run(client, admin, mode="k", k=2, solver="greedy")
    assert job["state"] == "succeeded"
    assert job["result"]["model"] == "mclp" and len(job["result"]["sites"]) == 2


def test_progress_is_stored_only_forward_and_not_after_cancel(db, make_user) -> None:
    make_user("zhao.plan", "planner")
    uid = db.execute("SELECT id FROM users WHERE name = 'zhao.plan'").fetchone()["id"]
    job_id, runner = uuid.uuid4(), secrets.randbelow(10**6) + 1
    db_jobs.insert(db, job_id, created_by=uid, params={}, runner=runner)
    assert db_jobs.set_progress(db, job_id, "network", 0.5) == "queued"  # not running yet
    assert db_jobs.get(db, job_id)["progress"] == 0
    assert db_jobs.claim(db, job_id, runner)
    db_jobs.set_progress(db, job_id, "solving", 0.5)
    db_jobs.set_progress(db, job_id, "candidates", 0.3)
    assert db_jobs.get(db, job_id)["progress"] == 0.5
    assert db_jobs.cancel(db, job_id, uid)
    assert db_jobs.set_progress(db, job_id, "verifying", 0.95) == "cancelled"
    assert not db_jobs.succeed(db, job_id, {"sites": []})
    job = db_jobs.get(db, job_id)
    assert (job["state"], job["progress"], job["result"]) == ("cancelled", 0.5, None)


def test_plan_jobs_are_never_deleted(db, make_user) -> None:
    import psycopg

    make_user("zhao.plan", "planner")
    uid = db.execute("SELECT id FROM users WHERE name = 'zhao.plan'").fetchone()["id"]
    job_id = uuid.uuid4()
    db_jobs.insert(db, job_id, created_by=uid, params={}, runner=1)
    with pytest.raises(psycopg.errors.RestrictViolation):
        db.execute("DELETE FROM plan_jobs WHERE id = %s", (job_id,))


def _queued(database_url, user_name: str) -> tuple[uuid.UUID, dict, int, object]:
    """A queued job held by a runner lock of this test (as a server process would)."""
    settings = get_settings().siting
    params = jobs.job_params(
        as_of=dt.date(2026, 11, 24),
        kind="love_station",
        distance=500,
        mode="full",
        k=None,
        time_limit=30,
        solver="highs",
        spacing=100,
        settings=settings,
    )
    lock = connect(database_url, autocommit=True)
    runner = secrets.randbelow(10**6) + 1
    assert db_jobs.lock_runner(lock, runner)
    uid = lock.execute("SELECT id FROM users WHERE name = %s", (user_name,)).fetchone()["id"]
    job_id = uuid.uuid4()
    db_jobs.insert(lock, job_id, created_by=uid, params=params, runner=runner)
    return job_id, params, runner, lock


def test_a_cancelled_queued_job_never_runs(client, city, planner, database_url) -> None:
    job_id, params, runner, lock = _queued(database_url, "zhao.plan")
    try:
        r = client.post(f"{PLANS}/{job_id}/cancel", headers=planner)
        assert r.status_code == 200 and r.json()["state"] == "cancelled"
        assert r.json()["cancelled_by"] == "zhao.plan"
        jobs.run_job(database_url, job_id, params, get_settings().siting, runner)
        job = client.get(f"{PLANS}/{job_id}", headers=planner).json()
        assert (job["state"], job["result"], job["started_at"]) == ("cancelled", None, None)
        listed = client.get(PLANS, headers=planner).json()
        assert [(j["state"], j["n_sites"]) for j in listed] == [("cancelled", None)]
        r = client.post(f"{PLANS}/{job_id}/cancel", headers=planner)
        assert r.status_code == 409 and "无法取消" in r.json()["message"]
        assert "cannot be cancelled" in r.json()["message_en"]
    finally:
        lock.close()


def test_a_job_cancelled_while_running_stops_and_stores_nothing(
    client, city, planner, database_url, monkeypatch
) -> None:
    from geo.siting import plan as plan_module

    job_id, params, runner, lock = _queued(database_url, "zhao.plan")
    original = plan_module.candidate_sites

    def cancelled_meanwhile(*args, **kwargs):  # a person presses cancel during this stage
        assert client.post(f"{PLANS}/{job_id}/cancel", headers=planner).status_code == 200
        return original(*args, **kwargs)

    monkeypatch.setattr(plan_module, "candidate_sites", cancelled_meanwhile)
    try:
        jobs.run_job(database_url, job_id, params, get_settings().siting, runner)
        job = client.get(f"{PLANS}/{job_id}", headers=planner).json()
        assert (job["state"], job["stage"], job["result"]) == ("cancelled", "candidates", None)
        assert job["progress"] < jobs.STAGE_END["candidates"]
    finally:
        lock.close()


def test_a_job_whose_process_is_gone_is_failed_when_read(
    client, city, planner, database_url
) -> None:
    job_id, _, _, lock = _queued(database_url, "zhao.plan")
    lock.close()  # the process that took it is gone
    job = client.get(f"{PLANS}/{job_id}", headers=planner).json()
    assert job["state"] == "failed" and job["error"]["code"] == "plan_interrupted"
    assert "重启" in job["error"]["message"]


def _build(db, sites) -> None:
    from geo.stations import sql as stations_db

    with db.transaction():
        stations_db.upsert_many(
            db,
            [
                {
                    "kind": "love_station",
                    "name": f"新址{i}",
                    "status": "open",
                    "review_state": "approved",
                    "opened_on": dt.date(2026, 11, 1),
                    "services": [],
                    "is_demo": False,
                    "source": "plan",
                    "external_id": f"plan-{i}",
                    "lon": lon,
                    "lat": lat,
                }
                for i, (lon, lat) in enumerate(sites)
            ],
        )


def test_verify_of_moved_sites_equals_a_direct_coverage_run(client, city, planner) -> None:
    job, _ = _run(client, planner)
    url = job["url"]
    sites = job["result"]["sites"]
    own = client.post(
        f"{url}/verify",
        json={"sites": [{"lon": s["lon"], "lat": s["lat"]} for s in sites]},
        headers=planner,
    ).json()
    assert own["verified"] == own["plan"] == job["result"]["verified"]
    assert own["difference"] == {"main_street_share": 0, "key_district_share": 0}
    # Two sites moved to 400 m and 1400 m along the street, given in GCJ-02: together
    # they reach 0 to 1900 m of its 3000 m.
    moved = [lonlat(400, 0), lonlat(1400, 0)]
    body = [
        {"lon": g[0], "lat": g[1], "crs": "gcj02"}
        for g in (from_wgs84_point(lon, lat, "gcj02") for lon, lat in moved)
    ]
    r = client.post(f"{url}/verify", json={"sites": body}, headers=planner)
    assert r.status_code == 200, r.text
    out = r.json()
    # Direct: the moved sites built as stations, the coverage engine run on the data.
    _build(city, moved)
    q = service.question(dt.date.fromisoformat(AS_OF), "love_station", 500)
    direct = service.run(city, q)["figures"]["summary"]
    assert out["verified"]["main_street_share"] == pytest.approx(direct["main_street_share"])
    assert out["verified"]["main_street_share"] == pytest.approx(1900 / 3000, abs=1e-3)
    assert out["sites"] == 2
    assert out["difference"]["main_street_share"] < 0


@pytest.mark.parametrize("crs", ["wgs84", "gcj02"])
def test_the_sites_export_in_either_datum_names_it(client, city, planner, crs) -> None:
    job, _ = _run(client, planner)
    sites = job["result"]["sites"]
    r = client.get(f"{job['url']}/sites.csv?crs={crs}", headers=planner)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f"sites-{crs}.csv" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["crs"] for row in rows] == [crs] * len(sites)
    for row, site in zip(rows, sites, strict=True):
        suffix = "" if crs == "wgs84" else "_gcj02"
        want = (site[f"lon{suffix}"], site[f"lat{suffix}"])
        got = (float(row[f"lng_{crs}"]), float(row[f"lat_{crs}"]))
        assert got == pytest.approx(want, abs=1e-6)
    r = client.get(f"{job['url']}/sites.xlsx?crs={crs}", headers=planner)
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[1:4] == [f"lng_{crs}", f"lat_{crs}", "crs"]
    assert sheet.max_row == len(sites) + 1


def test_plans_are_for_planners_and_admins_only(client, city, staff, reviewer) -> None:
    assert client.post(PLANS, json=FULL).status_code == 401
    assert client.get(PLANS).status_code == 401
    for headers in (staff, reviewer):
        assert client.post(PLANS, json=FULL, headers=headers).status_code == 403
        assert client.get(PLANS, headers=headers).status_code == 403
        assert client.get(f"{PLANS}/{uuid.uuid4()}", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("over", "zh", "en"),
    [
        ({"mode": "k"}, "必须填写 k", "needs k"),
        ({"mode": "full", "k": 3}, "不需要 k", "takes no k"),
        ({"time_limit": 301}, "不超过 300 秒", "at most 300 s"),
        ({"time_limit": 0}, "必须大于 0", "more than 0"),
        ({"mode": "k", "k": 0}, "至少为 1", "at least 1"),
        ({"kind": "bakery"}, "未知的站点类型", "unknown station kind"),
        ({"spacing": 5}, "候选点间距", "candidate spacing"),
    ],
)
def test_a_bad_plan_is_refused_with_both_messages(client, city, planner, over, zh, en) -> None:
    r = client.post(PLANS, json={**FULL, **over}, headers=planner)
    assert r.status_code == 422, r.text
    assert zh in r.json()["message"] and en in r.json()["message_en"]
    assert client.get(PLANS, headers=planner).json() == []  # no job was made


def test_unknown_plans_and_unfinished_plans_get_clear_answers(
    client, city, planner, database_url
) -> None:
    for bad in (str(uuid.uuid4()), "not-a-uuid"):
        r = client.get(f"{PLANS}/{bad}", headers=planner)
        assert r.status_code == 404 and r.json()["message"] == "没有这个方案"
    job_id, _, _, lock = _queued(database_url, "zhao.plan")
    try:
        for r in (
            client.post(f"{PLANS}/{job_id}/verify", json={"sites": []}, headers=planner),
            client.get(f"{PLANS}/{job_id}/sites.csv", headers=planner),
        ):
            assert r.status_code == 409 and "尚未成功完成" in r.json()["message"]
    finally:
        lock.close()
    job, _ = _run(client, planner)
    r = client.post(
        f"{job['url']}/verify", json={"sites": [{"lon": 999, "lat": 22.5}]}, headers=planner
    )
    assert r.status_code == 422 and "坐标无效" in r.json()["message"]
    assert client.get(f"{job['url']}/sites.csv?crs=mars", headers=planner).status_code == 422
    assert client.get(f"{job['url']}/sites.pdf", headers=planner).status_code in (404, 422)
