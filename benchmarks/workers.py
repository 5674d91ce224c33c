"""Does serving with several workers slow each request? p50 of ``GET /healthz`` on one
reused connection at concurrency 1: ``creditbank serve --workers 4`` beside ``--workers 1``.

Without ``TCP_NODELAY`` on the socket the workers share, every response on a reused
connection waited for the client's delayed ACK (about 40 ms). The target is 4 workers
within 1.5× of one worker. SQLite under a temporary directory, on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.concurrency.server import running_server

SAMPLES = 300
TARGET_RATIO = 1.5


def _p50_ms(base_url: str, samples: int) -> float:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    times = []
    for _ in range(samples + 20):
        started = time.perf_counter()
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET /healthz: {response.status}")
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    return statistics.median(times[20:])  # the first requests warm the connection up


def run(samples: int = SAMPLES) -> dict[str, Any]:
    p50 = {}
    for workers in (1, 4):
        with (
            tempfile.TemporaryDirectory(prefix="creditbank-bench-") as tmp,
            running_server(Path(tmp), "sqlite", workers=workers) as server,
        ):
            p50[workers] = _p50_ms(server.base_url, samples)
    return {
        "workers_healthz_p50_ms_1_worker": round(p50[1], 2),
        "workers_healthz_p50_ms_4_workers": round(p50[4], 2),
        "workers_p50_ratio": round(p50[4] / p50[1], 2),
        "workers_p50_ratio_target": TARGET_RATIO,
    }
