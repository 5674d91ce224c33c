"""Do sign-ins starve other requests? p99 of ``/healthz`` and an account read, alone and
while 8 clients sign in continuously, on one ``creditbank serve`` process over HTTP.

argon2 runs in a bounded thread pool off the event loop (issuer/api/signin.py); the
issue's target is that other requests' p99 rises by at most 2× under the sign-in load.
A fresh SQLite installation under a temporary directory, on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.verify_page import _free_port, _serve

SIGNERS = 8
SAMPLES = 400
TARGET_RATIO = 2.0
ADMIN = {"Authorization": "Bearer dev-admin-token", "Content-Type": "application/json"}
PASSWORD = "bench-password-1"


def _call(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    connection.request(method, path, body=data, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read()


def _p99_ms(port: int, path: str, samples: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        status, _ = _call(connection, "GET", path, headers=ADMIN)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
    connection.close()
    return statistics.quantiles(times, n=100)[98]


def _learners(port: int, count: int) -> list[int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ids = []
    for n in range(count):
        body = "41010519900101" + f"{n:03d}"
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
        status, raw = _call(
            connection,
            "POST",
            "/learners",
            {"name": f"测试{n}", "national_id": body + check, "password": PASSWORD},
            ADMIN,
        )
        if status != 201:
            raise RuntimeError(f"POST /learners: {status} {raw[:200]!r}")
        ids.append(int(json.loads(raw)["id"]))
    connection.close()
    return ids


def _sign_in_loop(port: int, learner_id: int, stop: threading.Event, counts: list[int]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = {"learner_id": learner_id, "password": PASSWORD}
    while not stop.is_set():
        status, _ = _call(
            connection, "POST", "/auth/token", body, {"Content-Type": "application/json"}
        )
        if status != 200:
            raise RuntimeError(f"sign-in: {status}")
        counts.append(1)
    connection.close()


def run(samples: int = SAMPLES) -> dict[str, Any]:
    from issuer.core import migrate
    from issuer.core.settings import Settings

    home = Path(tempfile.mkdtemp(prefix="creditbank-bench-"))
    port = _free_port()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=home,
        database_url=f"sqlite:///{home / 'creditbank.db'}",
        verify_base_url=f"http://127.0.0.1:{port}",
    )
    migrate.upgrade(settings.db_url)
    server = _serve(settings, port)
    try:
        learner_ids = _learners(port, SIGNERS + 1)
        account = f"/learners/{learner_ids[-1]}/account"
        paths = {"healthz": "/healthz", "account": account}
        alone = {name: _p99_ms(port, path, samples) for name, path in paths.items()}
        stop, counts = threading.Event(), []
        signers = [
            threading.Thread(target=_sign_in_loop, args=(port, i, stop, counts), daemon=True)
            for i in learner_ids[:SIGNERS]
        ]
        started = time.perf_counter()
        for thread in signers:
            thread.start()
        time.sleep(1)  # let the sign-in load build up
        loaded = {name: _p99_ms(port, path, samples) for name, path in paths.items()}
        stop.set()
        for thread in signers:
            thread.join(timeout=60)
        signins_per_s = len(counts) / (time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)
    figures: dict[str, Any] = {"signin_clients": SIGNERS, "signin_per_s": round(signins_per_s, 1)}
    for name in paths:
        ratio = loaded[name] / alone[name]
        figures[f"signin_{name}_p99_ms_alone"] = round(alone[name], 1)
        figures[f"signin_{name}_p99_ms_under_signins"] = round(loaded[name], 1)
        figures[f"signin_{name}_p99_ratio"] = round(ratio, 2)
        figures[f"signin_{name}_p99_ratio_target"] = TARGET_RATIO
    return figures
