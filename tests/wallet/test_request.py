"""The wallet reads a verifier's presentation request link (``creditbank-present:``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from wallet import BadRequest, RequestExpired, parse_request
from wallet.cli import main

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
AUD = "https://bank.example/institutions/UNI-1"


def link(**values: object) -> str:
    return "creditbank-present:?" + urlencode(values)


def test_a_request_gives_audience_nonce_and_expiry() -> None:
    exp = int((NOW + timedelta(minutes=10)).timestamp())
    request = parse_request(link(aud=AUD, nonce="n-1", exp=exp), NOW)
    assert (request.audience, request.nonce) == (AUD, "n-1")
    assert request.expires == NOW + timedelta(minutes=10)


@pytest.mark.parametrize(
    "text",
    [
        "https://bank.example/?aud=x&nonce=y&exp=1",
        "creditbank-present:?aud=x&exp=1",
        "creditbank-present:?aud=x&nonce=y&exp=soon",
        "creditbank-present:?aud=x&nonce=y&nonce=z&exp=1",
        "creditbank-present:?" + "a" * 3000,
    ],
)
def test_a_broken_request_is_bad_presentation_request(text: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_request(text, NOW)
    assert caught.value.code == "bad_presentation_request"


def test_an_expired_request_is_request_expired() -> None:
    exp = int((NOW - timedelta(seconds=1)).timestamp())
    with pytest.raises(RequestExpired) as caught:
        parse_request(link(aud=AUD, nonce="n", exp=exp), NOW)
    assert caught.value.code == "request_expired"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CREDITBANK_WALLET_PASSPHRASE", "cli pass")
    monkeypatch.setenv("CREDITBANK_WALLET_HOME", str(tmp_path / "w"))
    return tmp_path / "w"


def test_the_cli_says_why_it_cannot_present(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expired = link(aud=AUD, nonce="n", exp=1)
    assert main(["present", "1", "--disclose", "name", "--request", expired]) == 1
    assert capsys.readouterr().err.startswith("creditbank-wallet: request_expired:")
    assert main(["present", "1", "--disclose", "name", "--request", "nonsense"]) == 2
    assert "bad_presentation_request" in capsys.readouterr().err
    both = ["present", "1", "--disclose", "name", "--request", expired, "--aud", AUD]
    assert main(both) == 2
    assert "bad_usage" in capsys.readouterr().err
    assert main(["present", "1", "--disclose", "name", "--aud", AUD]) == 2
    assert "bad_usage" in capsys.readouterr().err
