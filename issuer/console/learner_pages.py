"""The operator's learner pages: search, and one learner's account.

A search by name or masked ID is a GET form; a search by the full national ID is a POST
form with the session's CSRF token, so the number never appears in a URL, a log line or
the browser's history. It is turned into its keyed HMAC at once
(:func:`issuer.bank.directory.id_digest`) and never written back into the page. Such a
search is audited (``learner.id_searched``, without the number).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from issuer.api.deps import SessionDep, SettingsDep
from issuer.bank import accounts, directory, ledger
from issuer.console.auth import CurrentStaff, OperatorDep, StaffFormDep
from issuer.console.render import ConsoleRoute, page
from issuer.core import audit, labels
from issuer.core.errors import InvalidNationalId
from issuer.credentials.listings import CredentialQuery, find_credentials
from issuer.models import LearnerListItem
from issuer.models.input import RowId
from issuer.portal.pages import locale_of

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

PAGE_SIZE = 50
ENTRIES_PAGE = 50
Text = Annotated[str, Query(max_length=64)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _results(
    request: Request,
    current: CurrentStaff,
    items: list[LearnerListItem],
    total: int,
    **context: Any,
) -> HTMLResponse:
    return page(
        request,
        "learners.html",
        staff=current,
        csrf=current.csrf,
        learners=items,
        total=total,
        page_size=PAGE_SIZE,
        **context,
    )


@router.get("/learners")
def learners(
    request: Request,
    session: SessionDep,
    current: OperatorDep,
    name: Text = "",
    masked: Text = "",
    offset: Offset = 0,
) -> HTMLResponse:
    """Learners whose name or masked ID contains what was typed (all without a filter)."""
    query = directory.LearnerQuery(name=name.strip() or None, masked_id=masked.strip() or None)
    items, total = directory.find_learners(session, query, limit=PAGE_SIZE, offset=offset)
    return _results(
        request, current, items, total, name=name, masked=masked, offset=offset, by_id=False
    )


@router.post("/learners/search")
def search_by_id(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    current: OperatorDep,
    form: StaffFormDep,
) -> HTMLResponse:
    """Learners with this full national ID (one at most): compared by its keyed HMAC."""
    try:
        digest = directory.id_digest(settings, form.get("national_id", ""))
    except InvalidNationalId:
        return _results(
            request,
            current,
            [],
            0,
            name="",
            masked="",
            offset=0,
            by_id=True,
            id_error=True,
            status_code=422,
        )
    items, total = directory.find_learners(
        session, directory.LearnerQuery(id_hmac=digest), limit=PAGE_SIZE, offset=0
    )
    audit.record(
        session,
        actor=current.actor,
        action="learner.id_searched",
        subject=f"learner:{items[0].id}" if items else "learner:none",
        payload={"matches": total},
        summary=f"search by full national ID: {total} found",
    )
    return _results(request, current, items, total, name="", masked="", offset=0, by_id=True)


@router.get("/learners/{learner_id}")
def learner_account(
    request: Request,
    session: SessionDep,
    current: OperatorDep,
    learner_id: RowId,
    after: Offset = 0,
) -> HTMLResponse:
    """One learner's account: balances, one page of entries, credentials with status."""
    view = accounts.account_view(
        session, learner_id, ledger.EntryQuery(limit=ENTRIES_PAGE, after=after)
    )
    credentials, credential_total = find_credentials(
        session, CredentialQuery(learner_id=learner_id), limit=100, offset=0
    )
    return page(
        request,
        "learner.html",
        staff=current,
        csrf=current.csrf,
        account=view,
        credentials=credentials,
        credential_total=credential_total,
        after=after,
        domains=labels.DOMAINS,
        entry_kinds=labels.ENTRY_KINDS,
        statuses=labels.CREDENTIAL_STATUSES,
        formats=labels.CREDENTIAL_FORMATS,
        # Explanations are stored in both languages ("<zh>\n<en>"): show the reader's.
        in_language=lambda text: labels.in_language(text, locale_of(request)),
    )
