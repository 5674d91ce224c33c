"""eddsa-rdfc-2022 Data Integrity proofs against the W3C test vectors, and what breaks them.

The vector (tests/vectors/data-integrity/) is Appendix B.1 of W3C Data Integrity EdDSA
Cryptosuites v1.0: the Alumni credential, its key pair, hashData and the proof value.
Ed25519 is deterministic, so signing the same document with the same key and ``created``
must give the published proofValue byte for byte.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from keys import Signer
from verifier import BadSignature, MalformedCredential, UnsupportedAlgorithm
from verifier._errors import BadEncoding
from verifier.formats import data_integrity, jsonld_contexts

_DIR = Path(__file__).resolve().parents[1] / "vectors" / "data-integrity"
_EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
SIGNED: dict[str, Any] = json.loads((_DIR / "eddsa-rdfc-2022-signed.json").read_text("utf-8"))
EXPECTED: dict[str, str] = json.loads((_DIR / "expected.json").read_text("utf-8"))
LOADER = jsonld_contexts.loader(
    {_EXAMPLES: json.loads((_DIR / "examples-v2.jsonld").read_text("utf-8"))}
)


def _vector_signer() -> Signer:
    raw = base58.b58decode(EXPECTED["secretKeyMultibase"][1:])
    assert raw[:2] == b"\x80\x26"  # multicodec ed25519-priv
    private = ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:])
    return Signer(private, "EdDSA", "vector")


def _public() -> ed25519.Ed25519PublicKey:
    return data_integrity.multikey_public_key(EXPECTED["publicKeyMultibase"])


def test_vector_hash_data_matches_the_spec() -> None:
    document = {k: v for k, v in SIGNED.items() if k != "proof"}
    options = {k: v for k, v in SIGNED["proof"].items() if k != "proofValue"}
    hashed = data_integrity.hash_data(document, options, LOADER)
    assert hashed.hex() == EXPECTED["hashData"]


def test_vector_proof_verifies() -> None:
    proof = data_integrity.verify(SIGNED, _public(), LOADER)
    assert proof["verificationMethod"].endswith(EXPECTED["publicKeyMultibase"])


def test_signing_the_vector_gives_the_published_proof_value() -> None:
    document = {k: v for k, v in SIGNED.items() if k != "proof"}
    signed = data_integrity.sign(
        document,
        _vector_signer(),
        SIGNED["proof"]["verificationMethod"],
        created=datetime.fromisoformat("2023-02-24T23:36:38+00:00"),
        loader=LOADER,
    )
    assert signed["proof"] == SIGNED["proof"]


def test_multikey_round_trip_of_the_vector_key() -> None:
    public = _public()
    assert data_integrity.public_key_multibase(public) == EXPECTED["publicKeyMultibase"]
    doc = data_integrity.multikey_document("https://vc.example/k#1", "https://vc.example", public)
    assert doc["type"] == "Multikey" and doc["@context"] == data_integrity.MULTIKEY_CONTEXT


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "alumniOf"), "Another School"),
        (("validFrom",), "2022-01-01T00:00:00Z"),
        (("proof", "created"), "2023-02-24T23:36:39Z"),
        (("issuer",), "https://vc.example/issuers/9999"),
    ],
)
def test_any_signed_change_is_bad_signature(path: tuple[str, ...], value: str) -> None:
    tampered = copy.deepcopy(SIGNED)
    target = tampered
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(BadSignature):
        data_integrity.verify(tampered, _public(), LOADER)


def test_another_key_is_bad_signature() -> None:
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    with pytest.raises(BadSignature):
        data_integrity.verify(SIGNED, other, LOADER)


def test_a_context_that_is_not_bundled_is_refused_without_fetching() -> None:
    # The bundled loader alone does not know the examples context: no network fallback.
    with pytest.raises(MalformedCredential, match="not bundled"):
        data_integrity.verify(SIGNED, _public(), jsonld_contexts.loader())


@pytest.mark.parametrize(
    ("member", "value", "error"),
    [
        ("cryptosuite", "ecdsa-rdfc-2019", UnsupportedAlgorithm),
        ("type", "Ed25519Signature2020", MalformedCredential),
        ("proofPurpose", "authentication", MalformedCredential),
        ("proofValue", "uAAAA", BadEncoding),
        ("proofValue", "z0OIl", BadEncoding),
        ("proofValue", "z" + base58.b58encode(b"short").decode(), BadEncoding),
    ],
)
def test_malformed_proofs_are_refused(member: str, value: str, error: type[Exception]) -> None:
    bad = copy.deepcopy(SIGNED)
    bad["proof"][member] = value
    with pytest.raises(error):
        data_integrity.verify(bad, _public(), LOADER)


def test_missing_or_several_proofs_are_malformed() -> None:
    bare = {k: v for k, v in SIGNED.items() if k != "proof"}
    with pytest.raises(MalformedCredential):
        data_integrity.verify(bare, _public(), LOADER)
    with pytest.raises(MalformedCredential):
        data_integrity.verify({**bare, "proof": [SIGNED["proof"]] * 2}, _public(), LOADER)


def test_sign_refuses_a_non_ed25519_key_and_a_second_proof() -> None:
    from tests.verifier.vc_fixtures import ISSUER

    with pytest.raises(UnsupportedAlgorithm):
        data_integrity.sign({"@context": []}, ISSUER, "https://x.example/k")
    with pytest.raises(MalformedCredential):
        data_integrity.sign(SIGNED, _vector_signer(), "https://x.example/k", loader=LOADER)


def test_bad_multikeys_are_bad_encoding() -> None:
    for text in ("u123", "z0OIl", "z" + base58.b58encode(b"\x12\x00" + bytes(32)).decode()):
        with pytest.raises(BadEncoding):
            data_integrity.multikey_public_key(text)


@pytest.mark.parametrize(
    "extra",
    [
        {"credentialSubject": {"id": "did:example:abcdefgh", "grade": "A+"}},
        {"homepage": "not signed"},
    ],
)
def test_values_outside_the_signature_are_refused(extra: dict[str, Any]) -> None:
    # The examples context has @vocab, so use the bare VC 2.0 context: an undefined member
    # would be dropped from the canonical form and pass the signature unseen.
    document = {**SIGNED, "@context": ["https://www.w3.org/ns/credentials/v2"]}
    document.pop("proof")
    signed = data_integrity.sign(
        {k: v for k, v in document.items() if k != "credentialSubject"}
        | {"credentialSubject": {"id": "did:example:abcdefgh"}},
        _vector_signer(),
        "https://vc.example/issuers/5678#key",
    )
    data_integrity.verify(signed, _public())
    with pytest.raises(MalformedCredential, match="not defined"):
        data_integrity.verify({**signed, **extra}, _public())
