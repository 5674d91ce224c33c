"""Do sign-ins starve other requests? p99 of ``/healthz`` and an account read, alone and
while 8 clients sign in continuously, on one ``creditbank serve --workers 4`` over HTTP.

argon2 runs in the sign-in hashing processes at idle scheduling priority
(issuer/core/password_hashing.py); the issue's target is that other requests' p99 rises
by at most 2× under the sign-in load, and the sign-ins still complete (``signin_per_s``,
``signin_refused``: answers 429 ``too_many_attempts`` of a full queue). A fresh SQLite
installation under a temporary directory, on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.concurrency.server import ADMIN_TOKEN, running_server

SIGNERS = 8
WORKERS = 4
SAMPLES = 120
ROUNDS = 6
TARGET_RATIO = 2.0
JSON = {"Content-Type": "application/json"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
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


def _times_ms(port: int, path: str, samples: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        status, _ = _call(connection, "GET", path, headers=ADMIN)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
    connection.close()
    return times


def _p99(times: list[float]) -> float:
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


def _sign_in_loop(
    port: int, learner_id: int, stop: threading.Event, counts: list[int], refused: list[int]
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = {"learner_id": learner_id, "password": PASSWORD}
    while not stop.is_set():
        data = json.dumps(body).encode()
        connection.request("POST", "/auth/token", body=data, headers=JSON)
        response = connection.getresponse()
        response.read()
        if response.status == 429:  # the queue is full: come back when the server says
            refused.append(1)
            stop.wait(float(response.getheader("Retry-After") or 1))
            continue
        if response.status != 200:
            raise RuntimeError(f"sign-in: {response.status}")
        counts.append(1)
    connection.close()


def _spin_argon2(policy: str, stop: Any) -> None:
    """Hash continuously, at idle priority (``idle``) or the requests' (``normal``)."""
    from issuer.core import password_hashing

    if policy == "idle":
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    while not stop.is_set():
        password_hashing._hash_in_process("bench-password")


def _under_hashers(port: int, policy: str, samples: int) -> list[float]:
    """/healthz times while one argon2 loop per core runs beside the server at ``policy``:
    what the hashing alone does to other requests, without the sign-in requests."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    spinners = [
        context.Process(target=_spin_argon2, args=(policy, stop))
        for _ in range(os.cpu_count() or 1)
    ]
    for spinner in spinners:
        spinner.start()
    time.sleep(1)  # the spawned interpreters start
    try:
        return _times_ms(port, "/healthz", samples)
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join(timeout=30)


def _under_signins(port: int, learner_ids: list[int], paths: dict[str, str], samples: int) -> Any:
    """Response times of each path while ``learner_ids`` sign in continuously, and the
    sign-ins done, refused, and the seconds it took."""
    stop = threading.Event()
    counts: list[int] = []
    refused: list[int] = []
    signers = [
        threading.Thread(target=_sign_in_loop, args=(port, i, stop, counts, refused), daemon=True)
        for i in learner_ids
    ]
    started = time.perf_counter()
    for thread in signers:
        thread.start()
    time.sleep(1)  # let the sign-in load build up
    loaded = {name: _times_ms(port, path, samples) for name, path in paths.items()}
    stop.set()
    for thread in signers:
        thread.join(timeout=60)
    return loaded, len(counts), len(refused), time.perf_counter() - started


def run(samples: int = SAMPLES, rounds: int = ROUNDS) -> dict[str, Any]:
    alone: dict[str, list[float]] = {}
    loaded: dict[str, list[float]] = {}
    hashers: dict[str, list[float]] = {"idle": [], "normal": []}
    signins = refused = 0
    seconds = 0.0
    with (
        tempfile.TemporaryDirectory(prefix="creditbank-bench-") as tmp,
        running_server(Path(tmp), "sqlite", workers=WORKERS) as server,
    ):
        port = int(server.base_url.rsplit(":", 1)[1])
        learner_ids = _learners(port, SIGNERS + 1)
        paths = {"healthz": "/healthz", "account": f"/learners/{learner_ids[-1]}/account"}
        # Short rounds back to back, so that load from outside the benchmark falls on both
        # sides alike; each p99 is over the samples of every round.
        for _ in range(rounds):
            for name, path in paths.items():
                alone.setdefault(name, []).extend(_times_ms(port, path, samples))
            times, done, refusals, took = _under_signins(
                port, learner_ids[:SIGNERS], paths, samples
            )
            for name in paths:
                loaded.setdefault(name, []).extend(times[name])
            signins, refused, seconds = signins + done, refused + refusals, seconds + took
            for policy, times_ms in hashers.items():
                times_ms.extend(_under_hashers(port, policy, samples))
    figures: dict[str, Any] = {
        "signin_clients": SIGNERS,
        "signin_workers": WORKERS,
        "signin_per_s": round(signins / seconds, 1),
        "signin_completed": signins,
        "signin_refused": refused,
    }
    for name in paths:
        ratio = _p99(loaded[name]) / _p99(alone[name])
        figures[f"signin_{name}_p99_ms_alone"] = round(_p99(alone[name]), 1)
        figures[f"signin_{name}_p99_ms_under_signins"] = round(_p99(loaded[name]), 1)
        figures[f"signin_{name}_p99_ratio"] = round(ratio, 2)
        figures[f"signin_{name}_p50_ms_alone"] = round(statistics.median(alone[name]), 1)
        figures[f"signin_{name}_p50_ms_under_signins"] = round(statistics.median(loaded[name]), 1)
        figures[f"signin_{name}_p99_ratio_target"] = TARGET_RATIO
    for policy, times_ms in hashers.items():
        figures[f"signin_healthz_p99_ms_beside_{policy}_argon2"] = round(_p99(times_ms), 1)
        figures[f"signin_healthz_p99_ratio_beside_{policy}_argon2"] = round(
            _p99(times_ms) / _p99(alone["healthz"]), 2
        )
    figures["signin_load_average"] = round(os.getloadavg()[0], 2)
    return figures
