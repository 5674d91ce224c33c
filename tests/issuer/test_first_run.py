"""The first five minutes: the demo's links, QR and wallet offer name the port served.

Runs the real ``creditbank`` command in a fresh data directory, as ``make run`` does:
``db upgrade``, ``seed-demo`` and ``serve`` on a port that is not the default.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import httpx2
import pytest

from issuer.cli._commands import _NoDelayConfig, links_base
from verifier._input import read_qr_image

CLI = [sys.executable, "-c", "from issuer.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _creditbank(home: Path, *args: str, base_url: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITBANK_")}
    env |= {"CREDITBANK_HOME": str(home), "CREDITBANK_ENV": "development"}
    if base_url is not None:
        env["CREDITBANK_VERIFY_BASE_URL"] = base_url
    done = subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("first-run")
    _creditbank(home, "db", "upgrade")
    return home


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 18300, "http://127.0.0.1:18300"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),
        ("localhost", 9000, "http://localhost:9000"),
        ("::1", 8000, "http://[::1]:8000"),
    ],
)
def test_links_name_the_address_served(host: str, port: int, expected: str) -> None:
    assert links_base(host, port) == expected


def test_seed_demo_follows_the_port_and_refreshes(home: Path) -> None:
    first = "http://127.0.0.1:18300"
    _creditbank(home, "seed-demo", base_url=first)
    demo = json.loads((home / "demo.json").read_text("utf-8"))
    assert demo["qr_text"].startswith(first + "/v1#")
    assert first in unquote((home / "offer.txt").read_text("utf-8"))
    assert read_qr_image((home / "demo-credential.png").read_bytes()) == demo["qr_text"]

    second = "http://127.0.0.1:18301"
    out = _creditbank(home, "seed-demo", base_url=second)
    assert "refreshed" in out
    again = json.loads((home / "demo.json").read_text("utf-8"))
    assert again["credential_jti"] == demo["credential_jti"]  # the same demo, not a second one
    assert again["qr_text"] == demo["qr_text"].replace(first, second)
    offer = unquote((home / "offer.txt").read_text("utf-8"))
    assert second in offer and first not in offer
    assert read_qr_image((home / "demo-credential.png").read_bytes()) == again["qr_text"]


@pytest.fixture
def served(home: Path) -> Iterator[tuple[str, str]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITBANK_")}
    env |= {"CREDITBANK_HOME": str(home), "CREDITBANK_ENV": "development"}
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not start")
        yield base, ""
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert base in output  # the printed links name the port served


def test_serve_names_its_own_port(home: Path, served: tuple[str, str]) -> None:
    base, _ = served
    metadata = httpx2.get(f"{base}/.well-known/openid-credential-issuer", timeout=10).json()
    assert metadata["credential_issuer"] == base
    start = httpx2.get(f"{base}/", timeout=10, headers={"Accept-Language": "zh-CN"})
    assert start.status_code == 200 and "学习者" in start.text
    assert 'href="/portal/sign-in"' in start.text and 'href="/v1"' in start.text
    english = httpx2.get(f"{base}/", timeout=10, headers={"Accept-Language": "en"})
    assert "Employers" in english.text


def test_the_socket_shared_by_workers_has_no_delayed_writes() -> None:
    """With several workers the parent binds the socket; it carries TCP_NODELAY to every
    connection (else each response on a reused connection waits ~40 ms for an ACK)."""
    config = _NoDelayConfig("issuer.app:create_app_from_environment", factory=True, port=0)
    sock = config.bind_socket()
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        sock.listen()  # as each worker's server does with the socket it is handed
        client = socket.create_connection(sock.getsockname()[:2], timeout=5)
        accepted, _ = sock.accept()
        with client, accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        sock.close()
