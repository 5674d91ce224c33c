"""Regenerate the Data Integrity (``eddsa-rdfc-2022``) vectors under ``tests/vectors/ldp/``.

Run ``.venv/bin/python -m tests.vectors.generate_ldp`` from the repository root. The
credentials are the issuer's own documents (issuer/credentials/vc_documents.py) secured as
the issuer secures them (:func:`verifier.formats.data_integrity.sign`, the function
issuer/credentials/vc_proofs.py calls) with the pinned TEST Ed25519 key
``tests/vectors/keys/test-signing-eddsa.pem`` as the proof key; the bundle is that of the
OB / CLR JWT vectors with the proof key's entry (``purpose: "proof"``) added. The same
files are run by the Python verifier (tests/verifier/test_vc_vectors.py) and pasted into
the verify page (tests/browser/test_verify_vc_vectors.py). The layout of a case is that of
tests/vectors/vc/ (see tests/vectors/generate_vc.py); ``format`` is ``ob3-ldp`` or
``clr-ldp``. The expected codes are the Python verifier's (checked by :func:`self_check`).
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run by path: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cryptography.hazmat.primitives.asymmetric import ed25519

from issuer.credentials import vc_documents
from issuer.credentials.discovery import profile_url, proof_method
from issuer.credentials.vc_ldp_issuance import serialize
from keys import Signer, public_jwk
from tests.vectors import generate
from tests.vectors import generate_vc as vc
from verifier.formats import data_integrity, trust_bundle

ROOT = Path(__file__).resolve().parent
LDP_DIR = ROOT / "ldp"
SHARED_TRUST = LDP_DIR / "_trust"
#: A second Ed25519 key, pinned here (a TEST key: never trust it for anything).
_OTHER = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Signer(_OTHER, "EdDSA", public_jwk(_OTHER.public_key(), "EdDSA")["kid"])
TITLES = ["工业机器人操作与运维实训（中级）课程", "人工智能导论"]


def proof_entry(config: Any, **extra: Any) -> dict[str, Any]:
    """The bundle entry of the pinned proof key, as issuer/credentials/trust.py writes it."""
    key = generate.signer("test-signing-eddsa")
    return {
        **generate.jwk_of("test-signing-eddsa"),
        "status": "active",
        "purpose": "proof",
        "verification_method": proof_method(config, key.kid),
        "controller": profile_url(config),
        **extra,
    }


def signed_bundle(config: Any, **extra: Any) -> str:
    document = vc.bundle_document(config)
    document["issuers"][0]["keys"].append(proof_entry(config, **extra))
    return trust_bundle.sign_bundle(document, generate.signer("test-anchor-es256"))


def secure(config: Any, document: dict[str, Any], signer: Signer | None = None, **kw: Any) -> dict:
    """``document`` with the issuer's Data Integrity proof (vc_proofs.secure)."""
    proof_key = generate.signer("test-signing-eddsa")
    method = kw.pop("method", proof_method(config, proof_key.kid))
    return data_integrity.sign(
        document, signer or proof_key, method, created=vc.MOMENT.replace(day=10)
    )


def _write_case(
    base: Path,
    name: str,
    description: str,
    text: str,
    *,
    error: str | None,
    fmt: str,
    bundle: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    case = base / name
    case.mkdir(parents=True)
    (case / "input.txt").write_text(text + "\n", "utf-8")
    if bundle is not None:
        (case / "trust-bundle.json").write_text(bundle + "\n", "utf-8")
    expected: dict[str, Any] = {
        "valid": error is None,
        "error": error,
        "at": vc.AT,
        "description": description,
        "format": fmt,
    }
    generate._write_json(case / "expected.json", expected | (extra or {}))


def case(name: str, description: str, document: dict[str, Any] | str, **kw: Any) -> None:
    text = document if isinstance(document, str) else serialize(document)
    kw.setdefault("fmt", "ob3-ldp")
    _write_case(LDP_DIR, name, description, text, **kw)


def generate_ldp() -> None:
    config = vc.settings()
    if LDP_DIR.exists():
        shutil.rmtree(LDP_DIR)
    SHARED_TRUST.mkdir(parents=True)
    (SHARED_TRUST / "trust-bundle.json").write_text(signed_bundle(config) + "\n", "utf-8")
    generate._write_json(SHARED_TRUST / "trust-anchor.jwk", generate.jwk_of("test-anchor-es256"))
    proof_kid = generate.signer("test-signing-eddsa").kid

    def ob3(**options: Any) -> dict[str, Any]:
        return vc.ob3_document(config, **options)

    valid = secure(config, ob3(jti="ldp-test-0001"))
    shows = {"learner": "张三", "credits": "3.5", "titles": TITLES[:1], "issuer": "测试学分银行"}
    case(
        "ldp_ob3_valid",
        "OB 3.0 AchievementCredential with an eddsa-rdfc-2022 proof by the bundle's proof key",
        valid,
        error=None,
        extra={"expect": {"kid": proof_kid, "format": "ob3+ldp"}, "shows": shows},
    )
    case(
        "ldp_ob3_valid_no_expiry",
        "no validUntil: valid without end",
        secure(config, ob3(jti="ldp-test-noexp", exp=None)),
        error=None,
        extra={"shows": shows},
    )
    document = ob3(jti="ldp-test-float", fact=vc.fact(2))
    document["credentialSubject"]["creditsEarned"] = 2.0
    case(
        "ldp_ob3_valid_integral_float",
        "creditsEarned written 2.0: RDF reads it as the integer it equals, in either verifier",
        secure(config, document),
        error=None,
        extra={"shows": {**shows, "credits": "2", "titles": TITLES[1:]}},
    )
    pretty = json.dumps(valid, ensure_ascii=False, indent=2)
    case(
        "ldp_ob3_valid_pretty",
        "the valid credential indented over many lines (JSON whitespace is not signed)",
        pretty,
        error=None,
        extra={"shows": shows},
    )
    changed = copy.deepcopy(valid)
    changed["credentialSubject"]["creditsEarned"] = 35.0
    case(
        "ldp_tampered_credits",
        "signed, then creditsEarned changed from 3.5 to 35.0",
        changed,
        error="bad_signature",
    )
    changed = copy.deepcopy(valid)
    changed["credentialSubject"]["identifier"][0]["identityHash"] = "李四"
    case(
        "ldp_tampered_name",
        "signed, then the learner's name changed",
        changed,
        error="bad_signature",
    )
    changed = copy.deepcopy(valid)
    value = changed["proof"]["proofValue"]
    at = len(value) // 2
    changed["proof"]["proofValue"] = (
        value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1 :]
    )
    case(
        "ldp_tampered_proof_value",
        "one base58 character of proofValue changed",
        changed,
        error="bad_signature",
    )
    changed = copy.deepcopy(valid)
    changed["proof"]["created"] = "2026-01-11T00:00:00Z"
    case(
        "ldp_tampered_proof_created",
        "the proof's created changed after signing",
        changed,
        error="bad_signature",
    )
    changed = copy.deepcopy(valid)
    changed["proof"]["proofValue"] = "z" + "0" * 86
    case(
        "ldp_proof_value_not_base58",
        "proofValue holds 0, outside base58btc",
        changed,
        error="bad_encoding",
    )
    changed = copy.deepcopy(valid)
    changed["proof"]["proofValue"] = value[:40]
    case(
        "ldp_proof_value_short",
        "proofValue too short for an Ed25519 signature",
        changed,
        error="bad_encoding",
    )
    changed = copy.deepcopy(valid)
    changed["proof"]["proofValue"] = "u" + value[1:]
    case(
        "ldp_proof_value_not_multibase_z",
        "proofValue with multibase prefix u",
        changed,
        error="bad_encoding",
    )
    changed = copy.deepcopy(valid)
    changed["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    case("ldp_other_cryptosuite", "cryptosuite ecdsa-rdfc-2019", changed, error="unsupported_alg")
    changed = copy.deepcopy(valid)
    changed["proof"]["proofPurpose"] = "authentication"
    case("ldp_wrong_purpose", "proofPurpose authentication", changed, error="malformed")
    changed = copy.deepcopy(valid)
    del changed["proof"]
    case("ldp_no_proof", "the proof removed", changed, error="malformed")
    case(
        "ldp_wrong_key",
        "names the trusted verificationMethod, signed by another Ed25519 key",
        secure(config, ob3(jti="ldp-test-0001"), OTHER),
        error="bad_signature",
    )
    case(
        "ldp_unknown_method",
        "signed by a key the bundle does not hold, naming its own method",
        secure(config, ob3(), OTHER, method=proof_method(config, OTHER.kid)),
        error="unknown_key",
    )
    document = ob3()
    document["issuer"]["id"] = "https://evil.example/issuer"
    case(
        "ldp_issuer_not_controller",
        "issuer.id is not the controller of the proof key",
        secure(config, document),
        error="unknown_issuer",
    )
    case(
        "ldp_unknown_context",
        "@context also names a context that is not bundled (never fetched)",
        _with_extra_context(valid),
        error="malformed",
    )
    document = ob3()
    document["credentialSubject"]["nickname"] = "小张"
    case(
        "ldp_undefined_term",
        "signed with a member no context defines (it would be outside the signature)",
        secure(config, document),
        error="malformed",
    )
    case("ldp_not_json", "a brace, then no JSON", "{not json", error="malformed")
    case(
        "ldp_not_ob",
        "JSON, but no OpenBadgeCredential type",
        {"type": ["VerifiableCredential"]},
        error="malformed",
    )
    case(
        "ldp_expired",
        "validUntil 2026-01-12, verified 2026-01-15",
        secure(config, ob3(exp=generate._ts(2026, 1, 12))),
        error="expired",
    )
    case(
        "ldp_not_yet_valid",
        "validFrom 2026-02-01, verified 2026-01-15",
        secure(config, ob3(nbf=generate._ts(2026, 2, 1))),
        error="not_yet_valid",
    )
    case(
        "ldp_revoked",
        f"revocation and suspension entries at index {generate.REVOKED_INDEX}: revoked",
        secure(config, ob3(index=generate.REVOKED_INDEX)),
        error="revoked",
    )
    case(
        "ldp_suspended",
        f"revocation and suspension entries at index {generate.SUSPENDED_INDEX}: suspended",
        secure(config, ob3(index=generate.SUSPENDED_INDEX)),
        error="suspended",
    )
    case(
        "ldp_status_unavailable",
        "status entries name list L9, absent from the bundle",
        secure(config, ob3(list_id="L9")),
        error="status_unavailable",
    )
    case(
        "ldp_key_compromised",
        "validFrom 2026-01-10, the proof key compromised since 2025-06-01 (its own bundle)",
        valid,
        error="key_compromised",
        bundle=signed_bundle(
            config, status="compromised", compromised_since="2025-06-01T00:00:00Z"
        ),
    )
    _clr_cases(config)


def _with_extra_context(valid: dict[str, Any]) -> dict[str, Any]:
    """``valid`` with a context URL no verifier bundles appended (the proof left as it was)."""
    changed = copy.deepcopy(valid)
    changed["@context"] = [*changed["@context"], "https://evil.example/context.jsonld"]
    return changed


def _clr_cases(config: Any) -> None:
    def badge(n: int, **options: Any) -> dict[str, Any]:
        document = vc.ob3_document(config, jti=f"ldp-test-clr-{n}", fact=vc.fact(n), **options)
        return secure(config, document)

    def clr(embedded: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        document = vc_documents.clr_credential(
            config,
            vc.LEARNER,
            [vc.fact(1), vc.fact(2)],
            [],
            jti="ldp-test-clr",
            status_url=vc.status_url(),
            status_index=options.get("index", generate.VALID_INDEX),
            valid_from=vc._iso(vc.NBF),
            valid_until=vc._iso(vc.EXP),
            embedded=embedded,
        )
        return secure(config, document)

    inner = [badge(1), badge(2)]
    shows = {"learner": "张三", "credits": "5.5", "titles": TITLES, "issuer": "测试学分银行"}
    case(
        "ldp_clr_valid",
        "CLR 2.0 transcript with a Data Integrity proof holding two secured badges (5.5 credits)",
        clr(inner),
        error=None,
        fmt="clr-ldp",
        extra={"expect": {"format": "clr+ldp"}, "shows": shows},
    )
    changed = copy.deepcopy(inner[1])
    changed["credentialSubject"]["creditsEarned"] = 20.0
    case(
        "ldp_clr_inner_tampered",
        "the transcript is signed over a badge whose credits were changed before",
        clr([inner[0], changed]),
        error="bad_signature",
        fmt="clr-ldp",
    )
    outer = clr(copy.deepcopy(inner))
    outer["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["creditsEarned"] = (
        20.0
    )
    case(
        "ldp_clr_tampered",
        "signed, then a held badge's credits changed",
        outer,
        error="bad_signature",
        fmt="clr-ldp",
    )
    case(
        "ldp_clr_inner_revoked",
        f"the transcript is good, a held badge's status index {generate.REVOKED_INDEX} is revoked",
        clr([inner[0], badge(2, index=generate.REVOKED_INDEX)]),
        error="revoked",
        fmt="clr-ldp",
    )
    case(
        "ldp_clr_suspended",
        f"the transcript's status index {generate.SUSPENDED_INDEX}: suspended",
        clr(inner, index=generate.SUSPENDED_INDEX),
        error="suspended",
        fmt="clr-ldp",
    )
    case(
        "ldp_clr_empty",
        "a transcript holding no credential",
        clr([]),
        error="malformed",
        fmt="clr-ldp",
    )


def self_check() -> None:
    """Every case verifies (or fails with its code) in the Python verifier, as the CLI runs it."""
    from datetime import datetime

    from verifier import TrustBundle, VerificationError
    from verifier._detect import detect, verify_detected

    for path in sorted(p for p in LDP_DIR.iterdir() if not p.name.startswith("_")):
        expected = json.loads((path / "expected.json").read_text("utf-8"))
        bundle = path / "trust-bundle.json"
        trust = TrustBundle.load(
            bundle if bundle.exists() else SHARED_TRUST / "trust-bundle.json",
            SHARED_TRUST / "trust-anchor.jwk",
        )
        text = (path / "input.txt").read_text("utf-8")
        assert detect(text) == expected["format"], path.name
        moment = datetime.fromisoformat(expected["at"].replace("Z", "+00:00"))
        try:
            verify_detected(text, trust, now=moment, max_bundle_age=None, audience=None, nonce=None)
            code = None
        except VerificationError as exc:
            code = exc.code
        assert code == expected["error"], (path.name, code)


if __name__ == "__main__":
    generate_ldp()
    self_check()
    print(f"wrote {sum(1 for p in LDP_DIR.iterdir() if not p.name.startswith('_'))} cases")
