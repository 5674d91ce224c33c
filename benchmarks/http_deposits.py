"""HTTP deposits into distinct accounts, 4 workers, concurrency 32, beside ``GET /healthz``.

A real ``creditbank serve --workers 4`` (the concurrency tests' harness) on PostgreSQL
when ``CREDITBANK_BENCH_PG_URL`` answers, else on SQLite. 32 client threads each deposit
courses into an account of their own; then the same threads call ``/healthz`` on the same
server. Reported: requests/s and p99 of both, and deposits/s as a share of healthz/s.
One run, as the issue asks: the figures move with the load of the shared machine.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2

from benchmarks._postgres import server_url
from tests.concurrency.server import Server, running_server
from tests.issuer.factories import new_national_id

CONCURRENCY = 32
PER_CLIENT = 15


def load(
    server: Server,
    request: Callable[[httpx2.Client, int, int], httpx2.Response],
    concurrency: int = CONCURRENCY,
) -> dict[str, float]:
    """Requests/s, p50 and p99 of ``concurrency`` clients each sending ``PER_CLIENT`` requests."""
    barrier = threading.Barrier(concurrency, timeout=60)

    def client_loop(i: int) -> list[float]:
        latencies = []
        with httpx2.Client(base_url=server.base_url, timeout=60) as client:
            client.get("/healthz")
            barrier.wait()
            for n in range(PER_CLIENT):
                started = time.perf_counter()
                response = request(client, i, n)
                latencies.append(time.perf_counter() - started)
                if response.status_code >= 300:
                    raise RuntimeError(f"{response.status_code} {response.text}")
        return latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        latencies = [x for chunk in pool.map(client_loop, range(concurrency)) for x in chunk]
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
    }


def open_accounts(
    server: Server, count: int
) -> Callable[[httpx2.Client, int, int], httpx2.Response]:
    """Open ``count`` accounts at a new institution; a request that deposits course n
    into account i."""
    with httpx2.Client(base_url=server.base_url, timeout=60) as client:
        inst = client.post(
            "/institutions",
            json={"code": "BENCH", "name_zh": "基准", "name_en": "Bench", "kind": "university"},
            headers=server.admin,
        ).json()
        headers = {"Authorization": f"Bearer {inst['api_key']}"}
        learners = [
            client.post(
                "/learners",
                json={"name": "基准", "national_id": new_national_id()},
                headers=headers,
            ).json()["id"]
            for _ in range(count)
        ]

    def deposit(client: httpx2.Client, i: int, n: int) -> httpx2.Response:
        body = {
            "title": f"基准课程 {n}",
            "course_type": "theory",
            "hours": 32,
            "domain": "AM",
            "completed_on": "2024-06-30",
            "grade": "合格",
            "external_ref": f"BENCH-{i}-{n}",
        }
        return client.post(f"/learners/{learners[i]}/courses", json=body, headers=headers)

    return deposit


def run() -> dict[str, Any]:
    pg = server_url()
    backend = "postgresql" if pg else "sqlite"
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp), backend, server_url=pg, workers=4) as server,
    ):
        deposit = open_accounts(server, CONCURRENCY)
        deposits = load(server, deposit)
        health = load(server, lambda client, i, n: client.get("/healthz"))
    return {
        "http_deposits_backend": f"{backend}, 4 workers, concurrency {CONCURRENCY}",
        "http_deposits_per_second": deposits["rps"],
        "http_deposits_p99_ms": deposits["p99_ms"],
        "http_healthz_per_second": health["rps"],
        "http_healthz_p99_ms": health["p99_ms"],
        "http_deposits_to_healthz_ratio": round(deposits["rps"] / health["rps"], 3),
    }
