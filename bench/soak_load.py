"""The soak's load generator, run as its own process: ``python -m bench.soak_load PLAN OUT``.

Open loop: request ``i`` is sent at ``start + i / rate`` whether or not earlier ones have
answered, so a slow server shows up as latency, not as a lower rate. 90 % public reads
(nearest, bbox station list, station by id, OGC items), 10 % staff writes (creates at
precomputed positions far from every other station, and PATCH edits with If-Match fetched
first, never two at once on one station), all to 127.0.0.1 only. Every response is
recorded; the records go to ``OUT`` as JSON for :mod:`bench.soak` to summarise and check
against the database. The loop is bounded by the plan's request count and by time.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

#: Share of each request class; the writes (create + patch) are 10 %.
MIX: dict[str, float] = {
    "nearest": 0.30,
    "bbox_list": 0.20,
    "by_id": 0.20,
    "ogc_items": 0.20,
    "create": 0.05,
    "patch": 0.05,
}
MAX_IN_FLIGHT = 400  # beyond this the server is not holding the rate: counted as failures
TIMEOUT_S = 10.0


class Soak:
    """One run of the plan: the schedule, the records and the write bookkeeping."""

    def __init__(self, plan: dict[str, Any], client: httpx.AsyncClient, token: str) -> None:
        self.plan = plan
        self.client = client
        self.auth = {"Authorization": f"Bearer {token}"}
        self.rng = random.Random(plan["seed"])
        self.records: list[dict[str, Any]] = []
        self.writes: list[dict[str, Any]] = []
        self.free_points = list(map(tuple, plan["create_points"]))
        self.patch_ids = list(plan["station_ids"])
        self.busy: set[int] = set()
        self.patch_no = 0
        self.in_flight = 0

    # ---------------------------------------------------------------- one request
    async def _send(self, cls: str, method: str, url: str, **kw: Any) -> httpx.Response | None:
        t0 = time.perf_counter()
        rec: dict[str, Any] = {"cls": cls, "t": round(t0 - self.start, 3)}
        try:
            r = await self.client.request(method, self.plan["base"] + url, **kw)
            rec["status"] = r.status_code
        except httpx.HTTPError as exc:
            r = None
            rec["status"] = 0
            rec["error"] = f"{type(exc).__name__}: {exc}"[:200]
        rec["ms"] = round((time.perf_counter() - t0) * 1000, 2)
        if r is not None and not 200 <= r.status_code < 300:
            rec["error"] = r.text[:300]
        self.records.append(rec)
        return r if r is not None and 200 <= r.status_code < 300 else None

    def _point(self) -> tuple[float, float]:
        xmin, ymin, xmax, ymax = self.plan["bbox"]
        return self.rng.uniform(xmin, xmax), self.rng.uniform(ymin, ymax)

    def _box(self) -> str:
        x, y = self._point()
        return f"{x:.5f},{y:.5f},{x + 0.01:.5f},{y + 0.01:.5f}"

    # ---------------------------------------------------------------- request classes
    async def nearest(self) -> None:
        x, y = self._point()
        await self._send("nearest", "GET", f"/api/v1/stations/nearest?lon={x:.6f}&lat={y:.6f}")

    async def bbox_list(self) -> None:
        await self._send("bbox_list", "GET", f"/api/v1/stations?limit=100&bbox={self._box()}")

    async def by_id(self) -> None:
        sid = self.rng.choice(self.plan["station_ids"])
        await self._send("by_id", "GET", f"/api/v1/stations/{sid}")

    async def ogc_items(self) -> None:
        url = f"/ogc/collections/stations/items?limit=100&bbox={self._box()}"
        await self._send("ogc_items", "GET", url)

    async def create(self) -> None:
        if not self.free_points:
            self.records.append({"cls": "create", "status": -1, "error": "no positions left"})
            return
        lon, lat = self.free_points.pop()
        name = "soak " + "".join(self.rng.choices("abcdefghjkmnpqrstuvwxyz23456789", k=10))
        body = {
            "kind": self.rng.choice(["love_station", "mother_baby_room", "worker_bookshop"]),
            "name": name,
            "lon": round(lon, 7),
            "lat": round(lat, 7),
            "crs": "wgs84",
            "opening_hours": "24/7",
            "services": ["drinking_water"],
        }
        r = await self._send("create", "POST", "/api/v1/stations", json=body, headers=self.auth)
        if r is not None:
            out = r.json()
            self.writes.append(
                {"op": "create", "id": out["id"], "name": name, "version": out["version"]}
            )

    async def patch(self) -> None:
        free = [i for i in self.patch_ids[:64] if i not in self.busy]
        if not free:
            self.records.append({"cls": "patch", "status": -1, "error": "no idle station"})
            return
        sid = free[0]
        self.patch_ids.remove(sid)
        self.patch_ids.append(sid)  # round robin over the seeded stations
        self.busy.add(sid)
        try:
            got = await self._send(
                "staff_get", "GET", f"/api/v1/staff/stations/{sid}", headers=self.auth
            )
            if got is None:
                return
            self.patch_no += 1
            address = f"soak address {self.patch_no}"
            headers = {**self.auth, "If-Match": got.headers["ETag"]}
            url = f"/api/v1/stations/{sid}"
            r = await self._send("patch", "PATCH", url, json={"address": address}, headers=headers)
            if r is not None:
                self.writes.append(
                    {"op": "patch", "id": sid, "address": address, "version": r.json()["version"]}
                )
        finally:
            self.busy.discard(sid)

    # ---------------------------------------------------------------- the schedule
    async def _one(self, cls: str) -> None:
        self.in_flight += 1
        try:
            await getattr(self, cls)()
        finally:
            self.in_flight -= 1

    async def run(self) -> float:
        rate, total = float(self.plan["rate"]), int(self.plan["requests"])
        classes, weights = list(MIX), list(MIX.values())
        tasks: set[asyncio.Task[None]] = set()
        self.start = time.perf_counter()
        hard_stop = self.start + total / rate + 120
        for i in range(total):
            due = self.start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.perf_counter() > hard_stop:
                break
            cls = self.rng.choices(classes, weights)[0]
            if self.in_flight >= MAX_IN_FLIGHT:
                self.records.append({"cls": cls, "status": -1, "error": "too many in flight"})
                continue
            task = asyncio.create_task(self._one(cls))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=3 * TIMEOUT_S + 30)
        return time.perf_counter() - self.start


async def _main(plan: dict[str, Any]) -> dict[str, Any]:
    if urlsplit(plan["base"]).hostname != "127.0.0.1":
        raise SystemExit(f"refusing to load anything but 127.0.0.1: {plan['base']}")
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=64)
    async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT_S) as client:
        r = await client.post(
            plan["base"] + "/api/v1/auth/token",
            data={"username": plan["user"], "password": plan["password"]},
        )
        r.raise_for_status()
        soak = Soak(plan, client, r.json()["access_token"])
        seconds = await soak.run()
    return {"seconds": round(seconds, 2), "records": soak.records, "writes": soak.writes}


def main() -> None:
    plan_file, out_file = sys.argv[1], sys.argv[2]
    with open(plan_file, encoding="utf-8") as fh:
        plan = json.load(fh)
    result = asyncio.run(_main(plan))
    with open(out_file, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    print(json.dumps({"seconds": result["seconds"], "records": len(result["records"])}))


if __name__ == "__main__":
    main()
