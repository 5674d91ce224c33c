"""The words the console shows for the audit trail's actions and actors.

An action with no entry here is shown as its code, so a new action is visible rather than
hidden; a family (``credential.``, ``case.``) names the action's subject when the exact
action is unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from issuer.core.errors import CreditBankError
from issuer.core.i18n import N_

__all__ = ["ACTIONS", "FAMILIES", "REASONS", "action_words", "actor_words", "reason_words"]

ACTIONS: Final[Mapping[str, str]] = {
    "learner.create": N_("Learner account opened"),
    "learner.set_password": N_("Learner password set by the operator"),
    "learner.password_changed": N_("Learner changed their password"),
    "learner.password_reset": N_("Learner reset their password"),
    "learner.reset_code_issued": N_("Password reset code sent"),
    "learner.privacy_accepted": N_("Learner accepted the privacy notice"),
    "institution.create": N_("Institution registered"),
    "institution.attached": N_("Institution attached to a centre"),
    "institution.key_rotated": N_("Institution API key replaced"),
    "institution.key_revoked": N_("Institution API key revoked"),
    "org_unit.created": N_("Organisation unit added"),
    "staff.created": N_("Staff account opened"),
    "import_job.created": N_("CSV import queued"),
    "import_job.done": N_("CSV import finished"),
    "import_job.failed": N_("CSV import stopped with an error"),
    "import_job.refused.csv_unreadable": N_("CSV upload refused: not a CSV file in UTF-8"),
    "import_job.refused.csv_header": N_("CSV upload refused: its header lacks columns"),
    "import_job.refused.payload_too_large": N_("CSV upload refused: the file is too large"),
    "staff.deactivated": N_("Staff account deactivated"),
    "staff.totp_reset": N_("Two-factor sign-in reset"),
    "achievement.record": N_("Achievement recorded and credited"),
    "credential.issue": N_("Credential issued"),
    "credential.suspended": N_("Credential suspended"),
    "credential.revoked": N_("Credential revoked"),
    "credential.active": N_("Credential reinstated"),
    "transfer_application.create": N_("Applied for credit recognition"),
    "transfer_application.withdraw": N_("Application withdrawn"),
    "transfer_application.checked": N_("Presented credentials checked over the API"),
    "transfer_application.refused.out_of_scope": N_(
        "Check refused: the application was made to another institution"
    ),
    "transfer.record": N_("Credit transfer recorded"),
    "transfer.exempt": N_("Exemptions recorded"),
    "transfer.nonce": N_("Presentation nonce issued"),
    "registrar.check": N_("Presented files checked by the registrar"),
    "registrar.presentation_requested": N_("Presentation requested by the registrar"),
    "registrar.transfer_recorded": N_("Credit transfer recorded by the registrar"),
    "registrar.exempted": N_("Exemptions recorded by the registrar"),
    "registrar.uploads_cleared": N_("Presented files forgotten by the registrar"),
    "qualification.redeem": N_("Credits redeemed for a qualification"),
    "standard.draft": N_("Conversion standard drafted"),
    "standard.submit": N_("Conversion standard submitted"),
    "standard.effective_from": N_("Conversion standard takes effect"),
    "case.open": N_("Committee case opened"),
    "case.vote": N_("Committee vote cast"),
    "dispute.file": N_("Dispute filed"),
    "member.create": N_("Committee member added"),
    "panel.create": N_("Committee panel formed"),
    "console.password_ok": N_("Staff password accepted"),
    "console.password_failed": N_("Staff password refused"),
    "console.signed_in": N_("Staff signed in"),
    "console.enrolled": N_("Staff set up two-factor sign-in"),
    "console.totp_failed": N_("Staff two-factor code refused"),
    "console.signed_out": N_("Staff signed out"),
    "staff.api_token": N_("Staff signed in to the API"),
    "staff.api_totp_failed": N_("Staff two-factor code refused at API sign-in"),
    "console.refused.csrf_failed": N_("Form refused: its CSRF token is missing or wrong"),
    "console.refused.out_of_scope": N_("Refused: outside the staff member's scope"),
    "console.refused.conflict_of_interest": N_("Vote refused: conflict of interest"),
    "console.refused.standard_contradiction": N_(
        "Standard draft refused: its rules contradict each other"
    ),
    "case.refused.conflict_of_interest": N_("Vote refused: conflict of interest"),
    "standard.refused.standard_contradiction": N_(
        "Standard draft refused: its rules contradict each other"
    ),
    "review.refused.out_of_scope": N_("Review refused: outside the reviewer's centre"),
    "signin.locked": N_("Sign-in locked after failures"),
    "learner.id_searched": N_("Learner searched by full national ID"),
    "trust_bundle.exported": N_("Trust bundle downloaded"),
    "learner.refused.sign_in": N_("Learner sign-in refused"),
    "learner.refused.password_change": N_("Learner's password change refused"),
    "learner.refused.password_reset": N_("Learner's password reset refused"),
    "learner.refused.dispute": N_("Learner's dispute refused"),
    "learner.refused.redeem": N_("Learner's redemption refused"),
    "learner.refused.certificate": N_("Learner's certificate download refused"),
    "learner.refused.issue_certificate": N_("Learner's certificate request refused"),
    "learner.refused.recognition": N_("Learner's recognition application refused"),
    "learner.refused.material": N_("Learner's added material refused"),
    "learner.refused.transfer_application": N_("Learner's transfer application refused"),
    "learner.refused.withdraw": N_("Learner's withdrawal of an application refused"),
    "learner.refused.wallet_offer": N_("Learner's wallet offer refused"),
}
#: Words for an action by its family, when the exact action has none.
FAMILIES: Final[Mapping[str, str]] = {
    # Refusals first: "case.refused.…" is a refused vote, not a decided case.
    "import_job.refused.": N_("CSV upload refused"),
    "case.refused.": N_("Committee vote refused"),
    "standard.refused.": N_("Conversion standard change refused"),
    "review.refused.": N_("Review decision refused"),
    "case.": N_("Committee case decided"),
    "dispute.": N_("Dispute decided"),
    "standard.": N_("Conversion standard changed"),
    "console.refused.": N_("Console request refused"),
    "learner.refused.": N_("Learner's attempt refused"),
}
#: Why an attempt was refused, for the reasons that are a page's own check and no error
#: of :mod:`issuer.core.errors` (whose titles name the others).
REASONS: Final[Mapping[str, str]] = {
    "none_chosen": N_("No entry chosen"),
    "too_many": N_("Too many entries chosen"),
}


def action_words(action: str, gettext: Callable[[str], str]) -> str:
    """The action in the reader's words, or its code when it has none."""
    if action in ACTIONS:
        return gettext(ACTIONS[action])
    for family, words in FAMILIES.items():
        if action.startswith(family):
            return gettext(words)
    return action


def actor_words(actor: str, staff_names: Mapping[str, str], gettext: Callable[[str], str]) -> str:
    """Who acted: a staff member's name, the operator's token, or the actor's code."""
    if actor in staff_names:
        return staff_names[actor]
    if actor == "admin":
        return gettext("Operator (API token)")
    if actor == "anonymous":
        return gettext("Not signed in")
    if actor.startswith("learner:") and actor[8:].isdigit():
        return gettext("Learner no. %(number)s") % {"number": actor[8:]}
    return actor


def _titles(root: type[CreditBankError]) -> dict[str, str]:
    found = {root.code: root.title}
    for child in root.__subclasses__():
        found.update(_titles(child))
    return found


def reason_words(action: str, reason: str | None, gettext: Callable[[str], str]) -> str | None:
    """A refusal's reason (an error code) in the reader's words; other reasons as written."""
    if reason is None or not action.startswith(("learner.refused.", "console.refused.")):
        return reason
    title = REASONS.get(reason) or _titles(CreditBankError).get(reason)
    return gettext(title) if title else reason
