"""Import bombs: the server's peak memory and time for hostile uploads, before and after
the import limits and streaming of #11 item 5.

Files (built in a temporary folder, all within the 20 MB upload limit):

- ``bomb.xlsx``: 3,000,000 station rows in one sheet, 0.95 MB zipped, 279 MB of XML;
- ``million.csv``: 1,000,000 rows with a name and no coordinates (every row a problem),
  14 MB, like the list that took 41 s and answered with a 201 MB report;
- ``largest.csv`` (after only): 100,000 such rows, the most the default limits accept;
- ``million.csv`` again after, with ``YIZHAN_IMPORT_MAX_ROWS=1000000``: what streaming
  alone costs when the limit is raised (the problem rows are still all kept).

Each case runs on a fresh ``uvicorn api.app:create_app`` (one process, rate limit off)
of the code under test: this checkout ("after"), and a git worktree of the commit before
the limits ("before", the parent of the commit that added ``geo/io/limits.py``), each on
its own database in the managed cluster ``.yizhan-bench``. The server's peak RSS is
its ``VmHWM`` from ``/proc``; a watchdog samples its RSS every 0.2 s and stops a case
over ``--max-gb`` of RSS or ``--max-seconds`` (the machine is shared). A background job
(202) is polled until it finishes.

Results: ``bench/results/imports.md`` and ``imports.json``.
Usage: ``python -m bench.import_bench [--max-gb 8] [--max-seconds 240]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.nearest import RESULTS, ROOT, _admin_url, _free_port, fresh_database
from geo import clock
from tests.helpers.imports import xlsx_bomb

XLSX_ROWS = 3_000_000
CSV_ROWS = 1_000_000
LARGEST_ROWS = 100_000


# ------------------------------------------------------------------------ files
def address_only_csv(path: Path, rows: int) -> Path:
    """A CSV of ``rows`` stations with names and no coordinates."""
    with path.open("w", encoding="utf-8") as out:
        out.write("name,lng,lat\n")
        for i in range(rows):
            out.write(f"驿站{i},,\n")
    return path


# ------------------------------------------------------------------------ code under test
def before_commit() -> str:
    """The commit before the import limits: the parent of the one adding geo/io/limits.py."""
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "geo/io/limits.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()[-1]  # fmt: skip
    return subprocess.run(
        ["git", "rev-parse", "--short", f"{added}^"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def worktree(commit: str, folder: Path) -> Path:
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), commit],
        cwd=ROOT, capture_output=True, check=True,
    )  # fmt: skip
    return folder


def database(admin: str, name: str, code: Path) -> tuple[str, dict[str, str]]:
    """A fresh database migrated by the code in ``code``, with an admin's bearer token."""
    url = fresh_database(admin, name, migrated=False)  # migrated by ``code`` below
    script = (
        "import sys, psycopg\n"
        "from geo.db.migrate import migrate\n"
        "from geo.accounts import User, issue_token\n"
        "from geo.db.accounts import insert_user, user_by_name\n"
        "from geo.db.connection import transaction\n"
        "with psycopg.connect(sys.argv[1]) as c: migrate(c)\n"
        "with transaction(sys.argv[1], actor='bench') as c:\n"
        "    insert_user(c, 'bench.admin', 'admin', 'not-a-hash')\n"
        "    row = user_by_name(c, 'bench.admin')\n"
        "    print(issue_token(c, User(row['id'], row['name'], row['role']))[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, url], cwd=code, capture_output=True, text=True, check=True
    )
    return url, {"Authorization": f"Bearer {out.stdout.strip().splitlines()[-1]}"}


# ------------------------------------------------------------------------ memory
def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Watchdog(threading.Thread):
    """Samples the server's RSS; kills it over ``max_kb`` or ``max_s`` seconds."""

    def __init__(self, proc: subprocess.Popen[Any], max_kb: int, max_s: float) -> None:
        super().__init__(daemon=True)
        self.proc, self.max_kb, self.max_s = proc, max_kb, max_s
        self.peak_kb = 0
        self.stopped_for: str | None = None
        self.done = threading.Event()

    def run(self) -> None:
        t0 = time.monotonic()
        while not self.done.wait(0.2):
            try:
                rss = _status_kb(self.proc.pid, "VmRSS")
            except OSError:
                return
            self.peak_kb = max(self.peak_kb, rss)
            if rss > self.max_kb or time.monotonic() - t0 > self.max_s:
                over = rss > self.max_kb
                self.stopped_for = f"RSS over {self.max_kb // 2**20} GB" if over else "time"
                self.proc.kill()
                return


# ------------------------------------------------------------------------ one case
class Server:
    """``uvicorn api.app:create_app`` of the code in ``code``, one process on 127.0.0.1."""

    def __init__(self, code: Path, env: dict[str, str]) -> None:
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
             "--no-access-log"],
            cwd=code, env={**os.environ, **env},
        )  # fmt: skip
        for _ in range(600):
            try:
                if httpx.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server of {code} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_case(
    code: Path, url: str, headers: dict[str, str], path: Path, env: dict[str, str], a: Any
) -> dict[str, Any]:
    """Upload ``path`` to a fresh server of ``code``; what it answered and cost."""
    env = {
        "DATABASE_URL": url,
        "YIZHAN_RATE_LIMIT_PER_MINUTE": "0",
        "PYTHONPATH": str(code),
        **env,
    }
    server = Server(code, env)
    start_kb = _status_kb(server.proc.pid, "VmRSS")
    dog = Watchdog(server.proc, int(a.max_gb * 2**20), a.max_seconds)
    dog.start()
    out: dict[str, Any] = {"file": path.name, "file_mb": round(path.stat().st_size / 1e6, 2)}
    t0 = time.perf_counter()
    try:
        with httpx.Client(base_url=server.base, timeout=a.max_seconds + 60) as http:
            with path.open("rb") as fh:
                r = http.post(
                    "/api/v1/imports",
                    files={"file": (path.name, fh, "application/octet-stream")},
                    data={"kind": "love_station", "crs": "wgs84", "dry_run": "true"},
                    headers=headers,
                )
            out.update(status=r.status_code, response_mb=round(len(r.content) / 1e6, 3))
            body = r.json()
            out["answer"] = _answer(body)
            if r.status_code == 202:
                job = _poll(http, body["url"], headers, dog)
                out["job"] = {k: job[k] for k in ("state", "rows_total")}
                out["answer"] = _answer(job["result"] or job["error"])
                out["job_mb"] = round(len(json.dumps(job)) / 1e6, 3)
                csv = http.get(body["url"] + "/problems.csv", headers=headers)
                out["problems_csv_mb"] = round(len(csv.content) / 1e6, 2)
        out["seconds"] = round(time.perf_counter() - t0, 2)
        out["peak_rss_mb"] = round(_status_kb(server.proc.pid, "VmHWM") / 1024, 1)
    except (httpx.HTTPError, OSError, ValueError) as exc:
        out["seconds"] = round(time.perf_counter() - t0, 2)
        out["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        out["peak_rss_mb"] = round(dog.peak_kb / 1024, 1)
    finally:
        dog.done.set()
        out["stopped_for"] = dog.stopped_for
        out["start_rss_mb"] = round(start_kb / 1024, 1)
        server.stop()
    return out


def _poll(http: httpx.Client, url: str, headers: dict[str, str], dog: Watchdog) -> dict[str, Any]:
    while True:
        job = http.get(url, headers=headers).json()
        if job["state"] in ("succeeded", "failed") or dog.stopped_for:
            return job
        time.sleep(0.5)


def _answer(body: dict[str, Any]) -> str:
    if "code" in body:
        return f"{body['code']}: {body.get('message_en', '')[:160]}"
    if "counts" in body:
        listed = len(body.get("problems", []))
        total = body.get("problems_total", listed)
        return f"counts {body['counts']}; problems listed {listed} of {total}"
    return f"{body.get('state')} job, {body.get('rows_total')} rows"


# ------------------------------------------------------------------------ main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-gb", type=float, default=8.0)
    ap.add_argument("--max-seconds", type=float, default=240.0)
    ap.add_argument(
        "--db-port", type=int, default=int(os.environ.get("YIZHAN_BENCH_DB_PORT", 55494))
    )
    a = ap.parse_args()
    admin = _admin_url(a.db_port)
    commit = before_commit()
    result: dict[str, Any] = {
        "when": clock.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "before": commit,
        "after": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "cases": [],
    }
    with tempfile.TemporaryDirectory(prefix="yizhan-bench-") as tmp:
        folder = Path(tmp)
        files = {
            "xlsx": xlsx_bomb(folder / "bomb.xlsx", XLSX_ROWS),
            "csv": address_only_csv(folder / "million.csv", CSV_ROWS),
            "largest": address_only_csv(folder / "largest.csv", LARGEST_ROWS),
        }
        old = worktree(commit, folder / "before")
        try:
            sides = {"before": old, "after": ROOT}
            raised = {"YIZHAN_IMPORT_MAX_ROWS": str(CSV_ROWS)}
            for side, code in sides.items():
                url, headers = database(admin, f"yizhan_bench_imports_{side}", code)
                cases = [("xlsx", {}), ("csv", {})]
                if side == "after":
                    cases += [("largest", {}), ("csv", raised)]
                for key, env in cases:
                    case = run_case(code, url, headers, files[key], env, a)
                    case["side"] = side + (", max rows 1,000,000" if env else "")
                    print(json.dumps(case, ensure_ascii=False), flush=True)
                    result["cases"].append(case)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True
            )
    write(result)


def write(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "imports.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
    lines = [
        f"# Import bombs, {result['when']}",
        "",
        "`POST /api/v1/imports` (dry run, admin) on one uvicorn process, "
        f"{result['machine']['cpus']} CPUs shared with other work; "
        f"before = `{result['before']}` (no import limits), "
        f"after = `{result['after']}` (default limits: 100 MB unpacked, 100,000 rows). "
        "Peak RSS is the server's VmHWM (its start-up included); a case is stopped over "
        "the watchdog's RSS or time bound.",
        "",
        "| file | side | status | seconds | server RSS at start MB | peak RSS MB "
        "| response MB | answer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in result["cases"]:
        status = c.get("status", "—")
        if c.get("job"):
            status = f"{status} → job {c['job']['state']}"
        if c.get("stopped_for"):
            status = f"stopped ({c['stopped_for']})"
        lines.append(
            f"| {c['file']} ({c['file_mb']} MB) | {c['side']} | {status} | {c['seconds']} "
            f"| {c['start_rss_mb']} | {c['peak_rss_mb']} | {c.get('response_mb', '—')} "
            f"| {c.get('answer', c.get('error', ''))[:200]} |"
        )
    (RESULTS / "imports.md").write_text("\n".join(lines) + "\n", "utf-8")


if __name__ == "__main__":
    main()
