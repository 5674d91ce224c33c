"""The registrar's decision of one application, downloaded as CSV and as a PDF.

Both list every item of the decision — from the bank's copies or from the files and
presentations the registrar uploaded — with its source and the decision per item
(recorded / accepted but not recorded / refused and why), built by
:mod:`issuer.console.registrar_decision`: the decision as recorded, or before that the
check the application's page shows the member now.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from issuer.api.csv_export import csv_response
from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.bank import applications
from issuer.console import registrar_decision
from issuer.console.auth import CurrentStaff
from issuer.console.registrar_pages import (
    RegistrarDep,
    application_of,
    check_of,
    institution_of,
)
from issuer.console.render import ConsoleRoute
from issuer.credentials.certificate_font import font_name
from issuer.models import TransferApplicationPublic, utcnow
from issuer.models.input import RowId

__all__ = ["router"]

router = APIRouter(prefix="/console/registrar", include_in_schema=False, route_class=ConsoleRoute)


def _decision_of(
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    current: CurrentStaff,
    application_id: int,
) -> tuple[TransferApplicationPublic, registrar_decision.Decision]:
    institution = institution_of(session, current)
    row = application_of(session, institution, application_id)
    public = applications.public(session, row)
    _, checked = check_of(session, settings, keystore, current, institution, row, utcnow())
    return public, registrar_decision.decision_of(session, public, checked.review)


@router.get("/applications/{application_id}/decision.csv")
def decision_csv(
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    current: RegistrarDep,
    application_id: RowId,
) -> Response:
    """The report and the decision per entry as CSV (UTF-8 with BOM)."""
    _, decision = _decision_of(session, settings, keystore, current, application_id)
    rows = registrar_decision.table(decision)
    return csv_response(f"transfer-decision-{application_id}.csv", registrar_decision.HEADER, rows)


@router.get("/applications/{application_id}/decision.pdf")
def decision_pdf(
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    current: RegistrarDep,
    application_id: RowId,
) -> Response:
    """The report and the decision per entry as a bilingual PDF."""
    public, decision = _decision_of(session, settings, keystore, current, application_id)
    font = font_name(settings.certificate_font)
    return Response(
        registrar_decision.pdf_bytes(font, public, decision),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="transfer-decision-{application_id}.pdf"'
        },
    )
