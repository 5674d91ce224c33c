"""OpenID4VCI state: credential offers (pre-authorized codes), access tokens, nonces, issuances.

Every secret the wallet holds (pre-authorized code, transaction code, access token, nonce)
is stored only as a hash, so a copy of the database cannot be used to pull credentials.
All of it lives in the database, never in process memory: several workers share it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.input import RequestModel, RowId

__all__ = [
    "CredentialOfferCreate",
    "CredentialOfferCreated",
    "OID4VCIAccessToken",
    "OID4VCIIssuance",
    "OID4VCINonce",
    "OID4VCIOffer",
]


class OID4VCIOffer(SQLModel, table=True):
    """One credential offer and its single-use pre-authorized code."""

    __tablename__ = "oid4vci_offer"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    # Ledger entries the credentials will carry, and the configurations offered.
    entry_ids: list[int] = Field(sa_type=JSON)
    configuration_ids: list[str] = Field(sa_type=JSON)
    code_hash: str = Field(max_length=64, unique=True)
    tx_code_hash: str = Field(max_length=64)
    tx_attempts: int = Field(default=0, ge=0)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    redeemed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OID4VCIAccessToken(SQLModel, table=True):
    """An access token of the token endpoint, bound to the offer whose code it redeemed."""

    __tablename__ = "oid4vci_access_token"

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(foreign_key="oid4vci_offer.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class OID4VCINonce(SQLModel, table=True):
    """A ``c_nonce`` of the nonce endpoint: single use, short-lived."""

    __tablename__ = "oid4vci_nonce"

    id: int | None = Field(default=None, primary_key=True)
    nonce_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OID4VCIIssuance(SQLModel, table=True):
    """A credential issued through OpenID4VCI: at most one per access token and configuration."""

    __tablename__ = "oid4vci_issuance"
    __table_args__ = (
        UniqueConstraint("access_token_id", "configuration_id", name="uq_oid4vci_issuance_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    access_token_id: int = Field(foreign_key="oid4vci_access_token.id")
    configuration_id: str = Field(max_length=64)
    credential_jti: str = Field(max_length=64)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CredentialOfferCreate(RequestModel):
    """What to offer: ledger entries (default: all deposits) and credential configurations."""

    entry_ids: list[RowId] | None = Field(default=None, min_length=1, max_length=20)
    credential_configuration_ids: list[str] | None = Field(
        default=None, min_length=1, max_length=20
    )
    #: Seconds the pre-authorized code stays valid: 15 minutes by default, at most 7 days
    #: (for an offer printed on paper).
    expires_in: int = Field(default=900, ge=60, le=7 * 24 * 3600)


class CredentialOfferCreated(SQLModel):
    """A new offer. ``tx_code`` is shown here once and never again."""

    offer_id: int
    #: The offer by value (``credential_offer=``); ``qr_png_url`` is its QR code.
    offer_uri: str
    #: The same offer by reference (``credential_offer_uri=``): a far smaller QR code.
    offer_reference_uri: str
    tx_code: str
    qr_png_url: str
    expires_at: datetime
    credential_configuration_ids: list[str]
