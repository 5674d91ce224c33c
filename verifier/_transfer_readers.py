"""Readers of the transfer check: verify one credential format, return what the policy needs.

A reader takes the credential text, the trust bundle and the evaluation time, verifies
the credential offline (raising :class:`VerificationError` with the verifier's code)
and returns a :class:`PresentedCredential`. Built in: ``cbqr`` (QR text, digits, JWS),
``ob3`` (an Open Badges 3.0 AchievementCredential JWT) and ``ob3+ldp`` (the same
credential as JSON with a Data Integrity proof). Others plug in with
:func:`register_reader`.

The OB 3.0 credential names its domain and kind for people (``fieldOfStudy``,
``achievementType``, ``description``); the reader maps them back to the codes the
QR credential carries, so that the same achievement is recognised in both formats
and a policy's ``domains`` / ``kinds`` apply to both.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from verifier._errors import MalformedCredential, VerificationError
from verifier._trust import TrustBundle
from verifier._verify import verify
from verifier._verify_ldp import verify_ob3_ldp
from verifier._verify_sd_jwt import VerifiedPresentation
from verifier._verify_vc import VerifiedVC, verify_ob3
from verifier.formats import jws, vc_jwt
from verifier.formats.cbqr import CreditEntry
from verifier.formats.vocabulary import ACHIEVEMENT_KINDS, OB_ACHIEVEMENT_TYPES

__all__ = [
    "READERS",
    "PresentedCredential",
    "Reader",
    "read_cbqr",
    "read_ob3",
    "read_ob3_ldp",
    "read_sd_jwt_presentation",
    "register_reader",
]


@dataclass(frozen=True, slots=True)
class PresentedCredential:
    """What any verified credential format tells the transfer check."""

    format: str
    issuer: str
    jti: str
    subject_name: str
    #: Masked national ID; empty when the format does not carry it (OB 3.0).
    subject_id: str
    holder_bound: bool
    entries: tuple[CreditEntry, ...]


#: ``reader(text, trust, now) -> PresentedCredential``; raises :class:`VerificationError`.
Reader = Callable[[str, TrustBundle, dt.datetime], PresentedCredential]


def read_cbqr(text: str, trust: TrustBundle, now: dt.datetime) -> PresentedCredential:
    """Verify a ``cbqr`` QR credential (QR text, digits or JWS)."""
    cred = verify(text, trust, now=now).credential
    return PresentedCredential(
        "cbqr", cred.issuer, cred.jti, cred.name, cred.masked_id, False, cred.entries
    )


_DOMAIN_PREFIXES = {
    "general": "GE",
    "advanced manufacturing": "AM",
    "artificial intelligence": "AI",
    "modern agriculture": "AG",
}
# OB achievementType -> the first kind that uses it (reversed, so the first one wins).
_ACHIEVEMENT_TYPES = {ob: kind for kind, ob in reversed(OB_ACHIEVEMENT_TYPES.items())}
_KIND_IN_DESCRIPTION = re.compile(r"\(([a-z_]+), ")
_URN_UUID = "urn:uuid:"


def _domain(field: str) -> str:
    if field in _DOMAIN_PREFIXES.values():
        return field
    lowered = field.lower()
    for prefix, code in _DOMAIN_PREFIXES.items():
        if lowered.startswith(prefix):
            return code
    return field  # unknown: no policy lists it, so it is refused, never misfiled


def _kind(achievement: dict[str, Any]) -> str:
    found = _KIND_IN_DESCRIPTION.search(str(achievement.get("description", "")))
    if found and found.group(1) in ACHIEVEMENT_KINDS:
        return found.group(1)
    kind = str(achievement.get("achievementType", ""))
    return _ACHIEVEMENT_TYPES.get(kind, kind)


def _half_credits(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedCredential("creditsEarned is not a number")
    if value < 0 or not float(value * 2).is_integer():
        raise MalformedCredential("creditsEarned is not a non-negative multiple of 0.5")
    return int(value * 2)


def read_ob3(text: str, trust: TrustBundle, now: dt.datetime) -> PresentedCredential:
    """Verify an Open Badges 3.0 AchievementCredential JWT and read its one credit entry."""
    return _presented_badge(verify_ob3(text, trust, now=now), "ob3+jwt")


def read_ob3_ldp(text: str, trust: TrustBundle, now: dt.datetime) -> PresentedCredential:
    """Verify an Open Badges 3.0 AchievementCredential with a Data Integrity proof (JSON)."""
    return _presented_badge(verify_ob3_ldp(text, trust, now=now), "ob3+ldp")


def _presented_badge(verified: VerifiedVC, fmt: str) -> PresentedCredential:
    """The one credit entry of a verified badge, whichever way it was secured."""
    cred = verified.credential
    try:
        subject = cred["credentialSubject"]
        achievement = subject["achievement"]
        ledger = subject.get("ledgerEntry") or {}
        standard = ledger.get("conversionStandard") or achievement["alignment"][0]["targetName"]
        hours = ledger.get("studyHours")
        entry = CreditEntry(
            title=str(achievement["name"]),
            domain=_domain(str(achievement.get("fieldOfStudy", ""))),
            kind=_kind(achievement),
            half_credits=_half_credits(subject["creditsEarned"]),
            hours=hours if isinstance(hours, int) and not isinstance(hours, bool) else None,
            standard=str(standard),
            institution=str(achievement["creator"]["id"]).rsplit("/", 1)[-1],
            date=dt.date.fromisoformat(str(subject["activityEndDate"])[:10]),
        )
        names = [
            str(i.get("identityHash"))
            for i in subject.get("identifier", [])
            if isinstance(i, dict) and i.get("identityType") == "name"
        ]
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
        raise MalformedCredential(f"the badge lacks or mistypes a field: {exc}") from None
    jti = str(cred["id"]).removeprefix(_URN_UUID)
    name = names[0] if names else str(subject.get("id", ""))
    return PresentedCredential(fmt, verified.issuer.id, jti, name, "", False, (entry,))


def read_sd_jwt_presentation(verified: VerifiedPresentation) -> PresentedCredential:
    """The credit entries an SD-JWT VC presentation disclosed, once it was verified.

    A presentation is verified for one audience and nonce
    (:func:`verifier.verify_sd_jwt_presentation`), which a text-only reader cannot know,
    so the caller verifies it and hands the result here. Each entry must disclose what
    the policy needs (title, domain, kind, credits, standard, institution, date): the
    holder presents them with ``--disclose name,entries``.
    """
    claims = verified.claims
    entries = claims.get("entries")
    if not isinstance(entries, list) or not entries:
        raise MalformedCredential("the presentation discloses no credit entries (entries)")
    try:
        read = tuple(
            CreditEntry(
                title=str(e["title"]),
                domain=str(e["domain"]),
                kind=str(e["kind"]),
                half_credits=_half_credits(e["credits"]),
                hours=e.get("hours") if isinstance(e.get("hours"), int) else None,
                standard=str(e["standard"]),
                institution=str(e["institution"]),
                date=dt.date.fromisoformat(str(e["date"])[:10]),
            )
            for e in entries
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedCredential(
            f"an entry of the presentation does not disclose {exc}: present name,entries"
        ) from None
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise MalformedCredential("the presented credential has no jti")
    name, masked = claims.get("name"), claims.get("masked_id")
    return PresentedCredential(
        "dc+sd-jwt",
        verified.issuer.id,
        jti,
        name if isinstance(name, str) else "",
        masked if isinstance(masked, str) else "",
        True,
        read,
    )


def _is_vc_jwt(text: str) -> bool:
    if text.count(".") != 2 or "#" in text:
        return False
    try:
        return jws.split(text, max_length=vc_jwt.MAX_LENGTH).header.get("typ") == vc_jwt.TYP
    except VerificationError:  # an unreadable header: the cbqr reader says what is wrong
        return False


#: (format, detect(text) -> bool, reader), tried in order; the last one takes the rest.
def _is_json_badge(text: str) -> bool:
    # A Data Integrity credential is a JSON object with a proof; the reader checks the rest.
    return text.startswith("{") and '"proof"' in text


READERS: list[tuple[str, Callable[[str], bool], Reader]] = [
    ("ob3+jwt", _is_vc_jwt, read_ob3),
    ("ob3+ldp", _is_json_badge, read_ob3_ldp),
    ("cbqr", lambda text: True, read_cbqr),
]


def register_reader(fmt: str, detect: Callable[[str], bool], reader: Reader) -> None:
    """Add a credential format in front of the ``cbqr`` fallback."""
    READERS.insert(len(READERS) - 1, (fmt, detect, reader))
