"""Which verifier a piece of text needs: cbqr, an OB 3.0 / CLR JWT or Data Integrity
credential, or an SD-JWT presentation.

Used by ``creditbank-verify`` to accept every form from one argument.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Literal

from verifier._errors import InputError, VerificationError
from verifier._trust import TrustBundle, age_in_words
from verifier._verify import VerifiedCredential, verify
from verifier._verify_ldp import verify_clr_ldp, verify_ob3_ldp
from verifier._verify_sd_jwt import VerifiedPresentation, verify_sd_jwt_presentation
from verifier._verify_vc import VerifiedVC, verify_clr, verify_ob3
from verifier.formats import jws, sd_jwt, vc_jwt

Kind = Literal["cbqr", "ob3", "clr", "ob3-ldp", "clr-ldp", "sd-jwt"]
AnyVerified = VerifiedCredential | VerifiedVC | VerifiedPresentation


def detect(text: str) -> Kind:
    """The kind of credential ``text`` holds, judged from its shape and unverified header."""
    text = text.strip()
    if text.startswith("{"):
        # A JSON credential with an embedded proof (Data Integrity); the verifier says
        # what is wrong with any other JSON.
        try:
            types = json.loads(text).get("type", []) if len(text) <= vc_jwt.MAX_LENGTH else []
        except (ValueError, AttributeError, RecursionError):
            return "ob3-ldp"
        return "clr-ldp" if isinstance(types, list) and "ClrCredential" in types else "ob3-ldp"
    if sd_jwt.looks_like_sd_jwt(text):
        return "sd-jwt"
    if text.count(".") != 2 or "#" in text:
        return "cbqr"
    try:
        parsed = jws.split(text, max_length=vc_jwt.MAX_LENGTH)
    except VerificationError:
        return "cbqr"  # let the cbqr verifier report what is wrong with it
    if parsed.header.get("typ") != vc_jwt.TYP:
        return "cbqr"
    try:
        types = json.loads(parsed.payload).get("type", [])
    except (ValueError, UnicodeDecodeError, AttributeError, RecursionError):
        return "ob3"
    return "clr" if isinstance(types, list) and "ClrCredential" in types else "ob3"


def verify_detected(
    text: str,
    trust: TrustBundle,
    *,
    now: datetime,
    max_bundle_age: timedelta | None,
    audience: str | None,
    nonce: str | None,
) -> AnyVerified:
    """Verify ``text`` with the verifier its kind needs."""
    kind = detect(text)
    if kind == "sd-jwt":
        if not audience or not nonce:
            raise InputError("an SD-JWT presentation needs --aud and --nonce")
        return verify_sd_jwt_presentation(
            text.strip(),
            trust,
            audience=audience,
            nonce=nonce,
            now=now,
            max_bundle_age=max_bundle_age,
        )
    if kind == "ob3-ldp":
        return verify_ob3_ldp(text, trust, now=now, max_bundle_age=max_bundle_age)
    if kind == "clr-ldp":
        return verify_clr_ldp(text, trust, now=now, max_bundle_age=max_bundle_age)
    if kind == "ob3":
        return verify_ob3(text, trust, now=now, max_bundle_age=max_bundle_age)
    if kind == "clr":
        return verify_clr(text, trust, now=now, max_bundle_age=max_bundle_age)
    return verify(text, trust, now=now, max_bundle_age=max_bundle_age)


def print_standard(result: VerifiedVC | VerifiedPresentation) -> None:
    """The text report of an OB 3.0 / CLR credential or an SD-JWT VC presentation."""
    data: dict[str, Any] = result.to_json()
    print(f"VALID — 真实有效 ({data['format']})")
    print(f"issuer 发证机构: {data['issuer']['name_zh']} / {data['issuer']['name_en']}")
    if isinstance(result, VerifiedPresentation):
        print(f"audience 验证方: {result.audience}")
        for name, value in data["disclosed"].items():
            if name not in ("iss", "vct", "status", "nbf", "iat", "exp", "jti"):
                print(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    else:
        print(f"name 名称: {data['name']}")
        subject = data["credential"]["credentialSubject"]
        if "creditsEarned" in subject:
            print(f"credits 学分: {subject['creditsEarned']}")
        for achievement in (
            subject.get("achievement", []) if "verifiableCredential" in subject else []
        ):
            print(
                f"  {achievement.get('creditsAvailable')} credits 学分 · {achievement.get('name')}"
            )
    print(f"trust bundle 信任包: {age_in_words(data['trust_bundle_age_seconds'])}")
