"""The keys package: generation, RFC 7638 thumbprints, the encrypted store, key states."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys import (
    BadPassphrase,
    InvalidKey,
    KeyNotFound,
    KeyStateError,
    KeyStore,
    Signer,
    UnsupportedAlgorithm,
    b64url,
    b64url_decode,
    generate_private_key,
    load_public_jwk,
    public_jwk,
    sign,
    thumbprint,
    verify_signature,
)

PASSPHRASE = b"test passphrase, not a secret"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

# RFC 7638 §3.1: the RSA key of RFC 7517 Appendix A.1 and its SHA-256 thumbprint.
RFC7638_JWK = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAt"
        "VT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn6"
        "4tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FD"
        "W2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n9"
        "1CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINH"
        "aQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys", PASSPHRASE)


# -- generation, JWKs, thumbprints ---------------------------------------------------------


@pytest.mark.parametrize(
    ("alg", "kty", "crv"), [("ES256", "EC", "P-256"), ("EdDSA", "OKP", "Ed25519")]
)
def test_generate_sign_verify(alg: str, kty: str, crv: str) -> None:
    private = generate_private_key(alg)
    jwk = public_jwk(private.public_key(), alg)
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == (kty, crv, alg, "sig")
    assert jwk["kid"] == thumbprint(jwk) and len(jwk["kid"]) == 43
    assert PRIVATE_MEMBERS.isdisjoint(jwk)
    signature = sign(private, alg, b"data")
    assert len(signature) == 64
    public, loaded_alg = load_public_jwk(jwk)
    assert loaded_alg == alg
    verify_signature(public, alg, signature, b"data")
    with pytest.raises(InvalidSignature):
        verify_signature(public, alg, signature, b"other data")


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "RS256"])
def test_bound_signer_matches_sign_and_verify(alg: str) -> None:
    """Signer.sign (bound once per key) agrees with sign/verify_signature."""
    private = generate_private_key(alg)
    signer = Signer(private, alg, "kid")
    signature = signer.sign(b"data")
    verify_signature(private.public_key(), alg, signature, b"data")
    verify_signature(private.public_key(), alg, sign(private, alg, b"data"), b"data")
    with pytest.raises(InvalidSignature):
        verify_signature(private.public_key(), alg, signature, b"other data")
    with pytest.raises(UnsupportedAlgorithm):
        Signer(generate_private_key("EdDSA"), "ES256", "kid").sign(b"x")


def test_es256_signature_is_raw_r_s() -> None:
    """RFC 7518 §3.4: 64 bytes r||s, not DER; a 63- or 65-byte signature never verifies."""
    private = generate_private_key("ES256")
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    signature = sign(private, "ES256", b"x")
    for wrong in (signature[:-1], signature + b"\x00"):
        with pytest.raises(InvalidSignature):
            verify_signature(private.public_key(), "ES256", wrong, b"x")


def test_unsupported_algorithms() -> None:
    for alg in ("HS256", "none", "ES384", ""):
        with pytest.raises(UnsupportedAlgorithm):
            generate_private_key(alg)
    with pytest.raises(UnsupportedAlgorithm):
        public_jwk(generate_private_key("ES256").public_key(), "HS256")
    with pytest.raises(UnsupportedAlgorithm):
        public_jwk(ec.generate_private_key(ec.SECP384R1()).public_key(), "ES256")
    with pytest.raises(UnsupportedAlgorithm):
        sign(generate_private_key("EdDSA"), "ES256", b"x")


def test_rfc7638_thumbprint_example() -> None:
    assert thumbprint(RFC7638_JWK) == RFC7638_THUMBPRINT


def test_rfc7638_thumbprint_through_a_parsed_key() -> None:
    """Parsing the RFC key and writing its JWK again gives the RFC's thumbprint as kid."""
    public, alg = load_public_jwk(RFC7638_JWK)
    assert alg == "RS256"
    assert public_jwk(public, "RS256")["kid"] == RFC7638_THUMBPRINT


def test_thumbprint_ignores_optional_members_and_order() -> None:
    jwk = public_jwk(generate_private_key("ES256").public_key(), "ES256")
    reordered = {k: jwk[k] for k in reversed(list(jwk)) if k in ("kty", "crv", "x", "y")}
    assert thumbprint(reordered) == thumbprint({**jwk, "use": "enc", "kid": "x"}) == jwk["kid"]


def test_ed25519_thumbprint_rfc8037() -> None:
    """RFC 8037 Appendix A.3: the thumbprint of the Appendix A.2 Ed25519 public key."""
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


@pytest.mark.parametrize(
    "jwk",
    [
        pytest.param({"kty": "oct", "k": "AAAA"}, id="symmetric"),
        pytest.param({"kty": "EC", "crv": "P-256", "x": "AAAA"}, id="missing-y"),
        pytest.param({}, id="empty"),
    ],
)
def test_thumbprint_refuses(jwk: dict[str, str]) -> None:
    with pytest.raises(InvalidKey):
        thumbprint(jwk)


def test_load_public_jwk_refuses_private_material_and_wrong_alg() -> None:
    private = generate_private_key("EdDSA")
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    jwk = public_jwk(private.public_key(), "EdDSA")
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    with pytest.raises(InvalidKey, match="private"):
        load_public_jwk({**jwk, "d": b64url(raw)})
    with pytest.raises(InvalidKey, match="does not fit"):
        load_public_jwk({**jwk, "alg": "ES256"})
    with pytest.raises(InvalidKey, match="does not fit"):
        load_public_jwk({k: v for k, v in jwk.items() if k != "alg"})
    with pytest.raises(InvalidKey):
        load_public_jwk({**jwk, "x": "not base64url!"})
    es = public_jwk(generate_private_key("ES256").public_key(), "ES256")
    with pytest.raises(InvalidKey):
        load_public_jwk({**es, "y": es["x"]})  # not a point on the curve


# -- the store -----------------------------------------------------------------------------


def _open_documented(path: Path, kid: str) -> Any:
    """Open a key file by its documented form alone (scrypt, AES-256-GCM, kid as AAD)."""
    document = json.loads(path.read_text())
    kdf = document["kdf"]
    key = Scrypt(
        salt=b64url_decode(kdf["salt"]), length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]
    ).derive(PASSPHRASE)
    der = AESGCM(key).decrypt(
        b64url_decode(document["nonce"]), b64url_decode(document["ciphertext"]), kid.encode()
    )
    return serialization.load_der_private_key(der, password=None)


def test_store_files_are_sealed_with_scrypt(store: KeyStore) -> None:
    store.ensure_initialized()
    records = store.records()
    assert {(r.purpose, r.state, r.alg) for r in records} == {
        ("signing", "active", "ES256"),
        ("badge", "active", "RS256"),
        ("anchor", "active", "ES256"),
    }
    for record in records:
        path = store.directory / f"{record.kid}.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        document = json.loads(path.read_text())
        assert document["format"] == "creditbank-key/1"
        assert document["cipher"] == "A256GCM"
        kdf = document["kdf"]
        # OWASP's scrypt floor: N=2^15, r=8, p=3 or an equivalent cost.
        assert kdf["name"] == "scrypt" and kdf["n"] * kdf["r"] * kdf["p"] >= 2**15 * 8 * 3
        assert len(b64url_decode(kdf["salt"])) == 16
        assert "PRIVATE" not in path.read_text()
        key = _open_documented(path, record.kid)
        assert public_jwk(key.public_key(), record.alg) == record.jwk
    for name in ("keys.json", ".lock"):
        assert stat.S_IMODE((store.directory / name).stat().st_mode) == 0o600
    metadata = (store.directory / "keys.json").read_text()
    assert "PRIVATE" not in metadata and '"d"' not in metadata


def test_a_key_file_opens_only_under_its_own_kid(store: KeyStore) -> None:
    store.ensure_initialized()
    anchor = store.anchor_signer_record()
    signing = next(r for r in store.records() if r.purpose == "signing")
    (store.directory / f"{anchor.kid}.key").unlink()
    (store.directory / f"{signing.kid}.key").rename(store.directory / f"{anchor.kid}.key")
    with pytest.raises(BadPassphrase):
        KeyStore(store.directory, PASSPHRASE).anchor_signer()


def test_a_tampered_key_file_is_invalid_key(store: KeyStore) -> None:
    store.ensure_initialized()
    record = store.anchor_signer_record()
    path = store.directory / f"{record.kid}.key"
    document = json.loads(path.read_text())
    document["kdf"]["n"] = 2**30  # would cost 1 TiB of memory
    path.write_text(json.dumps(document))
    with pytest.raises(InvalidKey):
        KeyStore(store.directory, PASSPHRASE).anchor_signer()


def test_legacy_pkcs8_pem_key_files_still_load(store: KeyStore) -> None:
    """Stores written before the sealed files keep working with the same passphrase."""
    store.ensure_initialized()
    record = store.anchor_signer_record()
    path = store.directory / f"{record.kid}.key"
    key = _open_documented(path, record.kid)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE),
    )
    path.unlink()
    (store.directory / f"{record.kid}.pem").write_bytes(pem)
    reopened = KeyStore(store.directory, PASSPHRASE)
    assert reopened.anchor_jwk() == record.jwk
    reopened.anchor_signer().sign(b"still signs")
    with pytest.raises(BadPassphrase):
        KeyStore(store.directory, b"wrong passphrase").anchor_signer()


def test_wrong_passphrase(store: KeyStore) -> None:
    store.ensure_initialized()
    other = KeyStore(store.directory, b"wrong passphrase")
    with pytest.raises(BadPassphrase):
        other.signer()
    with pytest.raises(BadPassphrase):
        KeyStore(store.directory, b"")


def test_signer_signs_with_the_active_key_and_exports_nothing(store: KeyStore) -> None:
    store.ensure_initialized("EdDSA")
    signer = store.signer()
    assert signer.alg == "EdDSA"
    public, _ = load_public_jwk(store.record(signer.kid).jwk)
    verify_signature(public, "EdDSA", signer.sign(b"x"), b"x")
    assert not hasattr(signer, "__dict__")
    assert "Signer(kid=" in repr(signer) and "_private" not in repr(signer)
    anchor = store.anchor_signer()
    assert anchor.alg == "ES256" and store.anchor_jwk()["kid"] == anchor.kid


def test_ensure_initialized_is_idempotent(store: KeyStore) -> None:
    store.ensure_initialized()
    store.ensure_initialized()
    assert len(store.records()) == 3  # signing, badge, anchor


def test_generate_while_active_is_pending(store: KeyStore) -> None:
    first = store.generate()
    second = store.generate("EdDSA")
    assert (first.state, second.state) == ("active", "pending")
    assert store.signer().kid == first.kid
    with pytest.raises(UnsupportedAlgorithm):
        store.generate("HS256")
    assert len(store.records()) == 2


def test_rotate(store: KeyStore) -> None:
    old = store.generate()
    pending = store.generate("EdDSA")
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    new = store.rotate(now=moment)
    assert new.kid == pending.kid and new.state == "active"
    retired = store.record(old.kid)
    assert retired.state == "retired" and retired.retired_at == moment
    assert store.signer().kid == pending.kid
    newest = store.rotate()  # without a pending key: a fresh one
    assert newest.kid not in (old.kid, pending.kid) and store.signer().kid == newest.kid
    assert [r.state for r in store.records()] == ["retired", "retired", "active"]


def test_retire(store: KeyStore) -> None:
    key = store.generate()
    moment = datetime(2026, 2, 1, tzinfo=UTC)
    retired = store.retire(key.kid, now=moment)
    assert (retired.state, retired.retired_at) == ("retired", moment)
    with pytest.raises(KeyStateError):
        store.retire(key.kid)
    with pytest.raises(KeyNotFound):
        store.signer()
    with pytest.raises(KeyNotFound):
        store.retire("no-such-kid")


def test_compromise(store: KeyStore) -> None:
    key = store.generate()
    since = datetime(2026, 1, 1, tzinfo=UTC)
    changed = store.compromise(key.kid, since)
    assert (changed.state, changed.compromised_since) == ("compromised", since)
    assert store.record(key.kid).compromised_since == since
    with pytest.raises(KeyStateError):
        store.compromise(key.kid, since)
    with pytest.raises(KeyStateError):
        store.retire(key.kid)
    with pytest.raises(KeyNotFound):
        store.signer()
    with pytest.raises(KeyNotFound):
        store.compromise("no-such-kid", since)


def test_compromise_a_retired_key(store: KeyStore) -> None:
    key = store.generate()
    store.retire(key.kid, now=datetime(2026, 1, 1, tzinfo=UTC))
    changed = store.compromise(key.kid, datetime(2025, 12, 1, tzinfo=UTC))
    assert changed.state == "compromised"
    assert changed.retired_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_compromise_needs_a_time_zone(store: KeyStore) -> None:
    key = store.generate()
    with pytest.raises(KeyStateError):
        store.compromise(key.kid, datetime(2026, 1, 1))
    assert store.record(key.kid).state == "active"


def test_record_of_unknown_kid(store: KeyStore) -> None:
    with pytest.raises(KeyNotFound):
        store.record("nope")
    assert store.records() == []
    assert store.jwks() == {"keys": []}


def test_jwks_holds_public_signing_keys_only(store: KeyStore) -> None:
    store.ensure_initialized()
    retired = store.signer().kid
    store.rotate(now=datetime.now(UTC) - timedelta(days=1))
    compromised = store.generate("EdDSA")
    store.compromise(compromised.kid, datetime.now(UTC))
    jwks = store.jwks()
    kids = {k["kid"] for k in jwks["keys"]}
    assert retired in kids and compromised.kid not in kids
    assert store.anchor_jwk()["kid"] not in kids
    badge = store.badge_signer().kid
    assert badge in kids and len(kids) == 3  # retired and active signing key, badge key
    assert {k["kid"] for k in store.jwks(("signing",))["keys"]} == kids - {badge}
    for jwk in jwks["keys"]:
        assert PRIVATE_MEMBERS.isdisjoint(jwk)
        load_public_jwk(jwk)  # refuses private material, so this is a second check
    json.dumps(jwks)


def test_metadata_survives_a_new_store_object(store: KeyStore) -> None:
    store.ensure_initialized()
    again = KeyStore(store.directory, PASSPHRASE)
    assert again.records() == store.records()
    assert again.signer().kid == store.signer().kid


def test_store_directory_is_private(store: KeyStore) -> None:
    store.ensure_initialized()
    assert stat.S_IMODE(os.stat(store.directory).st_mode) & 0o077 == 0


def test_proof_key_is_ed25519_created_on_first_use_and_apart_from_signing(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, b"pass")
    store.ensure_initialized()
    assert {r.purpose for r in store.records()} == {"signing", "badge", "anchor"}
    proof = store.proof_signer()
    assert proof.alg == "EdDSA" and proof.kid != store.signer().kid
    assert store.proof_signer().kid == proof.kid  # created once
    assert proof.kid not in {k["kid"] for k in store.jwks()["keys"]}
    with pytest.raises(UnsupportedAlgorithm):
        store.generate("ES256", "proof")
    store.retire(proof.kid)
    assert store.proof_signer().kid != proof.kid  # a retired proof key is replaced on use
