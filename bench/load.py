"""HTTP load generator, run as its own process: ``python -m bench.load URL... --seconds S``.

Closed loop (default): each of ``--concurrency`` workers sends requests in a loop (bounded
by ``--seconds`` and ``--max-requests``) to 127.0.0.1 only, cycling through the given URLs.

Open loop (``--rate R``): request ``i`` is due at ``start + i / R`` whatever became of the
ones before; ``--concurrency`` connections take the due requests in turn, and a request's
latency counts from the moment it was due, so a stall of the server (or a queue of due
requests waiting for a connection) shows in the percentiles instead of slowing the load.

Prints JSON with requests/s and latency percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit

import httpx
import numpy as np


def _local_only(urls: list[str]) -> None:
    """Refuse to send load anywhere but this machine."""
    for u in urls:
        if urlsplit(u).hostname != "127.0.0.1":
            raise SystemExit(f"refusing to load anything but 127.0.0.1: {u}")


def _clients(concurrency: int) -> list[httpx.AsyncClient]:
    """One client (one keep-alive connection) per worker: a single shared AsyncClient
    spends milliseconds of CPU per request managing its pool at this concurrency
    (encode/httpx #3215) and then measures itself instead of the server."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return [httpx.AsyncClient(limits=limits, timeout=10.0) for _ in range(concurrency)]


def _summary(latencies: list[float], errors: int, elapsed: float, concurrency: int) -> dict:
    """Count, rate and latency percentiles (ms) of one load run."""
    lat = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 2) if len(lat) else None,
        "p99_ms": round(float(np.percentile(lat, 99)), 2) if len(lat) else None,
        "concurrency": concurrency,
    }


async def _run(urls: list[str], concurrency: int, seconds: float, max_requests: int) -> dict:
    _local_only(urls)
    latencies: list[float] = []
    errors = 0
    sent = 0
    clients = _clients(concurrency)
    deadline = time.perf_counter() + seconds
    try:

        async def worker(i: int) -> None:
            nonlocal errors, sent
            client = clients[i]
            k = i
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                url = urls[k % len(urls)]
                k += concurrency
                t0 = time.perf_counter()
                try:
                    r = await client.get(url)
                    if r.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        start = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - start
    finally:
        for c in clients:
            await c.aclose()
    return _summary(latencies, errors, elapsed, concurrency)


async def _open_loop(
    urls: list[str], concurrency: int, seconds: float, rate: float, max_requests: int
) -> dict:
    _local_only(urls)
    total = int(min(seconds * rate, max_requests))
    latencies: list[float] = []
    errors = 0
    clients = _clients(concurrency)
    free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
    for c in clients:
        free.put_nowait(c)
    start = time.perf_counter() + 0.1

    async def one(i: int) -> None:
        nonlocal errors
        due = start + i / rate
        client = await free.get()
        try:
            r = await client.get(urls[i % len(urls)])
            if r.status_code != 200:
                errors += 1
        except httpx.HTTPError:
            errors += 1
        finally:
            free.put_nowait(client)
        latencies.append(time.perf_counter() - due)

    tasks = []
    try:
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
        elapsed = time.perf_counter() - start
    finally:
        for c in clients:
            await c.aclose()
    lat_ms = np.array(latencies) * 1000
    return _summary(latencies, errors, elapsed, concurrency) | {
        "rate": rate,
        "max_ms": round(float(lat_ms.max()), 2) if len(lat_ms) else None,
        "open_loop": True,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("urls_file")
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--rate", type=float, default=0.0, help="open loop: requests per second")
    a = ap.parse_args()
    with open(a.urls_file, encoding="utf-8") as fh:
        urls = [line.strip() for line in fh if line.strip()]
    if a.rate > 0:
        run = _open_loop(urls, a.concurrency, a.seconds, a.rate, a.max_requests)
    else:
        run = _run(urls, a.concurrency, a.seconds, a.max_requests)
    print(json.dumps(asyncio.run(run)))


if __name__ == "__main__":
    main()
