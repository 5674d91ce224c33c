"""Regenerate the cbqr golden vectors under ``tests/vectors/cbqr/``.

Run ``.venv/bin/python -m tests.vectors.generate`` (or this file by path) from the
repository root. Keys, claims and clocks are pinned, so everything but the ECDSA
signatures (randomized by design) comes out the same on every run; the committed
files are the vectors, this script only documents how they were made.

Layout of one case, ``tests/vectors/cbqr/<case>/``::

    input.txt | input.png | input.jpg   what the verifier is handed
    expected.json                       {"valid", "error", "at", "description", ...}
    trust-bundle.json, trust-anchor.jwk optional; else ../_trust/ is used

``expected.json`` may also hold ``max_bundle_age_hours`` (passed to ``verify`` and
to the CLI as ``--max-bundle-age``) and, for valid cases, ``expect``: fields of the
verified result (``VerifiedCredential.to_json()``) that must match.

The keys under ``tests/vectors/keys/`` are TEST KEYS ONLY, stored unencrypted on
purpose: never trust them for anything.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import random
import shutil
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

if __package__ in (None, ""):  # run by path: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from keys import PrivateKey, Signer, b64url, generate_private_key, public_jwk
from verifier.formats import cbqr, status_list, trust_bundle
from verifier.formats.qr_digits import encode_digits

ROOT = Path(__file__).resolve().parent
KEY_DIR = ROOT / "keys"
CBQR_DIR = ROOT / "cbqr"
SHARED_TRUST = CBQR_DIR / "_trust"

BASE_URL = "http://127.0.0.1:8000"
ISSUER = "cb-test"
GENERATED_AT = datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
AT = "2026-01-15T12:00:00Z"
STATUS_LIST = "L1"
STATUS_SIZE = 131_072
REVOKED_INDEX, SUSPENDED_INDEX, VALID_INDEX = 17, 42, 1000
RETIRED_AT = datetime(2025, 12, 1, tzinfo=UTC)
COMPROMISED_SINCE = datetime(2025, 6, 1, tzinfo=UTC)


def _ts(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp())


# -- pinned test keys ----------------------------------------------------------------------

#: name -> algorithm. Created once when missing, then read from the committed PEM files.
TEST_KEYS = {
    "test-signing-es256": "ES256",
    "test-signing-eddsa": "EdDSA",
    "test-signing-rs256": "RS256",
    "test-retired-es256": "ES256",
    "test-compromised-es256": "ES256",
    "test-unknown-es256": "ES256",
    "test-anchor-es256": "ES256",
    "test-other-anchor-es256": "ES256",
}


def load_private(name: str) -> PrivateKey:
    """The pinned TEST key ``name`` (unencrypted PKCS#8 PEM), created when missing."""
    path = KEY_DIR / f"{name}.pem"
    if not path.exists():
        KEY_DIR.mkdir(parents=True, exist_ok=True)
        private = generate_private_key(TEST_KEYS[name])
        path.write_bytes(
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, PrivateKey)
    return key


def signer(name: str) -> Signer:
    private = load_private(name)
    alg = TEST_KEYS[name]
    return Signer(private, alg, public_jwk(private.public_key(), alg)["kid"])


def jwk_of(name: str) -> dict[str, Any]:
    return public_jwk(load_private(name).public_key(), TEST_KEYS[name])


# -- trust bundle --------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _key_entry(name: str, status: str, **dates: datetime) -> dict[str, Any]:
    return {
        **jwk_of(name),
        "status": status,
        "retired_at": _iso(dates["retired_at"]) if "retired_at" in dates else None,
        "compromised_since": (
            _iso(dates["compromised_since"]) if "compromised_since" in dates else None
        ),
    }


def bundle_document() -> dict[str, Any]:
    """The shared bundle: one issuer, five keys in every state, one status list."""
    statuses = {REVOKED_INDEX: status_list.REVOKED, SUSPENDED_INDEX: status_list.SUSPENDED}
    return {
        "type": trust_bundle.DOCUMENT_TYPE,
        "version": trust_bundle.VERSION,
        "generated_at": _iso(GENERATED_AT),
        "next_update": _iso(GENERATED_AT + timedelta(days=7)),
        "issuers": [
            {
                "id": ISSUER,
                "name": {"zh": "测试学分银行", "en": "Test Credit Bank"},
                "institutions": [
                    {
                        "id": "INST-0001",
                        "name": {"zh": "测试职业技术学院", "en": "Test Polytechnic"},
                    }
                ],
                "keys": [
                    _key_entry("test-signing-es256", "active"),
                    _key_entry("test-signing-eddsa", "active"),
                    _key_entry("test-retired-es256", "retired", retired_at=RETIRED_AT),
                    _key_entry(
                        "test-compromised-es256",
                        "compromised",
                        compromised_since=COMPROMISED_SINCE,
                    ),
                ],
            }
        ],
        "status_lists": [
            status_list.build(STATUS_LIST, ISSUER, STATUS_SIZE, statuses, bits=2).to_json()
        ],
    }


# -- credentials ---------------------------------------------------------------------------

BASE_CREDENTIAL = cbqr.QRCredential(
    issuer=ISSUER,
    jti="cbqr-test-0001",
    nbf=_ts(2026, 1, 10),
    exp=_ts(2031, 1, 10),
    name="张三",
    masked_id="4101**********1234",
    entries=(
        cbqr.CreditEntry(
            title="工业机器人操作与运维实训（中级）课程",
            domain="AM",
            kind="course",
            half_credits=7,
            hours=56,
            standard="AM-COURSE@1",
            institution="INST-0001",
            date=date(2025, 12, 20),
        ),
    ),
    status_list=STATUS_LIST,
    status_index=VALID_INDEX,
)


def credential(**changes: Any) -> cbqr.QRCredential:
    return replace(BASE_CREDENTIAL, **changes)


def qr_text(jws: str) -> str:
    return cbqr.to_qr_text(jws, BASE_URL)


def raw_jws(header: dict[str, Any], payload: bytes, sign: Callable[[bytes], bytes] | Signer) -> str:
    """A compact JWS with exactly ``header`` and ``payload``: the way to craft bad ones."""
    head = b64url(json.dumps(header, separators=(",", ":")).encode())
    signing_input = f"{head}.{b64url(payload)}"
    sign_fn = sign.sign if isinstance(sign, Signer) else sign
    return f"{signing_input}.{b64url(sign_fn(signing_input.encode('ascii')))}"


def cbqr_header(key: Signer, **changes: Any) -> dict[str, Any]:
    return {"alg": key.alg, "kid": key.kid[:8], "zip": "DEF", "typ": cbqr.TYP, **changes}


def claims_payload(claims: Any) -> bytes:
    return cbqr.deflate(json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode())


_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def tamper_one_digit(text: str, char_index: int) -> str:
    """``text`` with one digit changed so that JWS character ``char_index`` becomes another
    base64url character (never ``.``, which would change the structure)."""
    base, _, digits = text.rpartition("#")
    pair = digits[2 * char_index : 2 * char_index + 2]
    for position in (1, 0):
        for digit in "0123456789":
            new = pair[:position] + digit + pair[position + 1 :]
            if new != pair and chr(int(new) + 45) in _ALPHABET:
                tampered = digits[: 2 * char_index] + new + digits[2 * char_index + 2 :]
                return f"{base}#{tampered}"
    raise AssertionError(f"no single-digit change at {char_index}")


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _padding_bit_tamper(key: Signer) -> str:
    """QR text whose last digit differs from a valid credential's only in unused bits.

    An ES256 signature is 64 bytes, 86 base64url characters: the low 4 bits of the
    last character carry nothing. Signatures are random, so sign until the last
    character has a sibling one digit away in the same 16-character group.
    """
    for attempt in range(100):
        text = qr_text(cbqr.encode(credential(jti=f"cbqr-test-pad-{attempt}"), key))
        last = chr(int(text[-2:]) + 45)
        for digit in "0123456789":
            other = chr(int(text[-2] + digit) + 45)
            if other != last and other in _B64 and _B64.index(other) >> 4 == _B64.index(last) >> 4:
                return text[:-1] + digit
    raise AssertionError("no padding-bit sibling found")


# -- writing -------------------------------------------------------------------------------


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")


def write_case(
    name: str,
    description: str,
    *,
    error: str | None,
    text: str | None = None,
    image: tuple[str, bytes] | None = None,
    at: str = AT,
    bundle: str | None = None,
    anchor: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    case = CBQR_DIR / name
    case.mkdir(parents=True)
    if text is not None:
        (case / "input.txt").write_text(text + "\n", "utf-8")
    if image is not None:
        (case / image[0]).write_bytes(image[1])
    if bundle is not None:
        (case / "trust-bundle.json").write_text(bundle + "\n", "utf-8")
    if anchor is not None:
        _write_json(case / "trust-anchor.jwk", anchor)
    expected = {"valid": error is None, "error": error, "at": at, "description": description}
    _write_json(case / "expected.json", {**expected, **(extra or {})})


def _png_to_jpeg(png: bytes) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.convert("L").save(out, "JPEG", quality=80)
    return out.getvalue()


def _blank_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 280, 160), outline="black", width=6)
    draw.line((40, 40, 280, 160), fill="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def generate() -> None:
    from issuer.credentials.qr_image import render_png
    from verifier._input import read_qr_image

    prefixes = [jwk_of(name)["kid"][:8] for name in TEST_KEYS]
    assert len(set(prefixes)) == len(prefixes), "two test keys share a kid prefix"

    if CBQR_DIR.exists():
        shutil.rmtree(CBQR_DIR)
    SHARED_TRUST.mkdir(parents=True)
    anchor = signer("test-anchor-es256")
    document = bundle_document()
    (SHARED_TRUST / "trust-bundle.json").write_text(
        trust_bundle.sign_bundle(document, anchor) + "\n", "utf-8"
    )
    _write_json(SHARED_TRUST / "trust-anchor.jwk", jwk_of("test-anchor-es256"))

    es256 = signer("test-signing-es256")
    valid_jws = cbqr.encode(BASE_CREDENTIAL, es256)
    valid_text = qr_text(valid_jws)
    expect = {
        "expect": {
            "issuer": {"id": ISSUER, "name_zh": "测试学分银行", "name_en": "Test Credit Bank"},
            "subject": {"name": "张三", "masked_id": "4101**********1234"},
            "credits": 3.5,
            "kid": es256.kid,
            "trust_bundle_age_seconds": 43_200,
        }
    }

    write_case(
        "valid", "QR text <base>/v1#<digits>, ES256", error=None, text=valid_text, extra=expect
    )
    png = render_png(valid_text)
    assert read_qr_image(png) == valid_text
    write_case(
        "valid_png",
        "QR PNG rendered by issuer.credentials.qr_image.render_png "
        "(byte + numeric segment, level M)",
        error=None,
        image=("input.png", png),
        extra=expect,
    )
    jpeg = _png_to_jpeg(png)
    assert read_qr_image(jpeg) == valid_text
    write_case(
        "valid_jpeg",
        "the same QR as a greyscale JPEG, quality 80",
        error=None,
        image=("input.jpg", jpeg),
        extra=expect,
    )
    write_case("valid_bare_jws", "the compact JWS itself", error=None, text=valid_jws, extra=expect)
    write_case(
        "valid_digits_only",
        "only the digits of the QR fragment",
        error=None,
        text=encode_digits(valid_jws),
        extra=expect,
    )
    eddsa = signer("test-signing-eddsa")
    write_case(
        "valid_eddsa",
        "signed by the issuer's Ed25519 key (alg EdDSA)",
        error=None,
        text=qr_text(cbqr.encode(credential(jti="cbqr-test-eddsa", exp=None), eddsa)),
        extra={"expect": {"kid": eddsa.kid, "credits": 3.5}},
    )
    write_case(
        "valid_two_entries",
        "two credit entries, no hours on the second, total 5.5",
        error=None,
        text=qr_text(
            cbqr.encode(
                credential(
                    jti="cbqr-test-0002",
                    entries=(
                        BASE_CREDENTIAL.entries[0],
                        replace(
                            BASE_CREDENTIAL.entries[0],
                            title="人工智能导论",
                            domain="AI",
                            half_credits=4,
                            hours=None,
                            standard="AI-COURSE@2",
                        ),
                    ),
                ),
                es256,
            )
        ),
        extra={"expect": {"credits": 5.5}},
    )

    # -- digits and structure ---------------------------------------------------------------
    head_len, body_len = (len(part) for part in valid_jws.split(".")[:2])
    signature_char = head_len + body_len + 2 + 20
    write_case(
        "tampered_digit_signature",
        f"one digit changed in the signature part (JWS character {signature_char})",
        error="bad_signature",
        text=tamper_one_digit(valid_text, signature_char),
    )
    payload_char = head_len + 1 + body_len // 2
    write_case(
        "tampered_digit_payload",
        f"one digit changed in the payload part (JWS character {payload_char}); still base64url",
        error="bad_signature",
        text=tamper_one_digit(valid_text, payload_char),
    )
    write_case(
        "tampered_last_digit",
        "the last digit changed so that only the 4 unused low bits of the signature's last "
        "base64url character differ: a lenient base64 decoder would accept it as valid",
        error="bad_encoding",
        text=_padding_bit_tamper(es256),
    )
    base, _, digits = valid_text.rpartition("#")
    write_case(
        "digit_pair_out_of_alphabet",
        "digit pair 99 (chr 144) in the middle of the digits",
        error="bad_encoding",
        text=f"{base}#{digits[:40]}99{digits[42:]}",
    )
    write_case(
        "truncated_odd",
        "the last digit cut off: odd digit count",
        error="bad_encoding",
        text=valid_text[:-1],
    )
    write_case(
        "truncated_even",
        "the last 4 digits (2 signature characters) cut off: 84 characters decode cleanly "
        "to a 63-byte ES256 signature, which is refused for its length",
        error="malformed",
        text=valid_text[:-4],
    )
    write_case(
        "non_numeric",
        "letters in the digit fragment",
        error="bad_encoding",
        text=f"{base}#{digits[:30]}ab{digits[32:]}",
    )
    write_case(
        "not_a_verify_link",
        "a URL whose path is not /v1",
        error="malformed",
        text=f"{BASE_URL}/v2#{digits}",
    )
    write_case(
        "wrong_typ",
        "properly signed, header typ JWT instead of cbqr+jwt",
        error="malformed",
        text=qr_text(
            raw_jws(
                cbqr_header(es256, typ="JWT"),
                claims_payload(cbqr.to_claims(BASE_CREDENTIAL)),
                es256,
            )
        ),
    )

    # -- algorithms and keys ----------------------------------------------------------------
    payload = claims_payload(cbqr.to_claims(BASE_CREDENTIAL))
    write_case(
        "alg_none",
        'header alg "none", empty-looking signature',
        error="unsupported_alg",
        text=qr_text(raw_jws(cbqr_header(es256, alg="none"), payload, lambda _: b"\x00")),
    )
    public_pem = (
        load_private("test-signing-es256")
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    write_case(
        "hs256_signed_with_public_key",
        "alg HS256, HMAC keyed with the PEM of the issuer's public key (key confusion)",
        error="unsupported_alg",
        text=qr_text(
            raw_jws(
                cbqr_header(es256, alg="HS256"),
                payload,
                lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
            )
        ),
    )
    public_jwk_bytes = json.dumps(jwk_of("test-signing-es256")).encode()
    write_case(
        "hs256_signed_with_public_jwk",
        "alg HS256, HMAC keyed with the JSON of the issuer's public JWK (key confusion)",
        error="unsupported_alg",
        text=qr_text(
            raw_jws(
                cbqr_header(es256, alg="HS256"),
                payload,
                lambda data: hmac.new(public_jwk_bytes, data, hashlib.sha256).digest(),
            )
        ),
    )
    write_case(
        "alg_mismatch",
        "header alg EdDSA, kid of the ES256 key, signed with an Ed25519 key",
        error="alg_mismatch",
        text=qr_text(raw_jws(cbqr_header(es256, alg="EdDSA"), payload, eddsa)),
    )
    write_case(
        "rs256_with_es256_kid",
        "header alg RS256, kid of the ES256 key",
        error="alg_mismatch",
        text=qr_text(raw_jws(cbqr_header(es256, alg="RS256"), payload, lambda _: b"\x01" * 384)),
    )
    write_case(
        "unknown_kid",
        "signed by a key the bundle does not hold",
        error="unknown_key",
        text=qr_text(cbqr.encode(BASE_CREDENTIAL, signer("test-unknown-es256"))),
    )
    compromised = signer("test-compromised-es256")
    write_case(
        "key_compromised",
        f"nbf 2025-07-01, key compromised since {_iso(COMPROMISED_SINCE)}",
        error="key_compromised",
        text=qr_text(cbqr.encode(credential(nbf=_ts(2025, 7, 1)), compromised)),
    )
    write_case(
        "compromised_after_issue",
        f"nbf 2025-03-01, key compromised only since {_iso(COMPROMISED_SINCE)}: still valid",
        error=None,
        text=qr_text(cbqr.encode(credential(nbf=_ts(2025, 3, 1)), compromised)),
        extra={"expect": {"kid": compromised.kid}},
    )
    retired = signer("test-retired-es256")
    write_case(
        "key_retired",
        f"nbf 2026-01-10, key retired at {_iso(RETIRED_AT)}",
        error="key_retired",
        text=qr_text(cbqr.encode(credential(), retired)),
    )
    write_case(
        "retired_key_before_retirement",
        f"nbf 2025-11-01, key retired later at {_iso(RETIRED_AT)}: still valid",
        error=None,
        text=qr_text(cbqr.encode(credential(nbf=_ts(2025, 11, 1)), retired)),
        extra={"expect": {"kid": retired.kid}},
    )

    # -- dates ------------------------------------------------------------------------------
    write_case(
        "expired",
        "exp 2026-01-12, verified 2026-01-15",
        error="expired",
        text=qr_text(cbqr.encode(credential(exp=_ts(2026, 1, 12)), es256)),
    )
    write_case(
        "not_yet_valid",
        "nbf 2026-02-01, verified 2026-01-15",
        error="not_yet_valid",
        text=qr_text(cbqr.encode(credential(nbf=_ts(2026, 2, 1)), es256)),
    )

    # -- payload ----------------------------------------------------------------------------
    big = {**cbqr.to_claims(BASE_CREDENTIAL), "pad": "x" * (70 * 1024)}
    write_case(
        "too_large",
        "properly signed; the payload inflates to over 70 KiB (cap 64 KiB)",
        error="too_large",
        text=qr_text(raw_jws(cbqr_header(es256), claims_payload(big), es256)),
    )
    write_case(
        "bad_deflate",
        "properly signed; the payload is not raw DEFLATE data",
        error="bad_encoding",
        text=qr_text(raw_jws(cbqr_header(es256), b"\xff\xfe not deflate", es256)),
    )
    write_case(
        "malformed_claims",
        "properly signed; claims lack n, id, cr and st",
        error="malformed",
        text=qr_text(
            raw_jws(
                cbqr_header(es256),
                claims_payload({"iss": ISSUER, "jti": "x", "nbf": _ts(2026, 1, 1)}),
                es256,
            )
        ),
    )
    write_case(
        "unknown_issuer",
        "signed by a trusted key but names issuer cb-elsewhere",
        error="unknown_issuer",
        text=qr_text(cbqr.encode(credential(issuer="cb-elsewhere"), es256)),
    )

    # -- status -----------------------------------------------------------------------------
    write_case(
        "revoked",
        f"status list {STATUS_LIST} index {REVOKED_INDEX} holds 1",
        error="revoked",
        text=qr_text(cbqr.encode(credential(status_index=REVOKED_INDEX), es256)),
    )
    write_case(
        "suspended",
        f"status list {STATUS_LIST} index {SUSPENDED_INDEX} holds 2",
        error="suspended",
        text=qr_text(cbqr.encode(credential(status_index=SUSPENDED_INDEX), es256)),
    )
    write_case(
        "status_unavailable",
        "refers to status list L9, absent from the bundle",
        error="status_unavailable",
        text=qr_text(cbqr.encode(credential(status_list="L9"), es256)),
    )

    # -- trust bundle -----------------------------------------------------------------------
    write_case(
        "wrong_anchor",
        "the bundle is signed by another anchor key than the pinned one",
        error="bad_trust_bundle_signature",
        text=valid_text,
        bundle=trust_bundle.sign_bundle(document, signer("test-other-anchor-es256")),
    )
    write_case(
        "unsigned_bundle",
        "the bundle is the bare document, no JWS around it",
        error="unsigned_trust_bundle",
        text=valid_text,
        bundle=json.dumps(document, ensure_ascii=False, indent=1),
    )
    write_case(
        "malformed_bundle",
        "properly signed bundle whose document lacks issuers",
        error="malformed_trust_bundle",
        text=valid_text,
        bundle=trust_bundle.sign_bundle(
            {k: v for k, v in document.items() if k != "issuers"}, anchor
        ),
    )
    write_case(
        "malformed_bundle_not_json",
        "the bundle file is cut off mid-JSON",
        error="malformed_trust_bundle",
        text=valid_text,
        bundle=trust_bundle.sign_bundle(document, anchor)[:100],
    )
    write_case(
        "stale_bundle",
        "bundle 12 h old at verification, limit 6 h",
        error="stale_trust_bundle",
        text=valid_text,
        extra={"max_bundle_age_hours": 6},
    )

    # -- images -----------------------------------------------------------------------------
    garbage = b"\x89PNG\r\n\x1a\n" + random.Random(7).randbytes(600)
    write_case(
        "garbage_image",
        "PNG signature followed by random bytes",
        error="unreadable_image",
        image=("input.png", garbage),
    )
    write_case(
        "image_without_qr",
        "a real PNG with a few lines and no QR code",
        error="no_qr_found",
        image=("input.png", _blank_png()),
    )


def self_check() -> None:
    """Verify every written vector and insist on its expected outcome.

    Signatures are random, so a regenerated vector could in principle land on a
    different error than the one it was written for; this refuses to leave such a
    vector behind.
    """
    from tests.vectors.cases import all_cases
    from verifier import TrustBundle, VerificationError, verify
    from verifier._input import read_input

    for vector in all_cases():
        try:
            trust = TrustBundle.load(vector.bundle_path, vector.anchor_path)
            text = read_input(str(vector.input_path))
            verify(text, trust, now=vector.at, max_bundle_age=vector.max_bundle_age)
            code = None
        except VerificationError as error:
            code = error.code
        assert code == vector.code, f"{vector.name}: got {code}, expected {vector.code}"


if __name__ == "__main__":
    generate()
    self_check()
    print(f"wrote {sum(1 for p in CBQR_DIR.iterdir() if not p.name.startswith('_'))} cases")
