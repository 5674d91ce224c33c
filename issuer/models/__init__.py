"""Tables and API models of the creditbank issuer.

Each concern follows the Base → Create → table → Public split: ``…Create`` is what a
client sends, the table class is what is stored, ``…Public`` is what is returned.
"""

from issuer.models._types import utcnow
from issuer.models.accounts import (
    Institution,
    InstitutionCreate,
    InstitutionCreated,
    InstitutionKind,
    InstitutionPublic,
    Learner,
    LearnerCreate,
    LearnerPublic,
)
from issuer.models.achievements import Achievement, AchievementPublic, CourseCreate, Domain
from issuer.models.credentials import (
    Credential,
    CredentialEntry,
    CredentialFormat,
    CredentialIssue,
    CredentialIssued,
    CredentialStatus,
    StatusList,
)
from issuer.models.ledger import GENESIS_HASH, EntryKind, LedgerEntry, LedgerEntryPublic
from issuer.models.views import (
    Account,
    CourseRecorded,
    DecisionPublic,
    DomainBalance,
    Health,
    Problem,
)

__all__ = [
    "GENESIS_HASH",
    "Account",
    "Achievement",
    "AchievementPublic",
    "CourseCreate",
    "CourseRecorded",
    "Credential",
    "CredentialEntry",
    "CredentialFormat",
    "CredentialIssue",
    "CredentialIssued",
    "CredentialStatus",
    "DecisionPublic",
    "Domain",
    "DomainBalance",
    "EntryKind",
    "Health",
    "Institution",
    "InstitutionCreate",
    "InstitutionCreated",
    "InstitutionKind",
    "InstitutionPublic",
    "Learner",
    "LearnerCreate",
    "LearnerPublic",
    "LedgerEntry",
    "LedgerEntryPublic",
    "Problem",
    "StatusList",
    "utcnow",
]
