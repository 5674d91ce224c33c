"""Errors of the creditbank issuer, each with a stable machine code and HTTP status.

Only :mod:`issuer.api.problems` turns them into HTTP responses (RFC 9457 problem details);
errors of ``keys`` and ``verifier`` keep their own codes there (``unsupported_alg``,
``unknown_key``, …), so no condition has two codes. The tree, with status and code
(tests/test_error_trees.py holds it equal to the classes)::

    CreditBankError                 500 internal_error
    ├── InvalidRequest              422 invalid_request
    │   ├── InvalidNationalId       422 invalid_national_id
    │   ├── WeakPassword            422 weak_password
    │   ├── PrivacyNotAccepted      422 privacy_not_accepted
    │   ├── ResetCodeInvalid        422 reset_code_invalid
    │   ├── NotRecognised           422 not_recognised
    │   ├── DisputeWindowClosed     422 dispute_window_closed
    │   ├── IdempotencyKeyReused    422 idempotency_key_reused
    │   ├── InvalidHolderKey        422 invalid_holder_key
    │   ├── CaseUnrelated           422 case_unrelated
    │   ├── InvalidFilter           422 invalid_filter
    │   ├── NotAUniversity          422 not_a_university
    │   ├── StandardContradiction   422 standard_contradiction
    │   ├── ContradictoryPolicy     422 contradictory_policy
    │   ├── CsvUnreadable           422 csv_unreadable
    │   └── CsvHeader               422 csv_header
    ├── Unauthenticated             401 unauthenticated
    │   ├── TotpInvalid             401 totp_invalid
    │   └── SessionExpired          401 session_expired
    ├── Forbidden                   403 forbidden
    │   ├── WrongPassword           403 wrong_password
    │   ├── CaseRequired            403 case_required
    │   ├── NotOnPanel              403 not_on_panel
    │   ├── ConsentRequired         403 consent_required
    │   ├── CsrfFailed              403 csrf_failed
    │   └── OutOfScope              403 out_of_scope
    ├── NotFound                    404 not_found
    │   └── UnknownKeyId            404 unknown_key_id
    ├── MethodNotAllowed            405 method_not_allowed
    ├── PayloadTooLarge             413 payload_too_large
    ├── Conflict                    409 conflict
    │   ├── InstitutionExists       409 institution_exists
    │   ├── OrgUnitExists           409 org_unit_exists
    │   ├── StaffExists             409 staff_exists
    │   ├── LearnerExists           409 learner_exists
    │   ├── AchievementExists       409 achievement_exists
    │   ├── ConflictOfInterest      409 conflict_of_interest
    │   ├── AlreadyVoted            409 already_voted
    │   ├── CaseClosed              409 case_closed
    │   ├── AlreadyRedeemed         409 already_redeemed
    │   ├── InsufficientCredits     409 insufficient_credits
    │   ├── DuplicateCertificate    409 duplicate_certificate
    │   ├── RecognitionDecided      409 recognition_decided
    │   ├── StandardState           409 standard_state
    │   ├── CredentialRevoked       409 credential_revoked      (revocation is final)
    │   ├── AlreadyTransferred      409 already_transferred
    │   ├── CredentialSuspended     409 credential_suspended
    │   ├── CredentialExpired       409 credential_expired
    │   ├── CaseNotDecided          409 case_not_decided
    │   ├── DecisionMismatch        409 decision_mismatch
    │   ├── RequestInProgress       409 request_in_progress
    │   ├── ConsentUsed             409 consent_used
    │   └── ExemptionExists         409 exemption_exists
    ├── LedgerCorrupt               500 ledger_corrupt
    ├── DatabaseNotMigrated         500 database_not_migrated
    ├── TooManyAttempts             429 too_many_attempts
    ├── DataDirectoryMissing        500 data_directory_missing
    ├── CertificateFontMissing      500 certificate_font_missing
    ├── DatabaseUnreachable         503 database_unreachable
    └── DatabaseBusy                503 database_busy
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AchievementExists",
    "AlreadyRedeemed",
    "AlreadyTransferred",
    "AlreadyVoted",
    "CaseClosed",
    "CaseNotDecided",
    "CaseRequired",
    "CaseUnrelated",
    "CertificateFontMissing",
    "Conflict",
    "ConflictOfInterest",
    "ConsentRequired",
    "ConsentUsed",
    "ContradictoryPolicy",
    "CredentialExpired",
    "CredentialRevoked",
    "CredentialSuspended",
    "CreditBankError",
    "CsrfFailed",
    "CsvHeader",
    "CsvUnreadable",
    "DataDirectoryMissing",
    "DatabaseBusy",
    "DatabaseNotMigrated",
    "DatabaseUnreachable",
    "DecisionMismatch",
    "DisputeWindowClosed",
    "DuplicateCertificate",
    "ExemptionExists",
    "Forbidden",
    "IdempotencyKeyReused",
    "InstitutionExists",
    "InsufficientCredits",
    "InvalidFilter",
    "InvalidHolderKey",
    "InvalidNationalId",
    "InvalidRequest",
    "LearnerExists",
    "LedgerCorrupt",
    "MethodNotAllowed",
    "NotAUniversity",
    "NotFound",
    "NotOnPanel",
    "NotRecognised",
    "OrgUnitExists",
    "OutOfScope",
    "PayloadTooLarge",
    "PrivacyNotAccepted",
    "RecognitionDecided",
    "RequestInProgress",
    "ResetCodeInvalid",
    "SessionExpired",
    "StaffExists",
    "StandardContradiction",
    "StandardState",
    "TooManyAttempts",
    "TotpInvalid",
    "Unauthenticated",
    "UnknownKeyId",
    "WeakPassword",
    "WrongPassword",
]


class CreditBankError(Exception):
    """Root of every creditbank issuer error."""

    code: str = "internal_error"
    status: int = 500
    title: str = "Internal error"

    def __init__(
        self, detail: str | None = None, *, errors: list[dict[str, Any]] | None = None
    ) -> None:
        self.detail = detail or self.title
        #: Per-item refusals (e.g. each entry of a transfer), shown as the problem's ``errors``.
        self.errors = errors
        super().__init__(self.detail)


class InvalidRequest(CreditBankError):
    code = "invalid_request"
    status = 422
    title = "Invalid request"


class InvalidNationalId(InvalidRequest):
    code = "invalid_national_id"
    title = "Invalid national ID"


class NotRecognised(InvalidRequest):
    """The request names something that exists but cannot be used this way."""

    code = "not_recognised"
    title = "Not recognised"


class Unauthenticated(CreditBankError):
    code = "unauthenticated"
    status = 401
    title = "Authentication required"


class Forbidden(CreditBankError):
    code = "forbidden"
    status = 403
    title = "Forbidden"


class NotFound(CreditBankError):
    code = "not_found"
    status = 404
    title = "Not found"


class UnknownKeyId(NotFound):
    """A key URL names no credential key of this issuer (never one, not a retired one)."""

    code = "unknown_key_id"
    title = "Unknown key"


class MethodNotAllowed(CreditBankError):
    code = "method_not_allowed"
    status = 405
    title = "Method not allowed"


class PayloadTooLarge(CreditBankError):
    """The request body is larger than the route accepts; it was not read to the end."""

    code = "payload_too_large"
    status = 413
    title = "Payload too large"


class CsvUnreadable(InvalidRequest):
    """An uploaded file that is not CSV text in UTF-8 (binary, another encoding, empty)."""

    code = "csv_unreadable"
    title = "Not a CSV file"


class CsvHeader(InvalidRequest):
    """An uploaded CSV whose header row lacks a required column of its import."""

    code = "csv_header"
    title = "Wrong CSV header"


class ContradictoryPolicy(InvalidRequest):
    """A transfer policy whose rules contradict each other (a limit no entry can meet)."""

    code = "contradictory_policy"
    title = "Contradictory transfer policy"


class Conflict(CreditBankError):
    code = "conflict"
    status = 409
    title = "Conflict"


class InstitutionExists(Conflict):
    code = "institution_exists"
    title = "Institution already exists"


class LearnerExists(Conflict):
    code = "learner_exists"
    title = "Learner already exists"


class AchievementExists(Conflict):
    code = "achievement_exists"
    title = "Achievement already recorded"


class LedgerCorrupt(CreditBankError):
    """A ledger entry does not match its stored hash or its predecessor's hash."""

    code = "ledger_corrupt"
    title = "Ledger corrupt"

    def __init__(self, entry_id: int | None, detail: str) -> None:
        # None when the broken part is a missing entry, which has no id left to name.
        self.entry_id = entry_id
        super().__init__(detail if entry_id is None else f"ledger entry {entry_id}: {detail}")


class DatabaseNotMigrated(CreditBankError):
    code = "database_not_migrated"
    title = "Database not migrated"


# -- committee, disputes, qualifications, idempotency -------------------------------------


class ConflictOfInterest(Conflict):
    """The member is affiliated with the institution the case concerns."""

    code = "conflict_of_interest"
    title = "Conflict of interest"


class AlreadyVoted(Conflict):
    code = "already_voted"
    title = "Already voted"


class CaseClosed(Conflict):
    code = "case_closed"
    title = "Case already decided"


class AlreadyRedeemed(Conflict):
    code = "already_redeemed"
    title = "Qualification already redeemed"


class InsufficientCredits(Conflict):
    code = "insufficient_credits"
    title = "Insufficient credits"


class DisputeWindowClosed(InvalidRequest):
    code = "dispute_window_closed"
    title = "Dispute window closed"


class IdempotencyKeyReused(InvalidRequest):
    code = "idempotency_key_reused"
    title = "Idempotency key reused with a different request"


class DuplicateCertificate(Conflict):
    """The same certificate number from the same body is already deposited (any account)."""

    code = "duplicate_certificate"
    title = "Certificate already recorded"


class RecognitionDecided(Conflict):
    """The recognition is no longer pending review."""

    code = "recognition_decided"
    title = "Recognition already decided"


class StandardState(Conflict):
    """The standard version is not in the state this lifecycle step needs."""

    code = "standard_state"
    title = "Standard version in the wrong state"


class InvalidHolderKey(InvalidRequest):
    code = "invalid_holder_key"
    title = "Invalid holder key"


class CredentialRevoked(Conflict):
    """A revoked credential cannot be suspended or reinstated: revocation is final."""

    code = "credential_revoked"
    title = "Credential revoked"


class AlreadyTransferred(Conflict):
    """A deposit carried by the credential was already transferred to a university."""

    code = "already_transferred"
    title = "Credits already transferred"


class CredentialSuspended(Conflict):
    code = "credential_suspended"
    title = "Credential suspended"


class CredentialExpired(Conflict):
    code = "credential_expired"
    title = "Credential expired"


# -- sign-in throttling, governed status changes, operations ------------------------------


class TooManyAttempts(CreditBankError):
    """Too many failed sign-ins for this account or from this address; wait ``retry_after``."""

    code = "too_many_attempts"
    status = 429
    title = "Too many attempts"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(detail)


class CaseRequired(Forbidden):
    """A committee member changes a credential's status only through a committee case."""

    code = "case_required"
    title = "Committee case required"


class NotOnPanel(Forbidden):
    """The member does not sit on the panel of the case they cite."""

    code = "not_on_panel"
    title = "Not on the case's panel"


class ConsentRequired(Forbidden):
    """A transfer without the learner's consent for this institution (the detail says why)."""

    code = "consent_required"
    title = "The learner's consent is required"


class CaseUnrelated(InvalidRequest):
    """The cited case concerns none of the credential's deposits."""

    code = "case_unrelated"
    title = "Case does not concern this credential"


class NotAUniversity(InvalidRequest):
    """Credits are transferred only to universities and colleges."""

    code = "not_a_university"
    title = "Not a university or college"


class StandardContradiction(InvalidRequest):
    """Two rules of a standard draft match the same achievements."""

    code = "standard_contradiction"
    title = "Rules contradict each other"


class CaseNotDecided(Conflict):
    """Revoking or reinstating by the committee needs the case's decision first."""

    code = "case_not_decided"
    title = "Case not decided yet"


class DecisionMismatch(Conflict):
    """The case's outcome does not call for this change (e.g. a dispute upheld → revoke)."""

    code = "decision_mismatch"
    title = "Decision does not call for this change"


class InvalidFilter(InvalidRequest):
    """A list filter that cannot be read: a bad date, an unknown status, an empty range."""

    code = "invalid_filter"
    title = "Invalid filter"


class DataDirectoryMissing(CreditBankError):
    code = "data_directory_missing"
    title = "Data directory missing"


class CertificateFontMissing(CreditBankError):
    """The font PDF certificates are set in is not installed (the deployment, not the request)."""

    code = "certificate_font_missing"
    title = "Certificate font missing"


class DatabaseUnreachable(CreditBankError):
    code = "database_unreachable"
    status = 503
    title = "Database unreachable"


class RequestInProgress(Conflict):
    """A request with the same ``Idempotency-Key`` is being processed; retry to get its answer."""

    code = "request_in_progress"
    title = "Request in progress"


class ConsentUsed(Conflict):
    """The application or presentation nonce was already used for a transfer."""

    code = "consent_used"
    title = "Consent already used"


class ExemptionExists(Conflict):
    """The institution already recorded an exemption of that course for this transfer."""

    code = "exemption_exists"
    title = "Exemption already recorded"


class DatabaseBusy(CreditBankError):
    """The database kept refusing the transaction (deadlock or serialization failure).

    Raised only after the bounded retry of :mod:`issuer.api.retry` gave up; nothing was
    written, and the client may send the request again.
    """

    code = "database_busy"
    status = 503
    title = "Database busy"


# -- learners' own accounts: opening online, passwords --------------------------------


class WeakPassword(InvalidRequest):
    """The new password breaks the policy (length, letters and digits, not the ID)."""

    code = "weak_password"
    title = "Password too weak"


class PrivacyNotAccepted(InvalidRequest):
    """An account opened online needs the current privacy notice accepted."""

    code = "privacy_not_accepted"
    title = "Privacy notice not accepted"


class ResetCodeInvalid(InvalidRequest):
    """The password reset code is wrong, expired, used, or tried too often."""

    code = "reset_code_invalid"
    title = "Reset code not valid"


class WrongPassword(Forbidden):
    """The current password given to change it is not the learner's."""

    code = "wrong_password"
    title = "Wrong password"


class TotpInvalid(Unauthenticated):
    """A TOTP code that is wrong, expired (older than one 30 s step) or already used."""

    code = "totp_invalid"
    title = "Invalid or expired code"


class SessionExpired(Unauthenticated):
    """A console session past its idle timeout or its absolute lifetime."""

    code = "session_expired"
    title = "Session expired"


class CsrfFailed(Forbidden):
    """A form post without the CSRF token of the page it came from, or with another one."""

    code = "csrf_failed"
    title = "Form token missing or wrong"


class OutOfScope(Forbidden):
    """A staff member reached for a centre or institution outside their own scope."""

    code = "out_of_scope"
    title = "Outside your scope"


class OrgUnitExists(Conflict):
    code = "org_unit_exists"
    title = "Organisation unit exists"


class StaffExists(Conflict):
    code = "staff_exists"
    title = "Staff account exists"
