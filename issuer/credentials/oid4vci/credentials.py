"""The credential endpoint's work (OpenID4VCI 1.0 §8): check the request, issue, record.

One access token may obtain each credential configuration of its offer once. A second
request for the same configuration is ``credential_request_denied`` (reason
``already_issued``); the unique constraint on (access token, configuration) keeps that
true when two workers race. Batch issuance is not offered: ``proofs.jwt`` holds one proof.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.core.errors import CreditBankError
from issuer.core.settings import Settings
from issuer.credentials import vc_issuance, vc_ldp_issuance
from issuer.credentials.oid4vci.errors import (
    CredentialRequestDenied,
    InvalidCredentialRequest,
    InvalidProof,
    UnknownCredentialConfiguration,
)
from issuer.credentials.oid4vci.metadata import (
    CONFIGURATIONS,
    OB3_LDP_CONFIGURATION,
    SD_JWT_CONFIGURATION,
    credential_issuer,
)
from issuer.credentials.oid4vci.nonces import consume_nonce
from issuer.credentials.oid4vci.proofs import check_proof
from issuer.credentials.oid4vci.tokens import authenticate
from issuer.models import Credential, OID4VCIIssuance, OID4VCIOffer, utcnow
from keys import KeyStore

__all__ = ["handle_credential_request"]


def _one_proof(body: dict[str, Any]) -> object:
    if "proof" in body and "proofs" in body:
        raise InvalidCredentialRequest("send either proofs or proof, not both")
    if "proofs" in body:
        proofs = body["proofs"]
        if not isinstance(proofs, dict) or set(proofs) != {"jwt"}:
            raise InvalidProof("proofs must be an object with one member, jwt")
        jwts = proofs["jwt"]
        if not isinstance(jwts, list) or len(jwts) != 1:
            raise InvalidCredentialRequest("batch issuance is not offered: send one jwt proof")
        return jwts[0]
    proof = body.get("proof")  # the single-proof form of earlier drafts, still accepted
    if proof is None:
        raise InvalidProof("this credential is bound to a key: send proofs.jwt")
    if not isinstance(proof, dict) or proof.get("proof_type") != "jwt":
        raise InvalidProof("proof must be an object with proof_type jwt")
    return proof.get("jwt")


def _issue(
    session: Session,
    settings: Settings,
    keystore: KeyStore,
    offer: OID4VCIOffer,
    configuration_id: str,
    holder: dict[str, Any] | None,
) -> Credential:
    # The learner's wallet redeems the offer the learner (or the operator) made.
    actor = f"learner:{offer.learner_id}"
    if configuration_id == SD_JWT_CONFIGURATION:
        assert holder is not None
        return vc_issuance.issue_sd_jwt(
            session,
            settings,
            keystore,
            offer.learner_id,
            list(offer.entry_ids),
            holder,
            actor=actor,
        )
    if configuration_id == OB3_LDP_CONFIGURATION:
        return vc_ldp_issuance.issue_ob3_ldp(
            session, settings, keystore, offer.learner_id, offer.entry_ids[0], actor=actor
        )
    return vc_issuance.issue_ob3(
        session, settings, keystore, offer.learner_id, offer.entry_ids[0], actor=actor
    )


def handle_credential_request(
    session: Session,
    settings: Settings,
    keystore: KeyStore,
    access_token: str | None,
    body: object,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Issue the credential a wallet asks for; the response body ``{"credentials": [...]}``.

    Raises the :mod:`issuer.credentials.oid4vci.errors` of the specification: ``invalid_token``,
    ``invalid_credential_request``, ``unknown_credential_configuration``,
    ``invalid_proof``, ``invalid_nonce``, ``credential_request_denied``.
    """
    moment = now or utcnow()
    grant = authenticate(session, access_token, now=moment)
    if not isinstance(body, dict):
        raise InvalidCredentialRequest("the credential request must be a JSON object")
    if "credential_identifier" in body:
        raise InvalidCredentialRequest(
            "this issuer issues by credential_configuration_id, not credential_identifier"
        )
    configuration_id = body.get("credential_configuration_id")
    if not isinstance(configuration_id, str):
        raise InvalidCredentialRequest("credential_configuration_id is required")
    if configuration_id not in CONFIGURATIONS:
        raise UnknownCredentialConfiguration(f"no credential configuration {configuration_id!r}")
    if configuration_id not in grant.offer.configuration_ids:
        raise CredentialRequestDenied(
            f"the offer did not include {configuration_id}", reason="not_offered"
        )
    token_id = grant.token.id
    assert token_id is not None
    done = session.exec(
        select(OID4VCIIssuance).where(
            col(OID4VCIIssuance.access_token_id) == token_id,
            col(OID4VCIIssuance.configuration_id) == configuration_id,
        )
    ).first()
    if done is not None:
        raise CredentialRequestDenied(
            f"{configuration_id} has been issued for this access token already",
            reason="already_issued",
        )
    holder: dict[str, Any] | None = None
    if "proof_types_supported" in CONFIGURATIONS[configuration_id]:
        holder = check_proof(
            _one_proof(body),
            audience=credential_issuer(settings),
            consume_nonce=lambda nonce: consume_nonce(session, nonce, now=moment),
            now=moment,
        )
    try:
        issued = _issue(session, settings, keystore, grant.offer, configuration_id, holder)
    except CreditBankError as exc:
        raise CredentialRequestDenied(exc.detail, reason=exc.code) from None
    session.add(
        OID4VCIIssuance(
            access_token_id=token_id,
            configuration_id=configuration_id,
            credential_jti=issued.jti,
            issued_at=moment,
        )
    )
    try:
        session.flush()
    except IntegrityError:
        raise CredentialRequestDenied(
            f"{configuration_id} has been issued for this access token already",
            reason="already_issued",
        ) from None
    # An ldp_vc credential is a JSON object on the wire, the JWT forms a string.
    credential: Any = json.loads(issued.token) if issued.format.endswith("+ldp") else issued.token
    return {"credentials": [{"credential": credential}]}
