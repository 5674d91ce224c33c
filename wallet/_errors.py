"""Errors of the creditbank wallet, each with a stable code and the CLI exit status it maps to::

WalletError                 1 "wallet_error"
├── BadUsage                2 "bad_usage"
│   ├── BadOffer            2 "bad_offer"
│   ├── BadRequest          2 "bad_presentation_request"
│   └── BadPassphrase       2 "bad_passphrase"
├── CorruptStore            2 "corrupt_store"
├── NotFound                1 "not_found"
├── UnknownDisclosure       1 "unknown_disclosure"
├── HolderMismatch          1 "holder_mismatch"
├── RequestExpired          1 "request_expired"
├── IssuerUnreachable       1 "issuer_unreachable"
└── IssuerRefused           1 "issuer_refused"   (carries the issuer's OAuth error code)

``bad_passphrase`` is the code of :mod:`keys` (defined there once).
"""

from __future__ import annotations

import keys

__all__ = [
    "BadOffer",
    "BadPassphrase",
    "BadRequest",
    "BadUsage",
    "CorruptStore",
    "HolderMismatch",
    "IssuerRefused",
    "IssuerUnreachable",
    "NotFound",
    "RequestExpired",
    "UnknownDisclosure",
    "WalletError",
]


class WalletError(Exception):
    """Root of the wallet's errors: ``code`` for machines, ``exit_status`` for the CLI."""

    code = "wallet_error"
    exit_status = 1


class BadUsage(WalletError):
    code = "bad_usage"
    exit_status = 2


class BadOffer(BadUsage):
    """The credential offer URI cannot be read, or points somewhere the wallet refuses to go."""

    code = "bad_offer"


class BadRequest(BadUsage):
    """A presentation request link the wallet cannot read."""

    code = "bad_presentation_request"


class RequestExpired(WalletError):
    """The verifier's presentation request (its nonce) has expired: ask for a new one."""

    code = "request_expired"


class BadPassphrase(BadUsage):
    code = keys.BadPassphrase.code


class CorruptStore(WalletError):
    code = "corrupt_store"
    exit_status = 2


class NotFound(WalletError):
    code = "not_found"


class UnknownDisclosure(WalletError):
    code = "unknown_disclosure"


class HolderMismatch(WalletError):
    """The credential is bound to a key that is not this wallet's holder key."""

    code = "holder_mismatch"


class IssuerUnreachable(WalletError):
    code = "issuer_unreachable"


class IssuerRefused(WalletError):
    """The issuer answered with an error; ``error`` is its OAuth error code."""

    code = "issuer_refused"

    def __init__(self, message: str, *, error: str, reason: str | None = None) -> None:
        self.error = error
        self.reason = reason
        super().__init__(message)
