"""Regenerate the OB 3.0 / CLR 2.0 JWT and SD-JWT VC vectors under ``tests/vectors/vc/``.

Run ``.venv/bin/python -m tests.vectors.generate_vc`` from the repository root. The
credentials are built by the issuer's own documents (issuer/credentials/vc_documents.py)
and encoders (verifier/formats/vc_jwt.py, sd_jwt.py) with the pinned TEST keys of
``tests/vectors/keys/``; the committed files are the vectors, this script documents how
they were made. The same files are run by the Python verifier
(tests/verifier/test_vc_vectors.py) and pasted into the verify page
(tests/browser/test_verify_vc_vectors.py).

Layout of one case, ``tests/vectors/vc/<case>/``::

    input.txt        what the verifier is handed (a JWT or an SD-JWT presentation)
    expected.json    {"valid", "error", "at", "description", "format", ...}
    trust-bundle.json, trust-anchor.jwk   optional; else ../_trust/ is used

``format`` is the kind :func:`verifier._detect.detect` finds (``ob3``, ``clr``,
``sd-jwt``, or ``cbqr`` for a JWT whose header says it is none of these). SD-JWT cases
carry the relying party's ``audience`` and ``nonce``: the Python verifier checks them,
the page shows them. Valid cases carry ``expect``: what the page must show.
"""

from __future__ import annotations

import base64
import json
import shutil
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run by path: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cryptography.hazmat.primitives.asymmetric import ec

from issuer.core.settings import Settings
from issuer.credentials import vc_documents
from issuer.credentials.discovery import key_url
from keys import Signer, b64url, public_jwk
from tests.vectors import generate
from verifier.formats import holder_key, sd_jwt, trust_bundle, vc_jwt

ROOT = Path(__file__).resolve().parent
VC_DIR = ROOT / "vc"
SHARED_TRUST = VC_DIR / "_trust"
AT = generate.AT
MOMENT = datetime.fromisoformat(AT.replace("Z", "+00:00"))
AUDIENCE = "https://hr.example.com"
NONCE = "nonce-2026-0115"
#: The pinned holder key's private scalar (a TEST key: never trust it for anything).
HOLDER_SCALAR = 0x5EC7E57C0FFEE


def holder_jwk() -> dict[str, Any]:
    """The pinned holder's private JWK (``d`` included), as a wallet keeps it."""
    private = ec.derive_private_key(HOLDER_SCALAR, ec.SECP256R1())
    jwk = holder_key.holder_public_jwk(public_jwk(private.public_key(), "ES256"))
    return {**jwk, "d": b64url(HOLDER_SCALAR.to_bytes(32, "big"))}


HOLDER_JWK = holder_jwk()


def settings() -> Settings:
    home = Path(tempfile.mkdtemp(prefix="creditbank-vectors-"))
    values: dict[str, Any] = {
        "env": "test",
        "home": home,
        "database_url": f"sqlite:///{home / 'unused.db'}",
        "verify_base_url": generate.BASE_URL,
        "issuer_id": generate.ISSUER,
        "issuer_name_zh": "测试学分银行",
        "issuer_name_en": "Test Credit Bank",
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def bundle_document(config: Settings) -> dict[str, Any]:
    """The cbqr vectors' bundle, each signing key with the URL OB/CLR JWTs name it by."""
    document = generate.bundle_document()
    issuer = document["issuers"][0]
    issuer["keys"].append(generate._key_entry("test-signing-rs256", "active"))
    for key in issuer["keys"]:
        key["id"] = key_url(config, key["kid"])
    return document


LEARNER = vc_documents.Learnerish("张三", "hmac-of-the-test-national-id", "4101**********1234")


def fact(n: int = 1, **changes: Any) -> vc_documents.EntryFacts:
    values: dict[str, Any] = {
        "entry_id": n,
        "entry_hash": f"{n:064x}",
        "achievement_id": n,
        "title": "工业机器人操作与运维实训（中级）课程" if n == 1 else "人工智能导论",
        "kind": "course",
        "domain": "AM" if n == 1 else "AI",
        "half_credits": 7 if n == 1 else 4,
        "hours": 56 if n == 1 else None,
        "grade": "优秀" if n == 1 else None,
        "standard": "AM-COURSE@1" if n == 1 else "AI-COURSE@2",
        "rule": "theory-16h",
        "completed_on": date(2025, 12, 20),
        "institution_code": "INST-0001",
        "institution_name_zh": "测试职业技术学院",
    }
    return vc_documents.EntryFacts(**(values | changes))


def _iso(ts: int) -> str:
    return vc_jwt.iso(ts)


NBF = generate._ts(2026, 1, 10)
EXP = generate._ts(2031, 1, 10)


def status_url(list_id: str = generate.STATUS_LIST) -> str:
    return f"{generate.BASE_URL}/status-lists/{list_id}"


def ob3_document(config: Settings, **options: Any) -> dict[str, Any]:
    return vc_documents.achievement_credential(
        config,
        LEARNER,
        options.pop("fact", fact()),
        jti=options.pop("jti", "ob3-test-0001"),
        status_url=status_url(options.pop("list_id", generate.STATUS_LIST)),
        status_index=options.pop("index", generate.VALID_INDEX),
        valid_from=_iso(options.pop("nbf", NBF)),
        valid_until=None if options.get("exp", EXP) is None else _iso(options.pop("exp", EXP)),
    )


def ob3(config: Settings, signer: Signer, document: dict[str, Any] | None = None) -> str:
    """An OB JWT as the issuer signs it: kid the key's URL (vc_issuance._encode)."""
    document = document or ob3_document(config)
    return vc_jwt.encode(document, signer, kid=key_url(config, signer.kid))


def payload_of(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return data


def resigned(token: str, signer: Signer, header: dict[str, Any], **claims: Any) -> str:
    """``token``'s claims (with ``claims`` replaced, None removes) under ``header``."""
    payload = {**payload_of(token), **claims}
    payload = {k: v for k, v in payload.items() if v is not None}
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return generate.raw_jws(header, raw, signer)


def tamper(token: str, part: int) -> str:
    """``token`` with one base64url character in the middle of ``part`` changed."""
    parts = token.split(".")
    text = parts[part]
    at = len(text) // 2
    parts[part] = text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]
    return ".".join(parts)


def sd_issued(config: Settings, signer: Signer, **options: Any) -> str:
    claims = vc_documents.sd_jwt_claims(
        config,
        LEARNER,
        [fact(1), fact(2)],
        holder_key.holder_public_jwk(HOLDER_JWK),
        jti=options.pop("jti", "sd-test-0001"),
        status_url=status_url(options.pop("list_id", generate.STATUS_LIST)),
        status_index=options.pop("index", generate.VALID_INDEX),
        nbf=options.pop("nbf", NBF),
        exp=options.pop("exp", EXP),
    )
    return sd_jwt.issue(claims, signer)


def present(
    issued: str,
    disclose: tuple[str, ...] = ("name", "masked_id", "credits", "entries"),
    *,
    holder: Signer | None = None,
    iat: datetime = MOMENT - timedelta(seconds=60),
) -> str:
    return sd_jwt.present(
        issued,
        disclose,
        holder or holder_key.holder_signer(HOLDER_JWK),
        aud=AUDIENCE,
        nonce=NONCE,
        iat=int(iat.timestamp()),
    )


def write_case(
    name: str,
    description: str,
    text: str,
    *,
    error: str | None,
    fmt: str,
    bundle: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    case = VC_DIR / name
    case.mkdir(parents=True)
    (case / "input.txt").write_text(text + "\n", "utf-8")
    if bundle is not None:
        (case / "trust-bundle.json").write_text(bundle + "\n", "utf-8")
    expected: dict[str, Any] = {
        "valid": error is None,
        "error": error,
        "at": AT,
        "description": description,
        "format": fmt,
    }
    if fmt == "sd-jwt":
        expected |= {"audience": AUDIENCE, "nonce": NONCE}
    generate._write_json(case / "expected.json", expected | (extra or {}))


def generate_vc() -> None:
    config = settings()
    if VC_DIR.exists():
        shutil.rmtree(VC_DIR)
    SHARED_TRUST.mkdir(parents=True)
    anchor = generate.signer("test-anchor-es256")
    document = bundle_document(config)
    (SHARED_TRUST / "trust-bundle.json").write_text(
        trust_bundle.sign_bundle(document, anchor) + "\n", "utf-8"
    )
    generate._write_json(SHARED_TRUST / "trust-anchor.jwk", generate.jwk_of("test-anchor-es256"))

    es256, eddsa = generate.signer("test-signing-es256"), generate.signer("test-signing-eddsa")
    rs256 = generate.signer("test-signing-rs256")
    _ob3_cases(config, es256, eddsa, rs256)
    _clr_cases(config, es256)
    _sd_jwt_cases(config, es256, eddsa)


def _ob3_cases(config: Settings, es256: Signer, eddsa: Signer, rs256: Signer) -> None:
    valid = ob3(config, es256)
    title = "工业机器人操作与运维实训（中级）课程"
    shows = {"learner": "张三", "credits": "3.5", "titles": [title], "issuer": "测试学分银行"}
    write_case(
        "ob3_valid",
        "OB 3.0 AchievementCredential JWT, ES256, kid the key's URL",
        valid,
        error=None,
        fmt="ob3",
        extra={"expect": {"kid": es256.kid, "format": "ob3+jwt"}, "shows": shows},
    )
    write_case(
        "ob3_valid_eddsa",
        "signed by the issuer's Ed25519 key (alg EdDSA)",
        ob3(config, eddsa, ob3_document(config, jti="ob3-test-eddsa")),
        error=None,
        fmt="ob3",
        extra={"expect": {"kid": eddsa.kid}, "shows": shows},
    )
    write_case(
        "ob3_valid_rs256",
        "signed by the issuer's RSA key (alg RS256, the form the 1EdTech validator accepts)",
        ob3(config, rs256, ob3_document(config, jti="ob3-test-rs256")),
        error=None,
        fmt="ob3",
        extra={"expect": {"kid": rs256.kid}, "shows": shows},
    )
    header = {"alg": "ES256", "kid": key_url(config, es256.kid), "typ": "JWT"}
    write_case(
        "ob3_valid_thumbprint_kid",
        "kid the key's bare RFC 7638 thumbprint (credentials issued before kids were URLs)",
        resigned(valid, es256, {**header, "kid": es256.kid}),
        error=None,
        fmt="ob3",
        extra={"expect": {"kid": es256.kid}, "shows": shows},
    )
    write_case(
        "ob3_no_expiry",
        "no validUntil and no exp: valid without end",
        ob3(config, es256, ob3_document(config, jti="ob3-test-noexp", exp=None)),
        error=None,
        fmt="ob3",
        extra={"shows": shows},
    )
    write_case(
        "ob3_bad_signature",
        "one character changed in the middle of the payload part",
        tamper(valid, 1),
        error="bad_signature",
        fmt="ob3",
    )
    write_case(
        "ob3_bad_signature_other_key",
        "the header names the ES256 key, the signature is another P-256 key's",
        resigned(valid, generate.signer("test-unknown-es256"), header),
        error="bad_signature",
        fmt="ob3",
    )
    write_case(
        "ob3_alg_mismatch",
        "header alg EdDSA with the ES256 key's kid, signed by the Ed25519 key",
        resigned(valid, eddsa, {**header, "alg": "EdDSA"}),
        error="alg_mismatch",
        fmt="ob3",
    )
    write_case(
        "ob3_alg_none",
        'header alg "none"',
        resigned(valid, lambda _: b"\x00", {**header, "alg": "none"}),
        error="unsupported_alg",
        fmt="ob3",
    )
    unknown = generate.signer("test-unknown-es256")
    write_case(
        "ob3_unknown_kid",
        "signed by a key the bundle does not hold (its URL under the issuer)",
        ob3(config, unknown),
        error="unknown_key",
        fmt="ob3",
    )
    write_case(
        "ob3_kid_other_host",
        "kid the trusted key's path on another host: a URL is matched, never fetched",
        resigned(valid, es256, {**header, "kid": f"https://evil.example/keys/{es256.kid}"}),
        error="unknown_key",
        fmt="ob3",
    )
    write_case(
        "ob3_no_kid",
        "the header carries no kid",
        resigned(valid, es256, {"alg": "ES256", "typ": "JWT"}),
        error="malformed",
        fmt="ob3",
    )
    write_case(
        "ob3_expired",
        "validUntil/exp 2026-01-12, verified 2026-01-15",
        ob3(config, es256, ob3_document(config, exp=generate._ts(2026, 1, 12))),
        error="expired",
        fmt="ob3",
    )
    write_case(
        "ob3_not_yet_valid",
        "validFrom/nbf 2026-02-01, verified 2026-01-15",
        ob3(config, es256, ob3_document(config, nbf=generate._ts(2026, 2, 1))),
        error="not_yet_valid",
        fmt="ob3",
    )
    write_case(
        "ob3_revoked",
        f"revocation and suspension entries at index {generate.REVOKED_INDEX}: revoked",
        ob3(config, es256, ob3_document(config, index=generate.REVOKED_INDEX)),
        error="revoked",
        fmt="ob3",
    )
    write_case(
        "ob3_suspended",
        f"revocation and suspension entries at index {generate.SUSPENDED_INDEX}: suspended",
        ob3(config, es256, ob3_document(config, index=generate.SUSPENDED_INDEX)),
        error="suspended",
        fmt="ob3",
    )
    write_case(
        "ob3_status_unavailable",
        "status entries name list L9, absent from the bundle",
        ob3(config, es256, ob3_document(config, list_id="L9")),
        error="status_unavailable",
        fmt="ob3",
    )
    write_case(
        "ob3_status_index_outside",
        f"status index {generate.STATUS_SIZE}, one past the end of the list",
        ob3(config, es256, ob3_document(config, index=generate.STATUS_SIZE)),
        error="malformed",
        fmt="ob3",
    )
    write_case(
        "ob3_key_compromised",
        "validFrom 2026-01-10, signed by a key compromised since 2025-06-01",
        ob3(config, generate.signer("test-compromised-es256")),
        error="key_compromised",
        fmt="ob3",
    )
    write_case(
        "ob3_key_retired",
        "validFrom 2026-01-10, signed by a key retired at 2025-12-01",
        ob3(config, generate.signer("test-retired-es256")),
        error="key_retired",
        fmt="ob3",
    )
    write_case(
        "ob3_wrong_sub",
        "signed; sub differs from credentialSubject.id (OB 3.0 §8.2.6)",
        resigned(valid, es256, header, sub="urn:creditbank:learner:someone-else"),
        error="malformed",
        fmt="ob3",
    )
    write_case(
        "ob3_exp_not_valid_until",
        "signed; exp one day after validUntil",
        resigned(valid, es256, header, exp=payload_of(valid)["exp"] + 86_400),
        error="malformed",
        fmt="ob3",
    )
    write_case(
        "ob3_nbf_not_valid_from",
        "signed; nbf one second before validFrom",
        resigned(valid, es256, header, nbf=NBF - 1),
        error="malformed",
        fmt="ob3",
    )
    write_case(
        "ob3_wrong_type",
        "signed; the credential's type lacks OpenBadgeCredential",
        resigned(valid, es256, header, type=["VerifiableCredential"]),
        error="malformed",
        fmt="ob3",
    )
    write_case(
        "ob3_extra_header_typ",
        "signed; header typ vc+jwt: not an OB JWT, so the QR verifier refuses it",
        resigned(valid, es256, {**header, "typ": "vc+jwt"}),
        error="malformed",
        fmt="cbqr",
    )
    write_case(
        "ob3_valid_with_whitespace",
        "the JWT with a newline and spaces around it, as pasted from a file",
        f"\n  {valid}  \n",
        error=None,
        fmt="ob3",
        extra={"shows": shows},
    )
    statuses = payload_of(valid)["credentialStatus"]
    write_case(
        "ob3_status_bad_purpose",
        "signed; a status entry's statusPurpose is refresh",
        resigned(
            valid, es256, header, credentialStatus=[{**statuses[0], "statusPurpose": "refresh"}]
        ),
        error="malformed",
        fmt="ob3",
    )
    write_case(
        "ob3_status_index_not_digits",
        "signed; a status entry's statusListIndex is the number 1000, not a string",
        resigned(valid, es256, header, credentialStatus=[{**statuses[0], "statusListIndex": 1000}]),
        error="malformed",
        fmt="ob3",
    )
    write_case(
        "ob3_stale_bundle",
        "bundle 12 h old at verification, limit 6 h",
        valid,
        error="stale_trust_bundle",
        fmt="ob3",
        extra={"max_bundle_age_hours": 6},
    )


def _clr_cases(config: Settings, es256: Signer) -> None:
    inner = [
        ob3(config, es256, ob3_document(config, jti="ob3-test-clr-1", fact=fact(1))),
        ob3(config, es256, ob3_document(config, jti="ob3-test-clr-2", fact=fact(2))),
    ]

    def clr(enveloped: list[str], **options: Any) -> str:
        document = vc_documents.clr_credential(
            config,
            LEARNER,
            [fact(1), fact(2)],
            enveloped,
            jti="clr-test-0001",
            status_url=status_url(),
            status_index=options.get("index", generate.VALID_INDEX),
            valid_from=_iso(NBF),
            valid_until=_iso(EXP),
        )
        return vc_jwt.encode(document, es256, kid=key_url(config, es256.kid))

    write_case(
        "clr_valid",
        "CLR 2.0 transcript JWT enveloping two OB JWTs (5.5 credits)",
        clr(inner),
        error=None,
        fmt="clr",
        extra={
            "expect": {"kid": es256.kid, "format": "clr+jwt"},
            "shows": {
                "learner": "张三",
                "credits": "5.5",
                "titles": ["工业机器人操作与运维实训（中级）课程", "人工智能导论"],
                "issuer": "测试学分银行",
            },
        },
    )
    write_case(
        "clr_enveloped_bad_signature",
        "the transcript is signed; one enveloped OB JWT has a changed payload character",
        clr([inner[0], tamper(inner[1], 1)]),
        error="bad_signature",
        fmt="clr",
    )
    revoked = ob3(config, es256, ob3_document(config, index=generate.REVOKED_INDEX))
    write_case(
        "clr_enveloped_revoked",
        "the transcript is valid; one of its enveloped OB JWTs is revoked",
        clr([inner[0], revoked]),
        error="revoked",
        fmt="clr",
    )
    write_case(
        "clr_suspended",
        "the transcript's own status entries are suspended",
        clr(inner, index=generate.SUSPENDED_INDEX),
        error="suspended",
        fmt="clr",
    )
    write_case(
        "clr_empty",
        "signed; the transcript envelopes no credential",
        clr([]),
        error="malformed",
        fmt="clr",
    )


def _sd_jwt_cases(config: Settings, es256: Signer, eddsa: Signer) -> None:
    issued = sd_issued(config, es256)
    valid = present(issued)
    shows = {
        "learner": "张三",
        "masked_id": "4101**********1234",
        "credits": "5.5",
        "titles": ["工业机器人操作与运维实训（中级）课程", "人工智能导论"],
        "issuer": "测试学分银行",
    }
    write_case(
        "sd_valid",
        "SD-JWT VC presentation: name, masked ID, credits and both entries disclosed, KB-JWT",
        valid,
        error=None,
        fmt="sd-jwt",
        extra={"expect": {"kid": es256.kid, "format": "dc+sd-jwt"}, "shows": shows},
    )
    write_case(
        "sd_valid_name_only",
        "only the name disclosed: credits and entries stay hidden",
        present(issued, ("name",)),
        error=None,
        fmt="sd-jwt",
        extra={"shows": {"learner": "张三", "titles": []}},
    )
    write_case(
        "sd_valid_eddsa",
        "the issuer JWT signed by the Ed25519 key",
        present(sd_issued(config, eddsa, jti="sd-test-eddsa")),
        error=None,
        fmt="sd-jwt",
        extra={"expect": {"kid": eddsa.kid}, "shows": shows},
    )
    parts = valid.split("~")
    rest = parts[1:]
    write_case(
        "sd_bad_signature",
        "one character changed in the middle of the issuer JWT's payload",
        "~".join([tamper(parts[0], 1), *parts[1:]]),
        error="bad_signature",
        fmt="sd-jwt",
    )
    jwt_header = {"alg": "EdDSA", "kid": es256.kid, "typ": sd_jwt.TYP}
    write_case(
        "sd_alg_mismatch",
        "issuer JWT header alg EdDSA with the ES256 key's kid, signed by the Ed25519 key",
        "~".join([resigned(parts[0], eddsa, jwt_header), *parts[1:]]),
        error="alg_mismatch",
        fmt="sd-jwt",
    )
    write_case(
        "sd_unknown_kid",
        "issuer JWT signed by a key the bundle does not hold",
        present(sd_issued(config, generate.signer("test-unknown-es256"))),
        error="unknown_key",
        fmt="sd-jwt",
    )
    # A disclosure whose value was changed (and re-encoded): its digest is not in the token.
    disclosure = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    disclosure[-1] = "李四" if isinstance(disclosure[-1], str) else 99
    forged = generate.b64url(json.dumps(disclosure, ensure_ascii=False).encode())
    write_case(
        "sd_tampered_disclosure",
        f"disclosure {disclosure[1]!r} changed to {disclosure[-1]!r}: its digest is not signed",
        "~".join([parts[0], forged, *parts[2:]]),
        error="unknown_disclosure",
        fmt="sd-jwt",
    )
    write_case(
        "sd_bad_sd_hash",
        "a disclosure removed after the holder signed: sd_hash no longer matches",
        "~".join([parts[0], *parts[2:]]),
        error="holder_binding_failed",
        fmt="sd-jwt",
    )
    other = holder_key.holder_signer(holder_key.new_holder_jwk())
    write_case(
        "sd_kb_other_holder",
        "the KB-JWT is signed by another key than the credential's cnf.jwk",
        present(issued, holder=other),
        error="holder_binding_failed",
        fmt="sd-jwt",
    )
    write_case(
        "sd_no_kb_jwt",
        "the issued SD-JWT itself, all disclosures, no key-binding JWT",
        issued,
        error="holder_binding_failed",
        fmt="sd-jwt",
    )
    write_case(
        "sd_stale_presentation",
        "the KB-JWT's iat is an hour before the check (limit 300 s)",
        present(issued, iat=MOMENT - timedelta(hours=1)),
        error="stale_presentation",
        fmt="sd-jwt",
    )
    write_case(
        "sd_presentation_from_the_future",
        "the KB-JWT's iat is ten minutes after the check",
        present(issued, iat=MOMENT + timedelta(minutes=10)),
        error="stale_presentation",
        fmt="sd-jwt",
    )
    write_case(
        "sd_expired",
        "exp 2026-01-12, verified 2026-01-15",
        present(sd_issued(config, es256, exp=generate._ts(2026, 1, 12))),
        error="expired",
        fmt="sd-jwt",
    )
    write_case(
        "sd_revoked",
        f"status_list idx {generate.REVOKED_INDEX}: revoked",
        present(sd_issued(config, es256, index=generate.REVOKED_INDEX)),
        error="revoked",
        fmt="sd-jwt",
    )
    write_case(
        "sd_suspended",
        f"status_list idx {generate.SUSPENDED_INDEX}: suspended",
        present(sd_issued(config, es256, index=generate.SUSPENDED_INDEX)),
        error="suspended",
        fmt="sd-jwt",
    )
    write_case(
        "sd_key_compromised",
        "nbf 2026-01-10, signed by a key compromised since 2025-06-01",
        present(sd_issued(config, generate.signer("test-compromised-es256"))),
        error="key_compromised",
        fmt="sd-jwt",
    )
    write_case(
        "sd_empty_disclosure",
        "an empty disclosure between two ~",
        "~".join([parts[0], "", *rest]),
        error="malformed",
        fmt="sd-jwt",
    )
    write_case(
        "sd_disclosure_twice",
        "the same disclosure given twice",
        "~".join([parts[0], parts[1], *rest]),
        error="malformed",
        fmt="sd-jwt",
    )
    write_case(
        "sd_disclosure_not_base64",
        "a disclosure holding a character outside base64",
        "~".join([parts[0], parts[1][:-2] + "*" + parts[1][-1], *parts[2:]]),
        error="bad_encoding",
        fmt="sd-jwt",
    )
    kb_parts = parts[-1].split(".")
    kb_head = json.loads(base64.urlsafe_b64decode(kb_parts[0] + "=" * (-len(kb_parts[0]) % 4)))
    holder = holder_key.holder_signer(HOLDER_JWK)
    write_case(
        "sd_kb_wrong_typ",
        "the KB-JWT's header typ is JWT, signed by the holder",
        "~".join([*parts[:-1], resigned(parts[-1], holder, {**kb_head, "typ": "JWT"})]),
        error="holder_binding_failed",
        fmt="sd-jwt",
    )
    no_status = resigned(parts[0], es256, {**jwt_header, "alg": "ES256"}, status=None)
    write_case(
        "sd_no_status",
        "the issuer JWT, signed, carries no status claim (the holder signs the new token)",
        present("~".join([no_status, *parts[1:-1], ""])),
        error="malformed",
        fmt="sd-jwt",
    )
    write_case(
        "sd_wrong_typ",
        "issuer JWT header typ JWT instead of dc+sd-jwt",
        "~".join([resigned(parts[0], es256, {**jwt_header, "alg": "ES256", "typ": "JWT"}), *rest]),
        error="malformed",
        fmt="sd-jwt",
    )


def self_check() -> None:
    """Verify every written vector with the Python verifier and insist on its outcome."""
    from tests.vectors.cases import vc_cases
    from verifier import TrustBundle, VerificationError
    from verifier._detect import detect, verify_detected

    for vector in vc_cases():
        text = vector.input_path.read_text("utf-8")
        assert detect(text) == vector.expected["format"], vector.name
        try:
            trust = TrustBundle.load(vector.bundle_path, vector.anchor_path)
            verify_detected(
                text,
                trust,
                now=vector.at,
                max_bundle_age=vector.max_bundle_age,
                audience=vector.expected.get("audience"),
                nonce=vector.expected.get("nonce"),
            )
            code = None
        except VerificationError as error:
            code = error.code
        assert code == vector.code, f"{vector.name}: got {code}, expected {vector.code}"


if __name__ == "__main__":
    generate_vc()
    self_check()
    print(f"wrote {sum(1 for p in VC_DIR.iterdir() if not p.name.startswith('_'))} cases")
