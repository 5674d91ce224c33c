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
from issuer.models.achievements import (
    ACHIEVEMENT_KINDS,
    Achievement,
    AchievementKind,
    AchievementPublic,
    CourseCreate,
    Domain,
)
from issuer.models.audit import AuditEvent, IdempotencyRecord
from issuer.models.committee import (
    CommitteeCase,
    CommitteeMember,
    Dispute,
    Panel,
    PanelMember,
    Vote,
)
from issuer.models.credentials import (
    Credential,
    CredentialEntry,
    CredentialFormat,
    CredentialIssue,
    CredentialIssued,
    CredentialStatus,
    StatusList,
)
from issuer.models.guard import (
    CredentialStatusChange,
    SigninThrottle,
    StatusChangePublic,
    StatusHistoryPublic,
)
from issuer.models.ledger import GENESIS_HASH, EntryKind, LedgerEntry, LedgerEntryPublic
from issuer.models.listings import (
    CredentialListItem,
    LearnerListItem,
    LearnerSearch,
    TransferListItem,
)
from issuer.models.oid4vci import (
    CredentialOfferCreate,
    CredentialOfferCreated,
    OID4VCIAccessToken,
    OID4VCIIssuance,
    OID4VCINonce,
    OID4VCIOffer,
)
from issuer.models.passwords import (
    LearnerRegister,
    PasswordChange,
    PasswordReset,
    PasswordResetCode,
    PasswordResetRequest,
    ResetCodeIssued,
)
from issuer.models.qualifications import Redemption, RedemptionItem
from issuer.models.recognitions import (
    AchievementRecorded,
    CapUsage,
    Recognition,
    RecognitionPublic,
    RecognitionStatus,
)
from issuer.models.standards import ConversionStandard, StandardPublic, StandardStatus
from issuer.models.transfers import (
    Transfer,
    TransferCreate,
    TransferItem,
    TransferItemIn,
    TransferItemPublic,
    TransferPublic,
)
from issuer.models.views import (
    Account,
    CourseRecorded,
    DecisionPublic,
    DomainBalance,
    DomainKindBalance,
    Health,
    Problem,
)

__all__ = [
    "ACHIEVEMENT_KINDS",
    "GENESIS_HASH",
    "Account",
    "Achievement",
    "AchievementKind",
    "AchievementPublic",
    "AchievementRecorded",
    "AuditEvent",
    "CapUsage",
    "CommitteeCase",
    "CommitteeMember",
    "ConversionStandard",
    "CourseCreate",
    "CourseRecorded",
    "Credential",
    "CredentialEntry",
    "CredentialFormat",
    "CredentialIssue",
    "CredentialIssued",
    "CredentialListItem",
    "CredentialOfferCreate",
    "CredentialOfferCreated",
    "CredentialStatus",
    "CredentialStatusChange",
    "DecisionPublic",
    "Dispute",
    "Domain",
    "DomainBalance",
    "DomainKindBalance",
    "EntryKind",
    "Health",
    "IdempotencyRecord",
    "Institution",
    "InstitutionCreate",
    "InstitutionCreated",
    "InstitutionKind",
    "InstitutionPublic",
    "Learner",
    "LearnerCreate",
    "LearnerListItem",
    "LearnerPublic",
    "LearnerRegister",
    "LearnerSearch",
    "LedgerEntry",
    "LedgerEntryPublic",
    "OID4VCIAccessToken",
    "OID4VCIIssuance",
    "OID4VCINonce",
    "OID4VCIOffer",
    "Panel",
    "PanelMember",
    "PasswordChange",
    "PasswordReset",
    "PasswordResetCode",
    "PasswordResetRequest",
    "Problem",
    "Recognition",
    "RecognitionPublic",
    "RecognitionStatus",
    "Redemption",
    "RedemptionItem",
    "ResetCodeIssued",
    "SigninThrottle",
    "StandardPublic",
    "StandardStatus",
    "StatusChangePublic",
    "StatusHistoryPublic",
    "StatusList",
    "Transfer",
    "TransferCreate",
    "TransferItem",
    "TransferItemIn",
    "TransferItemPublic",
    "TransferListItem",
    "TransferPublic",
    "Vote",
    "utcnow",
]
