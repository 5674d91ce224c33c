"""creditbank-wallet CLI: exit codes and messages, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wallet.cli import main


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CREDITBANK_WALLET_PASSPHRASE", "cli pass")
    monkeypatch.setenv("CREDITBANK_WALLET_HOME", str(tmp_path / "w"))
    return tmp_path / "w"


def test_key_then_empty_list(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["key"]) == 0
    jwk = json.loads(capsys.readouterr().out)
    assert jwk["kty"] == "EC" and "d" not in jwk
    assert (home / "wallet.json").exists()
    assert main(["--json", "list"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    # The key survives: the same public key next time.
    assert main(["key"]) == 0
    assert json.loads(capsys.readouterr().out) == jwk


def test_bad_offer_exits_2(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["receive", "https://not-an-offer"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("creditbank-wallet: bad_offer:") and "Traceback" not in err


def test_unknown_credential_exits_1(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "7"]) == 1
    assert "not_found" in capsys.readouterr().err
    assert main(["--json", "present", "7", "--disclose", "name", "--aud", "a", "--nonce", "n"]) == 1
    assert json.loads(capsys.readouterr().err)["error"] == "not_found"


def test_wrong_passphrase_exits_2(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["key"]) == 0
    monkeypatch.setenv("CREDITBANK_WALLET_PASSPHRASE", "other")
    assert main(["list"]) == 2
    assert "bad_passphrase" in capsys.readouterr().err


def test_missing_passphrase_without_terminal_exits_2(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CREDITBANK_WALLET_PASSPHRASE")
    assert main(["list"]) == 2
    assert "CREDITBANK_WALLET_PASSPHRASE" in capsys.readouterr().err


def test_usage_error_exits_2(home: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["present", "1"])
    assert info.value.code == 2
