"""``creditbank-verify transfer --online URL``: the offline report checked against the bank.

The bank runs for real (uvicorn on a free local port, the test's app and database); the
CLI asks it over HTTP with the university's API key.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuer.core.settings import Settings
from issuer.demo.transfers import DEMO_POLICY
from tests.issuer.factories import with_consent
from tests.issuer.test_certificate import issue_credential
from verifier.cli import run
from verifier.transfer import FINAL_OFFLINE, FINAL_ONLINE

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def bank_url(app: FastAPI) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


def _files(
    tmp_path: Path, client: TestClient, app: FastAPI, settings: Settings, qr: str, key: str
) -> list[str]:
    (tmp_path / "trust.json").write_text(client.get("/trust-bundle").text, "utf-8")
    (tmp_path / "anchor.jwk").write_text(json.dumps(app.state.keystore.anchor_jwk()), "utf-8")
    (tmp_path / "policy.toml").write_text(DEMO_POLICY.format(issuer=settings.issuer_id), "utf-8")
    (tmp_path / "credential.txt").write_text(qr, "ascii")
    (tmp_path / "key.txt").write_text(key + "\n", "ascii")
    return [
        "transfer",
        "--policy",
        str(tmp_path / "policy.toml"),
        "--trust",
        str(tmp_path / "trust.json"),
        "--anchor",
        str(tmp_path / "anchor.jwk"),
        "--json",
        str(tmp_path / "credential.txt"),
    ]


def _report(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = run(args)
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return code, data


def test_online_report_says_where_and_when_it_was_recorded(
    client: TestClient,
    app: FastAPI,
    settings: Settings,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    bank_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    learner, cred = issue_credential(client, admin, inst_a, titles=("数控加工", "机械制图"))
    args = _files(tmp_path, client, app, settings, cred["qr_text"], inst_b["api_key"])
    online = [*args, "--online", bank_url, "--api-key-file", str(tmp_path / "key.txt")]

    code, before = _report(online, capsys)
    assert code == 0 and before["final"] == FINAL_ONLINE
    assert before["online"]["recorded_entries"] == 0
    assert all(d["recorded"] is None for d in before["accepted"])

    body = with_consent(client, admin, learner, inst_b, before["request"])
    assert client.post("/transfers", json=body, headers=inst_b["headers"]).status_code == 201

    code, after = _report(online, capsys)
    assert code == 0 and after["online"]["recorded_entries"] == 2
    day = after["accepted"][0]["recorded"]["recorded_at"][:10]
    assert [d["recorded"]["message"] for d in after["accepted"]] == [
        f"already recorded at {inst_b['name_zh']} / {inst_b['name_en']} on {day} "
        f"已于{day}在{inst_b['name_zh']}登记"
    ] * 2
    # Table form says the same, and that it was checked against the bank.
    assert run([a for a in online if a != "--json"]) == 0
    table = capsys.readouterr().out
    assert f"already recorded at {inst_b['name_zh']}" in table
    assert table.rstrip().endswith(FINAL_ONLINE)

    # Another university learns only that the credits went elsewhere.
    (tmp_path / "other.txt").write_text(inst_a["api_key"], "ascii")
    elsewhere = [*args, "--online", bank_url, "--api-key-file", str(tmp_path / "other.txt")]
    code, theirs = _report(elsewhere, capsys)
    assert {d["recorded"]["here"] for d in theirs["accepted"]} == {False}
    assert inst_b["name_en"] not in json.dumps(theirs["accepted"], ensure_ascii=False)

    # Offline the report says only the bank's record is final.
    code, offline = _report(args, capsys)
    assert code == 0 and offline["final"] == FINAL_OFFLINE and offline["online"] is None


def test_online_failures_leave_the_report_offline_with_the_same_exit_code(
    client: TestClient,
    app: FastAPI,
    settings: Settings,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    bank_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, cred = issue_credential(client, admin, inst_a, titles=("液压传动",))
    args = _files(tmp_path, client, app, settings, cred["qr_text"], "cbk_not-a-key")
    key = ["--api-key-file", str(tmp_path / "key.txt")]
    code, data = _report([*args, "--online", bank_url, *key], capsys)
    assert code == 0 and "401" in data["online"]["error"]
    assert data["final"] == FINAL_OFFLINE
    code, data = _report([*args, "--online", "http://127.0.0.1:9", *key], capsys)
    assert code == 0 and "could not be reached" in data["online"]["error"]
    monkeypatch.delenv("CREDITBANK_API_KEY", raising=False)
    code = run([*args, "--online", bank_url])
    assert code == 2 and "bad_usage" in capsys.readouterr().out
