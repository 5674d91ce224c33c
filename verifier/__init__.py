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
    HolderBindingFailed,
    InputError,
    KeyCompromised,
    KeyRetired,
    MalformedCredential,
    MalformedTrustBundle,
    NoQRCode,
    NotYetValid,
    ReplayedPresentation,
    Revoked,
    StalePresentation,
    StaleTrustBundle,
    StatusIndexOutOfRange,
    StatusUnavailable,
    Suspended,
    TooLarge,
    TrustBundleError,
    UnknownDisclosure,
    UnknownIssuer,
    UnknownKey,
    UnreadableImage,
    UnsignedTrustBundle,
    UnsupportedAlgorithm,
    VerificationError,
    WrongAudience,
    WrongNonce,
)
from verifier._trust import Institution, Issuer, TrustBundle, TrustedKey
from verifier._verify import DEFAULT_LEEWAY, VerifiedCredential, verify
from verifier._verify_ldp import verify_clr_ldp, verify_ob3_ldp
from verifier._verify_sd_jwt import VerifiedPresentation, verify_sd_jwt_presentation
from verifier._verify_vc import VerifiedVC, verify_clr, verify_ob3

__all__ = [
    "DEFAULT_LEEWAY",
    "ERRORS_BY_CODE",
    "AlgorithmMismatch",
    "BadEncoding",
    "BadSignature",
    "BadTrustBundleSignature",
    "Expired",
    "HolderBindingFailed",
    "InputError",
    "Institution",
    "Issuer",
    "KeyCompromised",
    "KeyRetired",
    "MalformedCredential",
    "MalformedTrustBundle",
    "NoQRCode",
    "NotYetValid",
    "ReplayedPresentation",
    "Revoked",
    "StalePresentation",
    "StaleTrustBundle",
    "StatusIndexOutOfRange",
    "StatusUnavailable",
    "Suspended",
    "TooLarge",
    "TrustBundle",
    "TrustBundleError",
    "TrustedKey",
    "UnknownDisclosure",
    "UnknownIssuer",
    "UnknownKey",
    "UnreadableImage",
    "UnsignedTrustBundle",
    "UnsupportedAlgorithm",
    "VerificationError",
    "VerifiedCredential",
    "VerifiedPresentation",
    "VerifiedVC",
    "WrongAudience",
    "WrongNonce",
    "verify",
    "verify_clr",
    "verify_clr_ldp",
    "verify_ob3",
    "verify_ob3_ldp",
    "verify_sd_jwt_presentation",
]
