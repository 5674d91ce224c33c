"""The encrypted wallet file: round trip, wrong passphrase, tampering, permissions."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from wallet import BadPassphrase, CorruptStore, NotFound, StoredCredential, WalletStore

FAST = 2**10  # scrypt cost for tests; the CLI uses the default


def credential(text: str = "eyJ.secret-credential.sig~") -> StoredCredential:
    return StoredCredential(
        id="",
        format="dc+sd-jwt",
        configuration_id="creditbank_credit_sd_jwt",
        issuer="http://127.0.0.1:8000",
        credential=text,
        received_at="2026-01-01T00:00:00+00:00",
    )


def test_round_trip_keeps_key_and_credentials(tmp_path: Path) -> None:
    store = WalletStore(tmp_path, b"pass phrase", scrypt_n=FAST)
    jwk = store.holder.public_jwk()
    assert store.add(credential()).id == "1"
    assert store.add(credential("other~")).id == "2"
    store.save()
    again = WalletStore(tmp_path, b"pass phrase")
    assert again.holder.public_jwk() == jwk
    assert [c.id for c in again.credentials] == ["1", "2"]
    assert again.get("2").credential == "other~"
    with pytest.raises(NotFound):
        again.get("3")


def test_file_holds_only_ciphertext_and_is_private(tmp_path: Path) -> None:
    store = WalletStore(tmp_path, b"pass phrase", scrypt_n=FAST)
    store.add(credential())
    store.save()
    raw = store.path.read_text()
    assert "secret-credential" not in raw and "PRIVATE KEY" not in raw
    assert json.loads(raw)["kdf"]["name"] == "scrypt"
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_wrong_passphrase_is_refused(tmp_path: Path) -> None:
    WalletStore(tmp_path, b"right", scrypt_n=FAST).save()
    with pytest.raises(BadPassphrase) as info:
        WalletStore(tmp_path, b"wrong")
    assert info.value.code == "bad_passphrase" and info.value.exit_status == 2


def test_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadPassphrase):
        WalletStore(tmp_path, b"")


def test_tampered_ciphertext_is_detected(tmp_path: Path) -> None:
    store = WalletStore(tmp_path, b"right", scrypt_n=FAST)
    store.save()
    document = json.loads(store.path.read_text())
    body = document["ciphertext"]
    document["ciphertext"] = ("B" if body[0] == "A" else "A") + body[1:]
    store.path.write_text(json.dumps(document))
    with pytest.raises(BadPassphrase):
        WalletStore(tmp_path, b"right")


@pytest.mark.parametrize("content", ["not json", '{"format": "other", "version": 1}', "[]"])
def test_foreign_file_is_corrupt_store(tmp_path: Path, content: str) -> None:
    (tmp_path / "wallet.json").write_text(content)
    with pytest.raises(CorruptStore) as info:
        WalletStore(tmp_path, b"right")
    assert info.value.code == "corrupt_store"
