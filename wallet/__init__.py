"""creditbank reference wallet: receives credentials over OpenID4VCI, keeps them encrypted,
presents SD-JWT VCs with chosen disclosures and a key-binding JWT.

Library code reads no environment variables; :mod:`wallet.cli` (``creditbank-wallet``) does.
Depends on :mod:`keys`, :mod:`verifier` and ``httpx2`` (the ``wallet`` extra).
"""

from wallet._client import Offer, Received, parse_offer, receive
from wallet._errors import (
    BadOffer,
    BadPassphrase,
    BadRequest,
    BadUsage,
    CorruptStore,
    HolderMismatch,
    IssuerRefused,
    IssuerUnreachable,
    NotFound,
    RequestExpired,
    UnknownDisclosure,
    WalletError,
)
from wallet._holder import HolderKey
from wallet._present import claims_of, disclosable_names, parse_sd_jwt, present
from wallet._request import PresentationRequest, parse_request
from wallet._store import StoredCredential, WalletStore
from wallet._wallet import present_credential, receive_into

__all__ = [
    "BadOffer",
    "BadPassphrase",
    "BadRequest",
    "BadUsage",
    "CorruptStore",
    "HolderKey",
    "HolderMismatch",
    "IssuerRefused",
    "IssuerUnreachable",
    "NotFound",
    "Offer",
    "PresentationRequest",
    "Received",
    "RequestExpired",
    "StoredCredential",
    "UnknownDisclosure",
    "WalletError",
    "WalletStore",
    "claims_of",
    "disclosable_names",
    "parse_offer",
    "parse_request",
    "parse_sd_jwt",
    "present",
    "present_credential",
    "receive",
    "receive_into",
]
