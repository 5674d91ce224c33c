"""The OB 3.0 / CLR JWT, SD-JWT VC and Data Integrity vectors (tests/vectors/vc/, ldp/).

Each vector is verified as ``creditbank-verify`` verifies what it is handed: its kind
found by :func:`verifier._detect.detect`, then that kind's verifier at the vector's clock,
with the relying party's audience and nonce for a presentation. The verify page runs the
same files (tests/browser/test_verify_vc_vectors.py) and must state the same code.
"""

from __future__ import annotations

import pytest

from tests.vectors.cases import Case, ldp_cases, vc_cases
from verifier import ERRORS_BY_CODE, TrustBundle, VerificationError
from verifier._detect import AnyVerified, detect, verify_detected

VECTORS = {c.name: c for c in (*vc_cases(), *ldp_cases())}


def _run(vector: Case) -> AnyVerified:
    trust = TrustBundle.load(vector.bundle_path, vector.anchor_path)
    return verify_detected(
        vector.input_path.read_text("utf-8"),
        trust,
        now=vector.at,
        max_bundle_age=vector.max_bundle_age,
        audience=vector.expected.get("audience"),
        nonce=vector.expected.get("nonce"),
    )


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vc_vector(name: str) -> None:
    vector = VECTORS[name]
    assert detect(vector.input_path.read_text("utf-8")) == vector.expected["format"]
    if vector.expected["valid"]:
        result = _run(vector).to_json()
        assert result["valid"] is True
        for key, value in vector.expected.get("expect", {}).items():
            assert result[key] == value, key
    else:
        with pytest.raises(VerificationError) as caught:
            _run(vector)
        assert caught.value.code == vector.code, caught.value.detail


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vc_vector_is_well_formed(name: str) -> None:
    vector = VECTORS[name]
    assert vector.expected.keys() >= {"valid", "error", "at", "description", "format"}
    assert vector.expected["valid"] is (vector.code is None)
    assert vector.code is None or vector.code in ERRORS_BY_CODE
    if vector.expected["format"] == "sd-jwt":
        assert vector.expected["audience"] and vector.expected["nonce"]
    if vector.expected["valid"]:
        assert vector.expected["shows"], "a valid vector says what the page must show"


def test_every_form_meets_each_failure() -> None:
    """Each form has its valid cases and the failures the page must name like Python."""
    codes: dict[str, set[str | None]] = {}
    for vector in VECTORS.values():
        codes.setdefault(vector.expected["format"], set()).add(vector.code)
    common = {None, "bad_signature", "alg_mismatch", "unknown_key", "revoked", "suspended"}
    assert common | {"expired", "not_yet_valid", "key_retired", "key_compromised"} <= codes["ob3"]
    assert {"malformed", "status_unavailable", "unsupported_alg"} <= codes["ob3"]
    assert {None, "bad_signature", "revoked", "suspended", "malformed"} <= codes["clr"]
    sd = {"unknown_disclosure", "holder_binding_failed", "stale_presentation", "expired"}
    assert common | sd <= codes["sd-jwt"]
    ldp = {None, "bad_signature", "bad_encoding", "unknown_key", "unknown_issuer", "malformed"}
    assert (
        ldp | {"revoked", "suspended", "expired", "not_yet_valid", "key_compromised"}
        <= codes["ob3-ldp"]
    )
    assert {"unsupported_alg", "status_unavailable"} <= codes["ob3-ldp"]
    assert {None, "bad_signature", "revoked", "suspended", "malformed"} <= codes["clr-ldp"]
