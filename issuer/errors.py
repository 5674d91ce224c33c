"""Errors of the creditbank issuer, each with a stable machine code and HTTP status.

Only :mod:`issuer.problems` turns them into HTTP responses (RFC 9457 problem details)::

    CreditBankError                 500 internal_error
    ├── InvalidRequest              422 invalid_request
    │   ├── InvalidNationalId       422 invalid_national_id
    │   └── NotRecognised           422 not_recognised
    ├── Unauthenticated             401 unauthenticated
    ├── Forbidden                   403 forbidden
    ├── NotFound                    404 not_found
    ├── MethodNotAllowed            405 method_not_allowed
    ├── Conflict                    409 conflict
    │   ├── InstitutionExists       409 institution_exists
    │   ├── LearnerExists           409 learner_exists
    │   └── AchievementExists       409 achievement_exists
    ├── LedgerCorrupt               500 ledger_corrupt
    └── DatabaseNotMigrated         500 database_not_migrated
"""

from __future__ import annotations

__all__ = [
    "AchievementExists",
    "Conflict",
    "CreditBankError",
    "DatabaseNotMigrated",
    "Forbidden",
    "InstitutionExists",
    "InvalidNationalId",
    "InvalidRequest",
    "LearnerExists",
    "LedgerCorrupt",
    "MethodNotAllowed",
    "NotFound",
    "NotRecognised",
    "Unauthenticated",
]


class CreditBankError(Exception):
    """Root of every creditbank issuer error."""

    code: str = "internal_error"
    status: int = 500
    title: str = "Internal error"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.title
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


class MethodNotAllowed(CreditBankError):
    code = "method_not_allowed"
    status = 405
    title = "Method not allowed"


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

    def __init__(self, entry_id: int, detail: str) -> None:
        self.entry_id = entry_id
        super().__init__(f"ledger entry {entry_id}: {detail}")


class DatabaseNotMigrated(CreditBankError):
    code = "database_not_migrated"
    title = "Database not migrated"
