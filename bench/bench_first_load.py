"""First load of the map page on a throttled phone network (#14), before and after.

Run with ``python -m bench.bench_first_load`` (``--runs 3``). Writes
``bench/results/first_load.md`` and ``first_load.json``.

Headless Chromium (the system one, as the browser tests) opens ``/`` at a phone's
viewport with the network emulated through CDP ``Network.emulateNetworkConditions``:
400 ms round trip, 50 KB/s down and up. Each mode is a server of its own on 127.0.0.1,
in the same run, over the same database (a few hundred stations in Futian and, when
``../shared/data`` has them, the real Futian streets and districts; basemap ``none``: no
tiles, which the issue's budget excludes anyway, except in the last mode):

- **before**: ``YIZHAN_COMPRESS=false YIZHAN_HASHED_ASSETS=false`` (no compression, no
  Cache-Control, plain asset URLs, as before #14), service workers blocked;
- **after**: the defaults (gzip — Chromium asks for brotli only over https — hashed
  URLs kept a year), service workers blocked: what the HTTP cache alone does;
- **after + service worker**: the same with the service worker allowed; its repeat visit
  is answered from its cache (the page's CDP throttling may not reach the worker's own
  fetches, so its repeat time is a lower bound);
- **after, our basemap**: the defaults with our vector-tile basemap (``YIZHAN_BASEMAP=
  yizhan``, the default since #14), service workers blocked: the first view's tiles too.

For each: the first visit (a new browser context, empty cache) and a repeat visit (the
same context, the page opened again), as the navigation's ``loadEventEnd`` (ms) and the
bytes Chromium received for the page (``encodedDataLength``, headers included), the
median of ``--runs``. The benchmark starts its own managed cluster (``.yizhan-bench``,
``--db-port``) unless ``DATABASE_URL`` is set, and sends traffic only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

import psycopg

from bench.nearest import Server, _admin_url, fresh_database
from geo import clock
from tests.helpers.browser import launch

RESULTS = Path(__file__).resolve().parent / "results"
DB = "yizhan_bench_first_load"
RTT_MS = 400
BYTES_PER_S = 50 * 1024
MODES = {
    "before": ({"YIZHAN_COMPRESS": "false", "YIZHAN_HASHED_ASSETS": "false"}, "block"),
    "after": ({}, "block"),
    "after + service worker": ({}, "allow"),
    # Our vector-tile basemap (the default since #14) over the real Futian streets: the
    # tiles of the first view counted too.
    "after, our basemap": ({"YIZHAN_BASEMAP": "yizhan"}, "block"),
}
FUTIAN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "shenzhen-futian"


def prepare(admin: str, stations: int) -> str:
    """A fresh database with ``stations`` public stations scattered over Futian."""
    url = fresh_database(admin, DB)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO stations (kind, name, services, opening_hours, geom)
               SELECT 'love_station', '驿站 ' || i, ARRAY['drinking_water'], '24/7',
                      ST_SetSRID(ST_MakePoint(114.00 + (i %% 20) * 0.004,
                                              22.51 + (i / 20) * 0.003), 4326)
               FROM generate_series(1, %s) AS i""",
            (stations,),
        )
    if FUTIAN.is_dir():  # the real streets and districts, for the basemap mode
        from geo.importers import import_districts, import_streets

        import_streets(FUTIAN / "streets.geojson", actor="bench", url=url)
        import_districts(
            FUTIAN / "districts.geojson", name_field="qh", key=["福田"], actor="bench", url=url
        )
    return url


def _visit(page: Any, cdp: Any, url: str) -> dict[str, float]:
    """Open ``url`` in ``page``; its load time (ms) and bytes received."""
    sizes: dict[str, int] = {}

    def listener(event: dict[str, Any]) -> None:
        sizes[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.loadingFinished", listener)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    cdp.remove_listener("Network.loadingFinished", listener)
    load_ms = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
    return {"load_ms": round(float(load_ms)), "bytes": sum(sizes.values()), "requests": len(sizes)}


def measure(browser: Any, base: str, service_workers: str) -> dict[str, dict[str, float]]:
    """A first and a repeat visit of ``base + '/'`` on the throttled network."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, locale="zh-CN", service_workers=service_workers
    )
    outside: list[str] = []  # nothing may leave 127.0.0.1 (no route: it turns the cache off)
    context.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": RTT_MS,
            "downloadThroughput": BYTES_PER_S,
            "uploadThroughput": BYTES_PER_S,
            "connectionType": "cellular3g",
        },
    )
    first = _visit(page, cdp, base + "/")
    if service_workers == "allow":  # let the worker install and take the page
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    repeat = _visit(page, cdp, base + "/")
    context.close()
    if outside:
        raise RuntimeError(f"requests left 127.0.0.1: {outside[:3]}")
    return {"first": first, "repeat": repeat}


def _median(runs: list[dict[str, dict[str, float]]], visit: str, key: str) -> float:
    return statistics.median(r[visit][key] for r in runs)


def main() -> None:
    """Measure every mode ``--runs`` times and write the results."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stations", type=int, default=300)
    parser.add_argument(
        "--db-port", type=int, default=int(os.environ.get("YIZHAN_BENCH_DB_PORT", 55434))
    )
    a = parser.parse_args()
    url = prepare(_admin_url(a.db_port), a.stations)
    result: dict[str, Any] = {
        "when": clock.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "network": {"rtt_ms": RTT_MS, "bytes_per_s": BYTES_PER_S},
        "runs": a.runs,
        "modes": {},
    }
    with sync_playwright() as p:
        browser = launch(p)
        try:
            for mode, (env, workers) in MODES.items():
                server = Server(
                    "api.app:create_app",
                    {
                        "DATABASE_URL": url,
                        "YIZHAN_BASEMAP": "none",
                        "YIZHAN_RATE_LIMIT_PER_MINUTE": "0",
                        **env,  # may choose a basemap
                    },
                    "/readyz",
                )
                try:
                    runs = [measure(browser, server.base, workers) for _ in range(a.runs)]
                finally:
                    server.stop()
                result["modes"][mode] = {
                    "runs": runs,
                    **{
                        f"{v}_{k}": _median(runs, v, k)
                        for v in ("first", "repeat")
                        for k in ("load_ms", "bytes", "requests")
                    },
                }
        finally:
            browser.close()
    write(result)


def write(result: dict[str, Any]) -> None:
    """``first_load.json`` and the table in ``first_load.md``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "first_load.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False), "utf-8"
    )
    lines = [
        f"# First load of the map page, {result['when']}",
        "",
        f"{result['machine']['cpus']} CPUs, Python {result['machine']['python']}. Headless "
        f"Chromium, 360 × 640, network emulated by CDP: {result['network']['rtt_ms']} ms "
        f"round trip, {result['network']['bytes_per_s'] // 1024} KB/s down and up. Median "
        f"of {result['runs']} runs; load = the navigation's `loadEventEnd`; bytes = what "
        "Chromium received for the page (headers included; basemap `none`, no tiles, except "
        "in the last mode: our vector tiles over the real Futian streets). "
        "See `bench/bench_first_load.py` for the modes.",
        "",
        "| mode | first visit: load ms | bytes | requests | repeat visit: load ms | bytes "
        "| requests |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode, r in result["modes"].items():
        lines.append(
            f"| {mode} | {r['first_load_ms']:.0f} | {r['first_bytes']:,.0f} "
            f"| {r['first_requests']:.0f} | {r['repeat_load_ms']:.0f} "
            f"| {r['repeat_bytes']:,.0f} | {r['repeat_requests']:.0f} |"
        )
    (RESULTS / "first_load.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
