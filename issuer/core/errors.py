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
    │   ├── UnsupportedFileType     422 unsupported_file_type
    │   ├── TooManyFiles            422 too_many_files
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
    │   └── EvidenceTooLarge        413 evidence_too_large
    ├── Conflict                    409 conflict
    │   ├── InstitutionExists       409 institution_exists
    │   ├── OrgUnitExists           409 org_unit_exists
    │   ├── StaffExists             409 staff_exists
    │   ├── LearnerExists           409 learner_exists
    │   ├── AchievementExists       409 achievement_exists
    │   ├── ConflictOfInterest      409 conflict_of_interest
    │   ├── AlreadyVoted            409 already_voted
    │   ├── CaseClosed              409 case_closed
    │   ├── DisputeOpen             409 dispute_open
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

from collections.abc import Callable, Mapping
from typing import Any

from issuer.core.i18n import N_

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
    "DisputeOpen",
    "DisputeWindowClosed",
    "DuplicateCertificate",
    "EvidenceTooLarge",
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
    "TooManyFiles",
    "TotpInvalid",
    "Unauthenticated",
    "UnknownKeyId",
    "UnsupportedFileType",
    "WeakPassword",
    "WrongPassword",
]


class CreditBankError(Exception):
    """Root of every creditbank issuer error."""

    code: str = "internal_error"
    status: int = 500
    title: str = N_("Internal error")

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        #: The detail as a message id of the catalogs (``%(name)s`` filled from ``values``),
        #: so the problem document can say it in the reader's language; English here.
        self.message = detail or self.title
        self.values = dict(values or {})
        self.detail = self.message % self.values if self.values else self.message
        #: Per-item refusals (e.g. each entry of a transfer), shown as the problem's ``errors``.
        self.errors = errors
        super().__init__(self.detail)

    def in_language(self, gettext: Callable[[str], str]) -> tuple[str, str]:
        """The title and detail through ``gettext``: a detail not in the catalogs stays as is."""
        detail = gettext(self.message)
        return gettext(self.title), detail % self.values if self.values else detail


class InvalidRequest(CreditBankError):
    code = "invalid_request"
    status = 422
    title = N_("Invalid request")


class InvalidNationalId(InvalidRequest):
    code = "invalid_national_id"
    title = N_("Invalid national ID")


class NotRecognised(InvalidRequest):
    """The request names something that exists but cannot be used this way."""

    code = "not_recognised"
    title = N_("Not recognised")


class Unauthenticated(CreditBankError):
    code = "unauthenticated"
    status = 401
    title = N_("Authentication required")


class Forbidden(CreditBankError):
    code = "forbidden"
    status = 403
    title = N_("Forbidden")


class NotFound(CreditBankError):
    code = "not_found"
    status = 404
    title = N_("Not found")


class UnknownKeyId(NotFound):
    """A key URL names no credential key of this issuer (never one, not a retired one)."""

    code = "unknown_key_id"
    title = N_("Unknown key")


class MethodNotAllowed(CreditBankError):
    code = "method_not_allowed"
    status = 405
    title = N_("Method not allowed")


class PayloadTooLarge(CreditBankError):
    """The request body is larger than the route accepts; it was not read to the end."""

    code = "payload_too_large"
    status = 413
    title = N_("Payload too large")


class CsvUnreadable(InvalidRequest):
    """An uploaded file that is not CSV text in UTF-8 (binary, another encoding, empty)."""

    code = "csv_unreadable"
    title = N_("Not a CSV file")


class CsvHeader(InvalidRequest):
    """An uploaded CSV whose header row lacks a required column of its import."""

    code = "csv_header"
    title = N_("Wrong CSV header")


class ContradictoryPolicy(InvalidRequest):
    """A transfer policy whose rules contradict each other (a limit no entry can meet)."""

    code = "contradictory_policy"
    title = N_("Contradictory transfer policy")


class Conflict(CreditBankError):
    code = "conflict"
    status = 409
    title = N_("Conflict")


class InstitutionExists(Conflict):
    code = "institution_exists"
    title = N_("Institution already exists")


class LearnerExists(Conflict):
    code = "learner_exists"
    title = N_("Learner already exists")


class AchievementExists(Conflict):
    code = "achievement_exists"
    title = N_("Achievement already recorded")


class LedgerCorrupt(CreditBankError):
    """A ledger entry does not match its stored hash or its predecessor's hash."""

    code = "ledger_corrupt"
    title = N_("Ledger corrupt")

    def __init__(self, entry_id: int | None, detail: str) -> None:
        # None when the broken part is a missing entry, which has no id left to name.
        self.entry_id = entry_id
        super().__init__(detail if entry_id is None else f"ledger entry {entry_id}: {detail}")


class DatabaseNotMigrated(CreditBankError):
    code = "database_not_migrated"
    title = N_("Database not migrated")


# -- committee, disputes, qualifications, idempotency -------------------------------------


class ConflictOfInterest(Conflict):
    """The member is affiliated with the institution the case concerns."""

    code = "conflict_of_interest"
    title = N_("Conflict of interest")


class AlreadyVoted(Conflict):
    code = "already_voted"
    title = N_("Already voted")


class CaseClosed(Conflict):
    code = "case_closed"
    title = N_("Case already decided")


class AlreadyRedeemed(Conflict):
    code = "already_redeemed"
    title = N_("Qualification already redeemed")


class InsufficientCredits(Conflict):
    code = "insufficient_credits"
    title = N_("Insufficient credits")


class DisputeOpen(Conflict):
    """The entry already has a dispute before the panel: one at a time per decision."""

    code = "dispute_open"
    title = N_("A dispute of this entry is already open")


class DisputeWindowClosed(InvalidRequest):
    code = "dispute_window_closed"
    title = N_("Dispute window closed")


class IdempotencyKeyReused(InvalidRequest):
    code = "idempotency_key_reused"
    title = N_("Idempotency key reused with a different request")


class DuplicateCertificate(Conflict):
    """The same certificate number from the same body is already deposited (any account)."""

    code = "duplicate_certificate"
    title = N_("Certificate already recorded")


class RecognitionDecided(Conflict):
    """The recognition is no longer pending review."""

    code = "recognition_decided"
    title = N_("Recognition already decided")


class StandardState(Conflict):
    """The standard version is not in the state this lifecycle step needs."""

    code = "standard_state"
    title = N_("Standard version in the wrong state")


class InvalidHolderKey(InvalidRequest):
    code = "invalid_holder_key"
    title = N_("Invalid holder key")


class CredentialRevoked(Conflict):
    """A revoked credential cannot be suspended or reinstated: revocation is final."""

    code = "credential_revoked"
    title = N_("Credential revoked")


class AlreadyTransferred(Conflict):
    """A deposit carried by the credential was already transferred to a university."""

    code = "already_transferred"
    title = N_("Credits already transferred")


class CredentialSuspended(Conflict):
    code = "credential_suspended"
    title = N_("Credential suspended")


class CredentialExpired(Conflict):
    code = "credential_expired"
    title = N_("Credential expired")


# -- sign-in throttling, governed status changes, operations ------------------------------


class TooManyAttempts(CreditBankError):
    """Too many failed sign-ins for this account or from this address; wait ``retry_after``."""

    code = "too_many_attempts"
    status = 429
    title = N_("Too many attempts")

    def __init__(self, detail: str | None = None, *, retry_after: int = 1) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(detail)


class CaseRequired(Forbidden):
    """A committee member changes a credential's status only through a committee case."""

    code = "case_required"
    title = N_("Committee case required")


class NotOnPanel(Forbidden):
    """The member does not sit on the panel of the case they cite."""

    code = "not_on_panel"
    title = N_("Not on the case's panel")


class ConsentRequired(Forbidden):
    """A transfer without the learner's consent for this institution (the detail says why)."""

    code = "consent_required"
    title = N_("The learner's consent is required")


class CaseUnrelated(InvalidRequest):
    """The cited case concerns none of the credential's deposits."""

    code = "case_unrelated"
    title = N_("Case does not concern this credential")


class NotAUniversity(InvalidRequest):
    """Credits are transferred only to universities and colleges."""

    code = "not_a_university"
    title = N_("Not a university or college")


class StandardContradiction(InvalidRequest):
    """Two rules of a standard draft match the same achievements."""

    code = "standard_contradiction"
    title = N_("Rules contradict each other")


class CaseNotDecided(Conflict):
    """Revoking or reinstating by the committee needs the case's decision first."""

    code = "case_not_decided"
    title = N_("Case not decided yet")


class DecisionMismatch(Conflict):
    """The case's outcome does not call for this change (e.g. a dispute upheld → revoke)."""

    code = "decision_mismatch"
    title = N_("Decision does not call for this change")


class InvalidFilter(InvalidRequest):
    """A list filter that cannot be read: a bad date, an unknown status, an empty range."""

    code = "invalid_filter"
    title = N_("Invalid filter")


class DataDirectoryMissing(CreditBankError):
    code = "data_directory_missing"
    title = N_("Data directory missing")


class CertificateFontMissing(CreditBankError):
    """The font PDF certificates are set in is not installed (the deployment, not the request)."""

    code = "certificate_font_missing"
    title = N_("Certificate font missing")


class DatabaseUnreachable(CreditBankError):
    code = "database_unreachable"
    status = 503
    title = N_("Database unreachable")


class RequestInProgress(Conflict):
    """A request with the same ``Idempotency-Key`` is being processed; retry to get its answer."""

    code = "request_in_progress"
    title = N_("Request in progress")


class ConsentUsed(Conflict):
    """The application or presentation nonce was already used for a transfer."""

    code = "consent_used"
    title = N_("Consent already used")


class ExemptionExists(Conflict):
    """The institution already recorded an exemption of that course for this transfer."""

    code = "exemption_exists"
    title = N_("Exemption already recorded")


class DatabaseBusy(CreditBankError):
    """The database kept refusing the transaction (deadlock or serialization failure).

    Raised only after the bounded retry of :mod:`issuer.api.retry` gave up; nothing was
    written, and the client may send the request again.
    """

    code = "database_busy"
    status = 503
    title = N_("Database busy")


# -- learners' own accounts: opening online, passwords --------------------------------


class WeakPassword(InvalidRequest):
    """The new password breaks the policy (length, letters and digits, not the ID)."""

    code = "weak_password"
    title = N_("Password too weak")


class PrivacyNotAccepted(InvalidRequest):
    """An account opened online needs the current privacy notice accepted."""

    code = "privacy_not_accepted"
    title = N_("Privacy notice not accepted")


class ResetCodeInvalid(InvalidRequest):
    """The password reset code is wrong, expired, used, or tried too often."""

    code = "reset_code_invalid"
    title = N_("Reset code not valid")


class WrongPassword(Forbidden):
    """The current password given to change it is not the learner's."""

    code = "wrong_password"
    title = N_("Wrong password")


class TotpInvalid(Unauthenticated):
    """A TOTP code that is wrong, expired (older than one 30 s step) or already used."""

    code = "totp_invalid"
    title = N_("Invalid or expired code")


class SessionExpired(Unauthenticated):
    """A console session past its idle timeout or its absolute lifetime."""

    code = "session_expired"
    title = N_("Session expired")


class CsrfFailed(Forbidden):
    """A form post without the CSRF token of the page it came from, or with another one."""

    code = "csrf_failed"
    title = N_("Form token missing or wrong")


class OutOfScope(Forbidden):
    """A staff member reached for a centre or institution outside their own scope."""

    code = "out_of_scope"
    title = N_("Outside your scope")


class OrgUnitExists(Conflict):
    code = "org_unit_exists"
    title = N_("Organisation unit exists")


class StaffExists(Conflict):
    code = "staff_exists"
    title = N_("Staff account exists")


class UnsupportedFileType(InvalidRequest):
    """An evidence file is not a PDF, JPEG or PNG by its content, whatever its name says."""

    code = "unsupported_file_type"
    title = N_("File type not accepted")


class TooManyFiles(InvalidRequest):
    """An application or a round of material carries more files than allowed."""

    code = "too_many_files"
    title = N_("Too many files")


class EvidenceTooLarge(PayloadTooLarge):
    """An evidence file, or an application's files together, exceed their size cap."""

    code = "evidence_too_large"
    title = N_("Evidence file too large")
