"""Which consent a ``POST /transfers`` carries: an application, or a verified presentation.

An application is looked up by :func:`issuer.bank.consent.application_consent`. A
presentation (SD-JWT VC + KB-JWT) is verified here with the verifier's own
:func:`verifier.verify_sd_jwt_presentation`, against the bank's current trust data
(:func:`issuer.credentials.trust.trust_document`, unsigned: the bank trusts its own
records), with ``aud`` = :func:`issuer.bank.consent.audience_of` the calling
institution and the nonce it asked for. The nonce is looked up by the value the
KB-JWT names (read before verification only to find the row; the verifier then checks
that the KB-JWT carries exactly that nonce) and claimed when the transfer is written.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from issuer.bank import consent
from issuer.bank.consent import Consent
from issuer.core.errors import ConsentRequired, InvalidRequest
from issuer.core.settings import Settings
from issuer.credentials.trust import trust_document
from issuer.models import Institution, TransferCreate
from keys import KeyStore
from verifier import TrustBundle, VerificationError, verify_sd_jwt_presentation
from verifier.formats import jws, sd_jwt

__all__ = ["resolve_consent"]


def _claimed_nonce(presentation: str) -> str:
    """The ``nonce`` the KB-JWT claims (not yet verified)."""
    try:
        parsed = sd_jwt.parse(presentation)
        if parsed.kb_jwt is None:
            raise ConsentRequired("the presentation has no key-binding JWT (KB-JWT)")
        claims = jws.loads(jws.split(parsed.kb_jwt).payload)
    except (VerificationError, ValueError, RecursionError) as exc:
        raise ConsentRequired(f"the presentation cannot be read: {exc}") from None
    nonce = claims.get("nonce") if isinstance(claims, dict) else None
    if not isinstance(nonce, str) or not nonce:
        raise ConsentRequired("the presentation's KB-JWT carries no nonce")
    return nonce


def presentation_consent(
    session: Session,
    keystore: KeyStore,
    settings: Settings,
    institution: Institution,
    presentation: str,
    now: datetime,
) -> Consent:
    """The consent of a presentation made for ``institution`` with a nonce it asked for."""
    row = consent.find_nonce(session, institution, _claimed_nonce(presentation), now)
    trust = TrustBundle(trust_document(session, keystore, settings, now))
    try:
        verified = verify_sd_jwt_presentation(
            presentation,
            trust,
            audience=consent.audience_of(settings, institution),
            nonce=row.nonce,
            now=now,
        )
    except VerificationError as exc:
        raise ConsentRequired(
            f"the presentation is not valid consent for {institution.name_en}: "
            f"{exc.code}: {exc.detail}"
        ) from None
    jti = verified.claims.get("jti")
    if not isinstance(jti, str):
        raise ConsentRequired("the presented credential has no jti")
    return Consent("presentation", {jti: None}, nonce=row)


def resolve_consent(
    session: Session,
    keystore: KeyStore,
    settings: Settings,
    institution: Institution,
    data: TransferCreate,
    now: datetime,
) -> Consent:
    """The consent ``data`` carries for ``institution``; :class:`ConsentRequired` if none."""
    consent.require_receiver(institution)
    if data.application_id is not None and data.presentation is not None:
        raise InvalidRequest("send application_id or presentation, not both")
    if data.application_id is not None:
        return consent.application_consent(session, institution, data.application_id, now)
    if data.presentation is not None:
        return presentation_consent(
            session, keystore, settings, institution, data.presentation, now
        )
    raise ConsentRequired(
        "a transfer needs the learner's consent: application_id (the learner's transfer "
        "application to you) or presentation (an SD-JWT VC presentation made for you)"
    )
