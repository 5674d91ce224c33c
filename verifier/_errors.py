"""Errors of the verifier. Every subclass carries a stable machine ``code``.

VerificationError                    "verification_error" root: the credential is not to be trusted
├── InputError                       "unreadable_input"  the input cannot be read (CLI exit 2)
│   ├── UnreadableImage              "unreadable_image"  not an image we can open
│   └── NoQRCode                     "no_qr_found"       an image without a QR code
├── MalformedCredential              "malformed"         wrong structure, fields or types
│   └── StatusIndexOutOfRange        "malformed"         a status index beyond the end of its list
├── BadEncoding                      "bad_encoding"      bad digits, base64url or DEFLATE data
├── TooLarge                         "too_large"         over a size limit (inflate cap)
├── UnsupportedAlgorithm             "unsupported_alg"   alg none, HS256: never signed with
├── AlgorithmMismatch                "alg_mismatch"      header alg differs from the key's alg
├── UnknownKey                       "unknown_key"       no trusted key has this kid
├── BadSignature                     "bad_signature"
├── KeyCompromised                   "key_compromised"   signed at/after the key's compromise
├── KeyRetired                       "key_retired"       valid from after the key's retirement
├── NotYetValid                      "not_yet_valid"
├── Expired                          "expired"
├── Revoked                          "revoked"
├── Suspended                        "suspended"
├── StatusUnavailable                "status_unavailable" the bundle lacks the status list
├── UnknownIssuer                    "unknown_issuer"
├── UnknownDisclosure                "unknown_disclosure"  an SD-JWT disclosure not in the token
├── HolderBindingFailed              "holder_binding_failed" KB-JWT missing, bad or wrongly signed
├── ReplayedPresentation             "replayed_presentation" made for another verifier or moment
│   ├── WrongAudience                "wrong_audience"    KB-JWT aud is not this verifier
│   ├── WrongNonce                   "wrong_nonce"       KB-JWT nonce is not the one we issued
│   └── StalePresentation            "stale_presentation" KB-JWT iat too old or in the future
└── TrustBundleError                 "trust_bundle_error" the trust bundle itself is not usable
    ├── MalformedTrustBundle         "malformed_trust_bundle"
    ├── UnsignedTrustBundle          "unsigned_trust_bundle"
    ├── BadTrustBundleSignature      "bad_trust_bundle_signature"  not signed by the pinned anchor
    └── StaleTrustBundle             "stale_trust_bundle"

``unsupported_alg`` and ``unknown_key`` are the codes of :mod:`keys` (defined there once).
"""

from __future__ import annotations

import keys


class VerificationError(Exception):
    """Root of every verifier error; ``code`` is stable and machine-readable."""

    code = "verification_error"
    #: Whether the input could not be read at all (the CLI exits 2 instead of 1).
    unreadable = False

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail or self.code


class InputError(VerificationError):
    code = "unreadable_input"
    unreadable = True


class UnreadableImage(InputError):
    code = "unreadable_image"


class NoQRCode(InputError):
    code = "no_qr_found"


class MalformedCredential(VerificationError):
    code = "malformed"


class BadEncoding(VerificationError):
    code = "bad_encoding"


class TooLarge(VerificationError):
    code = "too_large"


class UnsupportedAlgorithm(VerificationError):
    code = keys.UnsupportedAlgorithm.code


class AlgorithmMismatch(VerificationError):
    code = "alg_mismatch"


class UnknownKey(VerificationError):
    code = keys.KeyNotFound.code


class BadSignature(VerificationError):
    code = "bad_signature"


class KeyCompromised(VerificationError):
    code = "key_compromised"


class KeyRetired(VerificationError):
    code = "key_retired"


class NotYetValid(VerificationError):
    code = "not_yet_valid"


class Expired(VerificationError):
    code = "expired"


class Revoked(VerificationError):
    code = "revoked"


class Suspended(VerificationError):
    code = "suspended"


class StatusUnavailable(VerificationError):
    code = "status_unavailable"


class UnknownIssuer(VerificationError):
    code = "unknown_issuer"


class StatusIndexOutOfRange(MalformedCredential):
    """The one code of every format for an index outside its status list is ``malformed``."""


class UnknownDisclosure(VerificationError):
    code = "unknown_disclosure"


class HolderBindingFailed(VerificationError):
    code = "holder_binding_failed"


class ReplayedPresentation(VerificationError):
    code = "replayed_presentation"


class WrongAudience(ReplayedPresentation):
    code = "wrong_audience"


class WrongNonce(ReplayedPresentation):
    code = "wrong_nonce"


class StalePresentation(ReplayedPresentation):
    code = "stale_presentation"


class TrustBundleError(VerificationError):
    code = "trust_bundle_error"


class MalformedTrustBundle(TrustBundleError):
    code = "malformed_trust_bundle"


class UnsignedTrustBundle(TrustBundleError):
    code = "unsigned_trust_bundle"


class BadTrustBundleSignature(TrustBundleError):
    code = "bad_trust_bundle_signature"


class StaleTrustBundle(TrustBundleError):
    code = "stale_trust_bundle"


#: Every concrete error class, by code (the CLI and the docs list them from here).
ERRORS_BY_CODE: dict[str, type[VerificationError]] = {
    cls.code: cls
    for cls in (
        InputError,
        UnreadableImage,
        NoQRCode,
        MalformedCredential,
        BadEncoding,
        TooLarge,
        UnsupportedAlgorithm,
        AlgorithmMismatch,
        UnknownKey,
        BadSignature,
        KeyCompromised,
        KeyRetired,
        NotYetValid,
        Expired,
        Revoked,
        Suspended,
        StatusUnavailable,
        UnknownIssuer,
        UnknownDisclosure,
        HolderBindingFailed,
        WrongAudience,
        WrongNonce,
        StalePresentation,
        MalformedTrustBundle,
        UnsignedTrustBundle,
        BadTrustBundleSignature,
        StaleTrustBundle,
    )
}
