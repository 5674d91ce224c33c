"""The words shown for stored values (ledger kinds, statuses, domains …), as message ids.

Pages and documents never show a raw value such as ``transfer_out`` or ``dc+sd-jwt``: they
look the value up here and translate the word (:mod:`issuer.core.i18n`). An unknown value
is shown as it is, so a new value is visible rather than hidden.
"""

from __future__ import annotations

from typing import Final

from issuer.core.i18n import N_

__all__ = [
    "ACHIEVEMENT_KINDS",
    "APPLICATION_STATES",
    "CASE_STATUSES",
    "CONSENT_ACTIONS",
    "CONSENT_KINDS",
    "CREDENTIAL_FORMATS",
    "CREDENTIAL_STATUSES",
    "DOMAINS",
    "ENTRY_KINDS",
    "RECOGNITION_STATUSES",
    "in_language",
]

DOMAINS: Final = {
    "GE": N_("General"),
    "AM": N_("Advanced manufacturing"),
    "AI": N_("Artificial intelligence"),
    "AG": N_("Modern agriculture"),
}
ENTRY_KINDS: Final = {
    "deposit": N_("Deposit"),
    "adjustment": N_("Adjustment"),
    "reversal": N_("Reversal"),
    "redemption": N_("Redeemed for a qualification"),
    "transfer_out": N_("Transferred to a university"),
}
ACHIEVEMENT_KINDS: Final = {
    "course": N_("Course"),
    "vocational_cert": N_("Vocational skill certificate"),
    "one_plus_x": N_("1+X certificate"),
    "training": N_("Training"),
    "work_experience": N_("Work experience"),
    "award": N_("Competition award"),
    "online_course": N_("Online course"),
}
CREDENTIAL_STATUSES: Final = {
    "active": N_("Valid"),
    "suspended": N_("Suspended"),
    "revoked": N_("Revoked"),
}
CREDENTIAL_FORMATS: Final = {
    "cbqr": N_("Credit certificate with QR code"),
    "ob3+jwt": N_("Open Badge"),
    "clr+jwt": N_("Transcript (CLR)"),
    "dc+sd-jwt": N_("Wallet credential (SD-JWT VC)"),
    "ob3+ldp": N_("Open Badge (Data Integrity)"),
    "clr+ldp": N_("Transcript (CLR, Data Integrity)"),
}
APPLICATION_STATES: Final = {
    "submitted": N_("Submitted"),
    "recorded": N_("Recorded by the university"),
    "withdrawn": N_("Withdrawn"),
}
CONSENT_KINDS: Final = {
    "application": N_("Your application"),
    "presentation": N_("Presented from your wallet"),
}
CONSENT_ACTIONS: Final = {
    "transfer_application.create": N_("Applied for credit recognition"),
    "transfer_application.withdraw": N_("Withdrew an application"),
    "transfer.record": N_("Recorded a transfer with your consent"),
    "transfer.exempt": N_("Recorded exemptions for your credits"),
}
CASE_STATUSES: Final = {
    "open": N_("Under review"),
    "upheld": N_("Decision upheld"),
    "rejected": N_("Rejected"),
    "modified": N_("Decision changed"),
    "approve": N_("Approved"),
    "reject": N_("Rejected"),
}
#: The states of a recognition held for review, as the learner and the reviewer see them.
RECOGNITION_STATUSES: Final = {
    "pending_review": N_("Awaiting review"),
    "more_material": N_("More material requested"),
    "recognised": N_("Recognised"),
    "rejected": N_("Rejected"),
}


def in_language(text: str, locale: str) -> str:
    """One language of a stored two-language text (Chinese line, then English line).

    Decisions store their explanation as ``"<zh>\\n<en>"``; a one-line text is shown as it is.
    """
    zh, newline, en = text.partition("\n")
    if not newline:
        return text
    return zh if locale.startswith("zh") else en
