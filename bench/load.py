"""HTTP load generator, run as its own process: ``python -m bench.load URL... --seconds S``.

Each of ``--concurrency`` workers sends requests in a loop (bounded by ``--seconds`` and
``--max-requests``) to 127.0.0.1 only, cycling through the given URLs. Prints JSON with
requests/s and latency percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit

import httpx
import numpy as np


async def _run(urls: list[str], concurrency: int, seconds: float, max_requests: int) -> dict:
    for u in urls:
        if urlsplit(u).hostname != "127.0.0.1":
            raise SystemExit(f"refusing to load anything but 127.0.0.1: {u}")
    latencies: list[float] = []
    errors = 0
    sent = 0
    # One client (one keep-alive connection) per worker: a single shared AsyncClient spends
    # milliseconds of CPU per request managing its pool at this concurrency (encode/httpx
    # #3215) and then measures itself instead of the server.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(limits=limits, timeout=10.0) for _ in range(concurrency)]
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("urls_file")
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--max-requests", type=int, default=200_000)
    a = ap.parse_args()
    with open(a.urls_file, encoding="utf-8") as fh:
        urls = [line.strip() for line in fh if line.strip()]
    print(json.dumps(asyncio.run(_run(urls, a.concurrency, a.seconds, a.max_requests))))


if __name__ == "__main__":
    main()
