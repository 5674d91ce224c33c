"""The wallet and the issuer talking OpenID4VCI over real HTTP (uvicorn on a free local port).

A learner's deposit is offered by the operator; the wallet library and the
``creditbank-wallet`` command (a separate process) receive it through the metadata,
token, nonce and credential endpoints; the presentation with only name and credits is
accepted offline by the verifier with the service's trust bundle.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn

from issuer.app import create_app
from issuer.core import migrate
from issuer.core.settings import Settings
from tests.issuer.conftest import _create_pg_database, _drop_pg_database
from tests.issuer.factories import course, new_code, new_national_id
from verifier import TrustBundle, verify_ob3_ldp, verify_sd_jwt_presentation
from wallet import IssuerRefused, WalletStore, present_credential, receive_into

pytestmark = pytest.mark.db

ADMIN = {"Authorization": "Bearer interop-admin-token"}


@dataclass
class Service:
    base_url: str
    anchor_jwk: dict[str, Any]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("service")
    # A fresh database: SQLite, or one of its own on the PostgreSQL server of the test run.
    server_url = os.environ.get("CREDITBANK_TEST_DATABASE_URL")
    pg_name: str | None = None
    if server_url:
        pg_name, url = _create_pg_database(server_url)
    else:
        url = f"sqlite:///{home / 'creditbank.db'}"
    migrate.upgrade(url)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=home,
        database_url=url,
        admin_token="interop-admin-token",  # type: ignore[arg-type]
        verify_base_url=base_url,
    )
    app = create_app(settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield Service(base_url, app.state.keystore.anchor_jwk())
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()
        if server_url and pg_name:
            _drop_pg_database(server_url, pg_name)


@pytest.fixture
def http(service: Service) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=service.base_url, timeout=10) as client:
        yield client


def _offer(http: httpx2.Client, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A learner with one deposit, and an operator's offer of it (``body`` of the offer)."""
    code = new_code("U")
    institution = http.post(
        "/institutions",
        json={
            "code": code,
            "name_zh": f"职业学院{code}",
            "name_en": f"College {code}",
            "kind": "vocational_school",
        },
        headers=ADMIN,
    )
    assert institution.status_code == 201, institution.text
    inst = {"Authorization": f"Bearer {institution.json()['api_key']}"}
    learner = http.post(
        "/learners", json={"name": "王小明", "national_id": new_national_id()}, headers=inst
    ).json()
    recorded = http.post(f"/learners/{learner['id']}/courses", json=course(), headers=inst)
    assert recorded.status_code == 201, recorded.text
    offer = http.post(
        f"/learners/{learner['id']}/credential-offers", json=body or {}, headers=ADMIN
    )
    assert offer.status_code == 201, offer.text
    result: dict[str, Any] = offer.json()
    return result


def test_wallet_receives_presents_and_the_verifier_accepts(
    service: Service, http: httpx2.Client, tmp_path: Path
) -> None:
    offer = _offer(http)
    store = WalletStore(tmp_path / "wallet", b"holder pass", scrypt_n=2**10)
    now = datetime.now(UTC)
    received = receive_into(store, offer["offer_uri"], tx_code=offer["tx_code"], now=now)
    assert [c.format for c in received] == ["dc+sd-jwt", "jwt_vc_json"]
    assert all(c.issuer == service.base_url for c in received)

    presentation = present_credential(
        WalletStore(tmp_path / "wallet", b"holder pass"),  # re-opened from the encrypted file
        received[0].id,
        ["name", "credits"],
        audience="https://employer.example",
        nonce="verifier-nonce-1",
        now=datetime.now(UTC),
    )
    trust = TrustBundle.from_bytes(http.get("/trust-bundle").content, service.anchor_jwk)
    verified = verify_sd_jwt_presentation(
        presentation, trust, audience="https://employer.example", nonce="verifier-nonce-1"
    )
    claims = verified.claims
    assert claims["name"] == "王小明" and claims["credits"] == 2
    assert "masked_id" not in claims

    # The same offer again: the code is spent, and the wallet says why.
    with pytest.raises(IssuerRefused) as info:
        receive_into(store, offer["offer_uri"], tx_code=offer["tx_code"], now=now)
    assert (info.value.error, info.value.reason) == ("invalid_grant", "code_used")
    assert len(WalletStore(tmp_path / "wallet", b"holder pass").credentials) == 2


def test_wrong_pin_over_http(http: httpx2.Client, tmp_path: Path) -> None:
    offer = _offer(http)
    store = WalletStore(tmp_path / "wallet", b"holder pass", scrypt_n=2**10)
    wrong = f"{(int(offer['tx_code']) + 1) % 10**6:06d}"
    with pytest.raises(IssuerRefused) as info:
        receive_into(store, offer["offer_uri"], tx_code=wrong, now=datetime.now(UTC))
    assert (info.value.error, info.value.reason) == ("invalid_grant", "wrong_tx_code")
    # The right PIN still works after one wrong attempt.
    received = receive_into(
        store, offer["offer_uri"], tx_code=offer["tx_code"], now=datetime.now(UTC)
    )
    assert len(received) == 2


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CREDITBANK_WALLET_HOME": str(home),
        "CREDITBANK_WALLET_PASSPHRASE": "cli holder pass",
    }
    return subprocess.run(
        [sys.executable, "-m", "wallet.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_receives_lists_and_presents(
    service: Service, http: httpx2.Client, tmp_path: Path
) -> None:
    offer = _offer(http)
    home = tmp_path / "cli-wallet"
    done = _cli(home, "receive", offer["offer_uri"], "--pin", offer["tx_code"])
    assert done.returncode == 0, done.stderr
    assert "received 1: dc+sd-jwt" in done.stdout
    listed = _cli(home, "--json", "list")
    assert [row["format"] for row in json.loads(listed.stdout)] == ["dc+sd-jwt", "jwt_vc_json"]
    shown = json.loads(_cli(home, "show", "1").stdout)
    assert "credits" in shown["disclosable"]
    presented = _cli(
        home,
        "present",
        "1",
        "--disclose",
        "name,credits",
        "--aud",
        "https://hr.example",
        "--nonce",
        "n-42",
    )
    assert presented.returncode == 0, presented.stderr
    trust = TrustBundle.from_bytes(http.get("/trust-bundle").content, service.anchor_jwk)
    verified = verify_sd_jwt_presentation(
        presented.stdout.strip(), trust, audience="https://hr.example", nonce="n-42"
    )
    assert set(verified.claims) >= {"name", "credits"}
    # And the command an employer runs, offline, from files.
    (tmp_path / "p.txt").write_text(presented.stdout)
    (tmp_path / "bundle.json").write_bytes(http.get("/trust-bundle").content)
    (tmp_path / "anchor.jwk").write_text(json.dumps(service.anchor_jwk))
    checked = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from verifier.cli import main; sys.exit(main())",
            str(tmp_path / "p.txt"),
            "--json",
            "--trust",
            str(tmp_path / "bundle.json"),
            "--anchor",
            str(tmp_path / "anchor.jwk"),
            "--aud",
            "https://hr.example",
            "--nonce",
            "n-42",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["valid"] is True
    # Reusing the offer: the issuer's refusal, as a message and exit status 1.
    again = _cli(home, "receive", offer["offer_uri"], "--pin", offer["tx_code"])
    assert again.returncode == 1
    assert "invalid_grant/code_used" in again.stderr and "Traceback" not in again.stderr


def test_wallet_receives_the_ldp_vc_badge(
    service: Service, http: httpx2.Client, tmp_path: Path
) -> None:
    offer = _offer(http, {"credential_configuration_ids": ["creditbank_ob3_ldp"]})
    store = WalletStore(tmp_path / "wallet", b"holder pass", scrypt_n=2**10)
    received = receive_into(
        store, offer["offer_uri"], tx_code=offer["tx_code"], now=datetime.now(UTC)
    )
    assert [c.format for c in received] == ["ldp_vc"]
    trust = TrustBundle.from_bytes(http.get("/trust-bundle").content, service.anchor_jwk)
    kept = WalletStore(tmp_path / "wallet", b"holder pass").credentials[0].credential
    assert verify_ob3_ldp(kept, trust).format == "ob3+ldp"
