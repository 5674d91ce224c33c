"""Credential offers of the pre-authorized code flow (OpenID4VCI 1.0 §4.1).

An offer names the learner's deposits and the credential configurations to issue over
them, and carries a single-use pre-authorized code plus a six-digit transaction code
(the PIN the learner types into the wallet). Both are returned once and stored only as
hashes; the QR image is therefore returned with the offer (a ``data:`` URL) instead of
being served later from a URL that would need the code.

The offer is given two ways (§4.1.3): by value (``credential_offer=<JSON>``) and by
reference (``credential_offer_uri=<base>/oid4vci/offers/<code>``, the document the wallet
then fetches, built again from the stored offer found by the code's hash). The reference
carries nothing the value does not (the code is in both), and makes a far smaller QR code.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

from sqlmodel import Session, col, select

from issuer.bank import standing
from issuer.bank.accounts import get_learner
from issuer.core.errors import InvalidRequest, NotFound, NotRecognised
from issuer.core.settings import Settings
from issuer.credentials import issuance
from issuer.credentials.oid4vci._hashing import secret_hash, tx_code_hash
from issuer.credentials.oid4vci.metadata import (
    CONFIGURATIONS,
    OB3_CONFIGURATION,
    OB3_LDP_CONFIGURATION,
    PRE_AUTHORIZED_GRANT,
    SD_JWT_CONFIGURATION,
    credential_issuer,
)
from issuer.credentials.qr_image import render_png
from issuer.models import (
    CredentialOfferCreate,
    CredentialOfferCreated,
    OID4VCIOffer,
    utcnow,
)

__all__ = [
    "OFFER_PATH",
    "OFFER_SCHEME",
    "TX_CODE_LENGTH",
    "create_offer",
    "offer_by_code",
    "offer_reference_uri",
    "offer_uri",
]

#: URI scheme of a credential offer passed by value (OpenID4VCI 1.0 §4.1.3).
OFFER_SCHEME: Final = "openid-credential-offer://"
TX_CODE_LENGTH: Final = 6
#: Where an offer passed by reference is fetched, under the credential issuer's URL.
OFFER_PATH: Final = "/oid4vci/offers/"
#: Longest pre-authorized code looked up (``token_urlsafe(32)`` makes 43 characters).
MAX_CODE_LENGTH: Final = 64
_TX_CODE_HINT: Final = "输入学分银行显示的 6 位数字 / Enter the 6-digit PIN from the credit bank"


def _document(settings: Settings, configuration_ids: list[str], code: str) -> dict[str, Any]:
    return {
        "credential_issuer": credential_issuer(settings),
        "credential_configuration_ids": configuration_ids,
        "grants": {
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": code,
                "tx_code": {
                    "input_mode": "numeric",
                    "length": TX_CODE_LENGTH,
                    "description": _TX_CODE_HINT,
                },
            }
        },
    }


def offer_uri(settings: Settings, configuration_ids: list[str], code: str) -> str:
    """The ``openid-credential-offer://?credential_offer=…`` URI of an offer (by value)."""
    offer = _document(settings, configuration_ids, code)
    text = json.dumps(offer, ensure_ascii=False, separators=(",", ":"))
    return f"{OFFER_SCHEME}?credential_offer={quote(text, safe='')}"


def offer_reference_uri(settings: Settings, code: str) -> str:
    """The ``openid-credential-offer://?credential_offer_uri=…`` URI of an offer (by reference)."""
    where = f"{credential_issuer(settings)}{OFFER_PATH}{code}"
    return f"{OFFER_SCHEME}?credential_offer_uri={quote(where, safe='')}"


def offer_by_code(
    session: Session, settings: Settings, code: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The offer document of a live offer (not used, not expired) whose code is ``code``.

    Any other code is ``not_found``: an unknown, used and expired code look the same.
    """
    row = None
    if 0 < len(code) <= MAX_CODE_LENGTH:
        row = session.exec(
            select(OID4VCIOffer).where(col(OID4VCIOffer.code_hash) == secret_hash(code))
        ).first()
    if row is None or row.redeemed_at is not None or row.expires_at <= (now or utcnow()):
        raise NotFound("no live credential offer has this code")
    return _document(settings, list(row.configuration_ids), code)


def _deposits(session: Session, learner_id: int) -> list[int]:
    deposits = standing.standing_deposits(session, learner_id)
    return [d.id for d in deposits if d.id is not None]


def _configurations(requested: list[str] | None, entry_ids: list[int]) -> list[str]:
    if requested is None:
        # The Open Badge holds one achievement, so it is offered only for a single entry.
        if len(entry_ids) == 1:
            return [SD_JWT_CONFIGURATION, OB3_CONFIGURATION]
        return [SD_JWT_CONFIGURATION]
    if len(set(requested)) != len(requested):
        raise InvalidRequest("credential_configuration_ids must not repeat an id")
    unknown = [cid for cid in requested if cid not in CONFIGURATIONS]
    if unknown:
        raise InvalidRequest(f"unknown credential configuration {unknown[0]!r}")
    for single in (OB3_CONFIGURATION, OB3_LDP_CONFIGURATION):
        if single in requested and len(entry_ids) != 1:
            raise InvalidRequest(f"{single} carries exactly one ledger entry")
    return requested


def create_offer(
    session: Session,
    settings: Settings,
    learner_id: int,
    data: CredentialOfferCreate,
    *,
    created_by: str,
    now: datetime | None = None,
) -> CredentialOfferCreated:
    """Store a new offer for the learner's deposits and return it with its codes (caller commits).

    The entries are checked now (they must be the learner's deposits) so the wallet does
    not learn of a bad offer only at the credential endpoint.
    """
    learner = get_learner(session, learner_id)
    assert learner.id is not None
    entry_ids = data.entry_ids if data.entry_ids is not None else _deposits(session, learner.id)
    if not entry_ids:
        raise NotRecognised(f"learner {learner_id} has no deposits to offer")
    issuance.credit_entries(session, learner.id, entry_ids)
    configuration_ids = _configurations(data.credential_configuration_ids, entry_ids)

    moment = (now or utcnow()).replace(microsecond=0)
    code = secrets.token_urlsafe(32)
    tx_code = f"{secrets.randbelow(10**TX_CODE_LENGTH):0{TX_CODE_LENGTH}d}"
    code_hash = secret_hash(code)
    offer = OID4VCIOffer(
        learner_id=learner.id,
        entry_ids=entry_ids,
        configuration_ids=configuration_ids,
        code_hash=code_hash,
        tx_code_hash=tx_code_hash(settings, code_hash, tx_code),
        created_by=created_by,
        created_at=moment,
        expires_at=moment + timedelta(seconds=data.expires_in),
    )
    session.add(offer)
    session.flush()
    assert offer.id is not None
    uri = offer_uri(settings, configuration_ids, code)
    png = base64.b64encode(render_png(uri)).decode("ascii")
    return CredentialOfferCreated(
        offer_id=offer.id,
        offer_uri=uri,
        offer_reference_uri=offer_reference_uri(settings, code),
        tx_code=tx_code,
        qr_png_url=f"data:image/png;base64,{png}",
        expires_at=offer.expires_at,
        credential_configuration_ids=configuration_ids,
    )
