"""creditbank verifier: check credit credentials offline against a signed trust bundle.

Imports neither FastAPI nor SQLModel: an employer or a university installs the
base ``creditbank`` distribution and verifies without the service.

>>> trust = TrustBundle.load("trust-bundle.json", "trust-anchor.jwk")   # doctest: +SKIP
>>> verify(qr_text, trust).credential.entries                            # doctest: +SKIP
"""

from verifier._errors import (
    ERRORS_BY_CODE,
    AlgorithmMismatch,
    BadEncoding,
    BadSignature,
    BadTrustBundleSignature,
    Expired,
    InputError,
    KeyCompromised,
    KeyRetired,
    MalformedCredential,
    MalformedTrustBundle,
    NoQRCode,
    NotYetValid,
    Revoked,
    StaleTrustBundle,
    StatusUnavailable,
    Suspended,
    TooLarge,
    TrustBundleError,
    UnknownIssuer,
    UnknownKey,
    UnreadableImage,
    UnsignedTrustBundle,
    UnsupportedAlgorithm,
    VerificationError,
)
from verifier._trust import Institution, Issuer, TrustBundle, TrustedKey
from verifier._verify import DEFAULT_LEEWAY, VerifiedCredential, verify

__all__ = [
    "DEFAULT_LEEWAY",
    "ERRORS_BY_CODE",
    "AlgorithmMismatch",
    "BadEncoding",
    "BadSignature",
    "BadTrustBundleSignature",
    "Expired",
    "InputError",
    "Institution",
    "Issuer",
    "KeyCompromised",
    "KeyRetired",
    "MalformedCredential",
    "MalformedTrustBundle",
    "NoQRCode",
    "NotYetValid",
    "Revoked",
    "StaleTrustBundle",
    "StatusUnavailable",
    "Suspended",
    "TooLarge",
    "TrustBundle",
    "TrustBundleError",
    "TrustedKey",
    "UnknownIssuer",
    "UnknownKey",
    "UnreadableImage",
    "UnsignedTrustBundle",
    "UnsupportedAlgorithm",
    "VerificationError",
    "VerifiedCredential",
    "verify",
]
