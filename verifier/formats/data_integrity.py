"""W3C Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite: create and verify.

The cryptosuite (W3C Data Integrity EdDSA Cryptosuites v1.0, §3.2):

- transform: the document without ``proof`` as RDFC-1.0 canonical N-Quads (PyLD's URDNA2015,
  the same algorithm), with the contexts served by :mod:`verifier.formats.jsonld_contexts`
  only — never the network;
- proof configuration: the proof's options without ``proofValue``, with the document's
  ``@context``, canonicalized the same way;
- hashData: ``SHA-256(canonical proof configuration) || SHA-256(canonical document)``;
- the proof value: the Ed25519 signature of hashData, multibase base58btc (``z`` prefix).

Keys are Multikeys: ``publicKeyMultibase`` is ``z`` + base58btc(``0xed 0x01`` + the 32-byte
public key). Base58 comes from the ``base58`` library, canonicalization from PyLD.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from verifier._errors import BadEncoding, BadSignature, MalformedCredential, UnsupportedAlgorithm
from verifier.formats import jsonld_contexts, jsonld_strict
from verifier.formats.jsonld_contexts import DocumentLoader
from verifier.formats.jws import SignerLike

__all__ = [
    "CRYPTOSUITE",
    "MULTIKEY_CONTEXT",
    "PROOF_PURPOSE",
    "PROOF_TYPE",
    "canonical_nquads",
    "hash_data",
    "multikey_document",
    "multikey_public_key",
    "public_key_multibase",
    "sign",
    "the_proof",
    "verify",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
#: Multicodec prefix of an Ed25519 public key (ed25519-pub, 0xed as an unsigned varint).
_ED25519_PUB = b"\xed\x01"
_SIGNATURE_LENGTH = 64


def public_key_multibase(public: ed25519.Ed25519PublicKey) -> str:
    """The Multikey ``publicKeyMultibase`` of an Ed25519 public key."""
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58.b58encode(_ED25519_PUB + raw).decode("ascii")


def multikey_public_key(multibase: str) -> ed25519.Ed25519PublicKey:
    """The Ed25519 public key of a ``publicKeyMultibase``; :class:`BadEncoding` otherwise."""
    if not isinstance(multibase, str) or not multibase.startswith("z"):
        raise BadEncoding("publicKeyMultibase must be multibase base58btc (prefix 'z')")
    try:
        raw = base58.b58decode(multibase[1:])
    except ValueError:
        raise BadEncoding("publicKeyMultibase is not base58btc") from None
    if not raw.startswith(_ED25519_PUB) or len(raw) != len(_ED25519_PUB) + 32:
        raise BadEncoding("publicKeyMultibase is not an Ed25519 Multikey")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw[len(_ED25519_PUB) :])


def multikey_document(
    method_id: str, controller: str, public: ed25519.Ed25519PublicKey
) -> dict[str, Any]:
    """The Multikey document a ``verificationMethod`` dereferences to."""
    return {
        "@context": MULTIKEY_CONTEXT,
        "id": method_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key_multibase(public),
    }


def canonical_nquads(document: dict[str, Any], loader: DocumentLoader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``, contexts from ``loader`` (bundled only)."""
    # PyLD (and the lxml it loads) costs half a second to import: only when needed.
    from pyld import jsonld

    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": loader or jsonld_contexts.loader(),
    }
    try:
        result = jsonld.normalize(document, options)
    except jsonld.JsonLdError as exc:
        raise jsonld_contexts.failure(exc) from None
    except RecursionError:
        raise MalformedCredential("the document nests too deeply") from None
    return str(result)


def hash_data(
    document: dict[str, Any],
    proof_options: dict[str, Any],
    loader: DocumentLoader | None = None,
    *,
    expanded: Any = None,
) -> bytes:
    """hashData of the cryptosuite: SHA-256 of the proof configuration, then of the document.

    ``document`` is the unsecured document (no ``proof``), ``proof_options`` the proof
    without ``proofValue``; the configuration takes the document's ``@context``.
    ``expanded``, the document already expanded, saves expanding it again (expansion is
    idempotent, so the canonical form is the same).
    """
    config = {**proof_options, "@context": document.get("@context")}
    config.pop("proofValue", None)
    config_hash = hashlib.sha256(canonical_nquads(config, loader).encode("utf-8")).digest()
    source = document if expanded is None else expanded
    doc_hash = hashlib.sha256(canonical_nquads(source, loader).encode("utf-8")).digest()
    return config_hash + doc_hash


def _xsd_now(moment: datetime | None) -> str:
    when = (moment or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return when.isoformat().replace("+00:00", "Z")


def sign(
    document: dict[str, Any],
    signer: SignerLike,
    verification_method: str,
    *,
    created: datetime | None = None,
    loader: DocumentLoader | None = None,
) -> dict[str, Any]:
    """``document`` secured with an ``eddsa-rdfc-2022`` DataIntegrityProof by ``signer``.

    ``signer`` must sign with Ed25519 (``alg`` EdDSA); the document must not carry a
    proof yet (proof sets and chains are not used by creditbank).
    """
    if signer.alg != "EdDSA":
        raise UnsupportedAlgorithm(f"{CRYPTOSUITE} signs with Ed25519, not {signer.alg}")
    if "proof" in document:
        raise MalformedCredential("the document already carries a proof")
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _xsd_now(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = signer.sign(hash_data(document, options, loader))
    proof = {**options, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}
    return {**document, "proof": proof}


def the_proof(secured: dict[str, Any]) -> dict[str, Any]:
    """The one ``eddsa-rdfc-2022`` proof of ``secured``, its members checked for shape."""
    proof = secured.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise MalformedCredential("exactly one proof is accepted")
        proof = proof[0]
    if not isinstance(proof, dict):
        raise MalformedCredential("the credential has no Data Integrity proof")
    if proof.get("type") != PROOF_TYPE:
        raise MalformedCredential(f"proof type {proof.get('type')!r} is not {PROOF_TYPE}")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise UnsupportedAlgorithm(f"cryptosuite {proof.get('cryptosuite')!r} is not accepted")
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise MalformedCredential(f"proofPurpose must be {PROOF_PURPOSE}")
    for member in ("verificationMethod", "proofValue"):
        if not isinstance(proof.get(member), str):
            raise MalformedCredential(f"the proof lacks {member}")
    if "@context" in proof and proof["@context"] != secured.get("@context"):
        raise MalformedCredential("the proof's @context differs from the document's")
    return proof


def verify(
    secured: dict[str, Any],
    public: ed25519.Ed25519PublicKey,
    loader: DocumentLoader | None = None,
) -> dict[str, Any]:
    """Check the proof of ``secured`` with ``public``; returns the proof.

    :class:`BadSignature` when the signature does not match the canonical document (any
    change to a signed value), :class:`BadEncoding` for a proof value that is not a
    base58btc Ed25519 signature, :class:`MalformedCredential` for a member no context
    defines (it would be outside the signature, :mod:`verifier.formats.jsonld_strict`).
    """
    proof = the_proof(secured)
    value = proof["proofValue"]
    if not value.startswith("z"):
        raise BadEncoding("proofValue must be multibase base58btc (prefix 'z')")
    try:
        signature = base58.b58decode(value[1:])
    except ValueError:
        raise BadEncoding("proofValue is not base58btc") from None
    if len(signature) != _SIGNATURE_LENGTH:
        raise BadEncoding("proofValue is not an Ed25519 signature")
    document = {k: v for k, v in secured.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    load = loader or jsonld_contexts.loader()
    # What canonicalization would drop is not signed: refuse it rather than show it.
    expanded = jsonld_strict.assert_fully_defined(document, load)
    try:
        public.verify(signature, hash_data(document, options, load, expanded=expanded))
    except InvalidSignature:
        raise BadSignature("the Data Integrity proof does not match the credential") from None
    return proof
