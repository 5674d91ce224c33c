"""OAuth-style errors of the OpenID4VCI endpoints.

The token, nonce and credential endpoints answer errors in the JSON format that RFC 6749
§5.2, RFC 6750 §3 and OpenID4VCI 1.0 §8.3.1 require — ``{"error", "error_description"}``
— not RFC 9457 problem details: wallets written against the specification parse exactly
these members. ``reason`` is a creditbank extension member (RFC 6749 allows extra members)
that tells the cases sharing one OAuth code apart, e.g. a reused code from a wrong PIN::

    OAuthError                        400
    ├── InvalidRequest                400 invalid_request
    ├── UnsupportedGrantType          400 unsupported_grant_type
    ├── InvalidGrant                  400 invalid_grant   (reason: unknown_code, code_used,
    │                                                       code_expired, wrong_tx_code,
    │                                                       tx_code_locked, tx_code_required)
    ├── InvalidToken                  401 invalid_token
    ├── InvalidCredentialRequest      400 invalid_credential_request
    ├── UnknownCredentialConfiguration 400 unknown_credential_configuration
    ├── InvalidProof                  400 invalid_proof
    ├── InvalidNonce                  400 invalid_nonce
    └── CredentialRequestDenied       400 credential_request_denied (reason: already_issued, …)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CredentialRequestDenied",
    "InvalidCredentialRequest",
    "InvalidGrant",
    "InvalidNonce",
    "InvalidProof",
    "InvalidRequest",
    "InvalidToken",
    "OAuthError",
    "UnknownCredentialConfiguration",
    "UnsupportedGrantType",
]


class OAuthError(Exception):
    """Root of the OpenID4VCI endpoint errors: an OAuth ``error`` code and a description."""

    error: str = "invalid_request"
    status: int = 400

    def __init__(self, description: str, *, reason: str | None = None) -> None:
        self.description = description
        self.reason = reason
        #: True when the writes made before the error must be kept (a counted PIN attempt).
        self.keep_writes = False
        super().__init__(description)

    def body(self) -> dict[str, Any]:
        """The JSON error response body."""
        body: dict[str, Any] = {"error": self.error, "error_description": self.description}
        if self.reason is not None:
            body["reason"] = self.reason
        return body

    def headers(self) -> dict[str, str]:
        """Response headers: errors are never cached (RFC 6749 §5.1)."""
        return {"Cache-Control": "no-store", "Pragma": "no-cache"}


class InvalidRequest(OAuthError):
    error = "invalid_request"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class InvalidToken(OAuthError):
    """A missing, unknown or expired access token (RFC 6750 §3.1)."""

    error = "invalid_token"
    status = 401

    def headers(self) -> dict[str, str]:
        return {
            **super().headers(),
            "WWW-Authenticate": 'Bearer error="invalid_token"',
        }


class InvalidCredentialRequest(OAuthError):
    error = "invalid_credential_request"


class UnknownCredentialConfiguration(OAuthError):
    error = "unknown_credential_configuration"


class InvalidProof(OAuthError):
    error = "invalid_proof"


class InvalidNonce(OAuthError):
    error = "invalid_nonce"


class CredentialRequestDenied(OAuthError):
    error = "credential_request_denied"
