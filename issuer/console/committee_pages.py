"""The committee workspace in the console: a member's cases, their evidence, the vote.

Signed in with a staff account of role ``committee`` (linked to a committee member,
:func:`issuer.committee.workspace.member_of`), a member sees the cases of their panels
with deadlines and conflict-of-interest flags, opens one to read its evidence and votes
with a reason. The vote goes through :func:`issuer.committee.reviews.vote` — the API's
function — so the outcome (a standard taking effect, a recognition deposited, a dispute
settled) is carried out the same way. A vote despite a conflict of interest is refused
(``conflict_of_interest``) and the attempt is audited by the console's refusal page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from issuer.api.deps import SessionDep
from issuer.committee import panels, reviews, workspace
from issuer.console.auth import CurrentStaff, StaffFormDep, require_staff
from issuer.console.render import ConsoleRoute, page
from issuer.core import labels
from issuer.core.errors import InvalidRequest
from issuer.core.i18n import N_
from issuer.models import utcnow
from issuer.models.committee import VoteCreate
from issuer.models.input import RowId
from issuer.portal.pages import translate

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

MemberDep = Annotated[CurrentStaff, Depends(require_staff("committee"))]
KIND_NAMES = {
    "standard": N_("Standard approval"),
    "review": N_("Quality review"),
    "dispute": N_("Dispute"),
}
CHOICE_NAMES = {
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "upheld": N_("Uphold the decision"),
    "modified": N_("Change the credits"),
    "rejected": N_("Reject the dispute"),
}
DoneQuery = Annotated[str, Query(max_length=16)]


def _words(request: Request) -> dict[str, Any]:
    def word(table: dict[str, str], value: str) -> str:
        return translate(request, table.get(value) or value)

    return {
        "kind_word": lambda v: word(KIND_NAMES, v),
        "choice_word": lambda v: word(CHOICE_NAMES, v),
        "status_word": lambda v: word(labels.CASE_STATUSES, v),
        "achievement_word": lambda v: word(labels.ACHIEVEMENT_KINDS, v),
    }


@router.get("/committee")
def committee_home(
    request: Request, session: SessionDep, current: MemberDep, done: DoneQuery = ""
) -> HTMLResponse:
    member = workspace.member_of(session, current.staff)
    cases = workspace.my_cases(session, member, today=utcnow().date())
    return page(
        request,
        "committee_cases.html",
        staff=current,
        csrf=current.csrf,
        member=member,
        cases=cases,
        now=utcnow(),
        notice=translate(request, N_("Your vote was recorded.")) if done == "voted" else "",
        **_words(request),
    )


@router.get("/committee/cases/{case_id}")
def committee_case(
    request: Request, session: SessionDep, current: MemberDep, case_id: RowId
) -> HTMLResponse:
    member = workspace.member_of(session, current.staff)
    view = workspace.case_view(session, member, case_id, today=utcnow().date())
    return page(
        request,
        "committee_case.html",
        staff=current,
        csrf=current.csrf,
        member=member,
        view=view,
        choices=panels.CHOICES[view.case.kind],
        now=utcnow(),
        **_words(request),
    )


def _vote_of(form: dict[str, str]) -> VoteCreate:
    comment = form.get("comment", "").strip()
    if not comment:
        raise InvalidRequest("a reason is required with every vote")
    amount = form.get("half_credits", "").strip()
    try:
        return VoteCreate.model_validate(
            {
                "choice": form.get("choice", ""),
                "comment": comment,
                "half_credits": int(amount) if amount.isdigit() and len(amount) < 6 else None,
            }
        )
    except ValidationError as exc:
        raise InvalidRequest("the vote is not valid") from exc


@router.post("/committee/cases/{case_id}/vote")
def committee_vote(
    session: SessionDep, current: MemberDep, form: StaffFormDep, case_id: RowId
) -> RedirectResponse:
    member = workspace.member_of(session, current.staff)
    workspace.case_view(session, member, case_id, today=utcnow().date())  # scope first
    reviews.vote(session, case_id, member, _vote_of(form))
    return RedirectResponse(
        f"/console/committee/cases/{case_id}?done=voted", status_code=status.HTTP_303_SEE_OTHER
    )
