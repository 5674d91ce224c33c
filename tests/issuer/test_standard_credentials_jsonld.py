"""Every term of our OB 3.0 / CLR 2.0 credentials is defined by the published contexts.

The credentials are expanded as JSON-LD with an offline document loader over the
bundled contexts (tests/vectors/contexts, copies of ../shared/contexts) and our own
context; expansion silently drops undefined terms, so the test counts every value
before and after.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyld import jsonld

from issuer.core.settings import Settings
from issuer.credentials.vc_documents import (
    EntryFacts,
    Learnerish,
    achievement_credential,
    clr_credential,
)
from keys import KeyStore
from verifier.formats import bitstring_status, vc_jwt

_ROOT = Path(__file__).resolve().parents[2]
_BUNDLED = _ROOT / "tests" / "vectors" / "contexts"
_SHARED = _ROOT / ".." / "shared" / "contexts"
_FILES = {
    vc_jwt.VC_CONTEXT: "credentials-v2.jsonld",
    vc_jwt.OB_CONTEXT: "ob-v3p0-3.0.3.json",
    vc_jwt.CLR_CONTEXT: "clr-v2p0-2.0.1.json",
}
_OWN = _ROOT / "verifier" / "formats" / "contexts" / "creditbank-v1.jsonld"


def _context_file(name: str) -> Path:
    bundled = _BUNDLED / name
    return bundled if bundled.exists() else _SHARED / name


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    if url.endswith(vc_jwt.CREDITBANK_CONTEXT_PATH):
        path = _OWN
    elif url in _FILES:
        path = _context_file(_FILES[url])
    else:
        raise AssertionError(f"the test loader refuses to fetch {url}")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(path.read_text("utf-8")),
    }


def _leaves(node: Any) -> int:
    """Scalar values of a compact JSON document (outside @context)."""
    if isinstance(node, dict):
        return sum(_leaves(v) for k, v in node.items() if k != "@context")
    if isinstance(node, list):
        return sum(_leaves(v) for v in node)
    return 0 if node is None else 1


def _expanded_leaves(node: Any) -> int:
    """Values of an expanded JSON-LD document: @value, @id and each @type."""
    if isinstance(node, list):
        return sum(_expanded_leaves(v) for v in node)
    if not isinstance(node, dict):
        return 0
    if "@value" in node:
        return 1
    count = 1 if "@id" in node else 0
    count += len(node.get("@type", []))
    return count + sum(_expanded_leaves(v) for k, v in node.items() if k not in ("@id", "@type"))


def _fact(entry_id: int, kind: str = "course", grade: str | None = "优秀") -> EntryFacts:
    return EntryFacts(
        entry_id=entry_id,
        entry_hash="ab" * 32,
        achievement_id=entry_id,
        title="数控加工技术",
        kind=kind,
        domain="AM",
        half_credits=5,
        hours=40,
        grade=grade,
        standard="GE-HOURS@1",
        rule="theory-16h",
        completed_on=date(2024, 6, 30),
        institution_code="U1",
        institution_name_zh="测试大学",
    )


LEARNER = Learnerish("张三", "cd" * 32, "4101**********1234")
SETTINGS = Settings(_env_file=None, env="test")  # type: ignore[call-arg]
URL = "https://verify.creditbank.test/status-lists/1"


def _badge(kind: str = "course", grade: str | None = "优秀") -> dict[str, Any]:
    return achievement_credential(
        SETTINGS,
        LEARNER,
        _fact(1, kind, grade),
        jti="0f8fad5b-d9cb-469f-a165-70867728950e",
        status_url=URL,
        status_index=42,
        valid_from="2026-01-01T00:00:00Z",
        valid_until="2027-01-01T00:00:00Z",
    )


def _as_jwt_payload(document: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The document as it travels: the JWT payload with iss, jti, nbf, sub, exp added."""
    store = KeyStore(tmp_path, b"test")
    store.ensure_initialized()
    token = vc_jwt.encode(document, store.signer())
    payload: dict[str, Any] = vc_jwt.claims_of(vc_jwt.split(token), ("VerifiableCredential",))
    return payload


def _assert_nothing_dropped(document: dict[str, Any]) -> None:
    expanded = jsonld.expand(document, {"documentLoader": _loader})
    assert _expanded_leaves(expanded) == _leaves(document)


@pytest.mark.parametrize("kind", ["course", "vocational_cert", "work_experience", "award"])
def test_achievement_credential_expands_without_loss(kind: str, tmp_path: Path) -> None:
    _assert_nothing_dropped(_as_jwt_payload(_badge(kind), tmp_path))


def test_clr_credential_expands_without_loss(tmp_path: Path) -> None:
    document = clr_credential(
        SETTINGS,
        LEARNER,
        [_fact(1), _fact(2, "training", None)],
        ["eyJhbGciOiJFUzI1NiJ9.e30.c2ln"],
        jti="7c9e6679-7425-40de-944b-e07fc1f90ae7",
        status_url=URL,
        status_index=7,
        valid_from="2026-01-01T00:00:00Z",
        valid_until=None,
    )
    _assert_nothing_dropped(_as_jwt_payload(document, tmp_path))


def test_bitstring_status_list_credential_expands_without_loss() -> None:
    document = bitstring_status.list_credential(
        {"id": "https://verify.creditbank.test"},
        URL,
        bitstring_status.build(131_072, {3: 1}),
        1_767_225_600,
        1_767_312_000,
    )
    _assert_nothing_dropped(document)


def test_issuer_profile_expands_without_loss(
    client: TestClient, inst_a: dict[str, Any], settings: Settings
) -> None:
    profile = client.get("/issuer").json()
    assert profile["id"] == settings.verify_base_url + "/issuer"
    assert any(
        i["otherIdentifier"][0]["identifier"] == inst_a["code"]
        for i in profile["accreditedInstitution"]
    )
    _assert_nothing_dropped(profile)


def test_an_undefined_term_is_caught() -> None:
    """The check itself can fail: an extra term outside every context is dropped."""
    document = _badge()
    document["credentialSubject"]["shoeSize"] = 42
    with pytest.raises(AssertionError):
        _assert_nothing_dropped(document)


def test_bundled_contexts_match_the_shared_ones() -> None:
    if not _SHARED.exists():
        pytest.skip("../shared/contexts is not next to this checkout")
    for name in _FILES.values():
        assert (_BUNDLED / name).read_bytes() == (_SHARED / name).read_bytes()
