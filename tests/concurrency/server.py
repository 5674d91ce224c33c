"""A real ``creditbank serve --workers N`` process for the concurrency tests.

The server runs the installed CLI in a child process, on a free local port, with its own
data directory and its own database (an SQLite file, or a fresh database on the
PostgreSQL server of ``CREDITBANK_TEST_DATABASE_URL``), so the tests see what a
deployment sees: several worker processes sharing one database over real HTTP.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx2
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from issuer.core.db import make_engine

ADMIN_TOKEN = "concurrency-admin-token"
WORKERS = 4
#: Seconds a server may take to answer its first /healthz.
_START_SECONDS = 90

T = TypeVar("T")

CLI = str(Path(sys.executable).with_name("creditbank"))


@dataclass
class Server:
    """A running server: its base URL, environment (for the CLI) and database engine."""

    base_url: str
    env: dict[str, str]
    engine: Engine
    home: Path
    backend: str

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run the real ``creditbank`` command against this server's installation."""
        return subprocess.run(
            [CLI, *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def count(self, sql: str, **params: Any) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(text(sql), params).scalar_one())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _database(tmp: Path, backend: str, server_url: str | None) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'creditbank.db'}"
        return
    server_url = server_url or os.environ["CREDITBANK_TEST_DATABASE_URL"]
    name = f"creditbank_conc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _wait_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx2.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server did not answer within {_START_SECONDS} s:\n{log.read_text()}")


@contextmanager
def running_server(
    tmp: Path,
    backend: str,
    *,
    server_url: str | None = None,
    workers: int = WORKERS,
    cwd_in_home: bool = False,
) -> Iterator[Server]:
    """Migrate a new database with the CLI, then serve it with ``workers`` workers.

    ``backend`` is ``sqlite`` or ``postgresql``; a PostgreSQL database is created on
    ``server_url`` (default ``CREDITBANK_TEST_DATABASE_URL``) and dropped afterwards.
    """
    home = tmp / "home"
    # The server must not depend on its working directory: it runs elsewhere, or (where
    # asked) inside its data directory, whose keys/ must not shadow the keys package.
    cwd = home if cwd_in_home else tmp / "elsewhere"
    cwd.mkdir()
    with _database(tmp, backend, server_url) as url:
        env = {
            **os.environ,
            "CREDITBANK_ENV": "test",
            "CREDITBANK_HOME": str(home),
            "CREDITBANK_DATABASE_URL": url,
            "CREDITBANK_ADMIN_TOKEN": ADMIN_TOKEN,
        }
        subprocess.run([CLI, "db", "upgrade"], env=env, cwd=cwd, check=True, capture_output=True)
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = tmp / "server.log"
        env["CREDITBANK_VERIFY_BASE_URL"] = base_url
        with log.open("wb") as out:
            process = subprocess.Popen(
                [CLI, "serve", "--port", str(port), "--workers", str(workers)],
                env=env,
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        engine = make_engine(url)
        try:
            _wait_ready(process, base_url, log)
            yield Server(base_url, env, engine, home, backend)
        finally:
            engine.dispose()
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def burst(n: int, call: Callable[[httpx2.Client, int], T], server: Server) -> list[T]:
    """Run ``call(client, i)`` for i in 0..n-1 at once: n threads released by one barrier."""
    barrier = threading.Barrier(n, timeout=60)

    def one(i: int) -> T:
        with httpx2.Client(base_url=server.base_url, timeout=60) as client:
            client.get("/healthz")  # connect first, so the requests themselves start together
            barrier.wait()
            return call(client, i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))
