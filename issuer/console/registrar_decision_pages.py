"""The registrar's decision of one application, downloaded as CSV and as a PDF.

Both are the report over the bank's own copies of the application's credentials with the
decision per entry (recorded / accepted but not recorded / refused and why), built by
:mod:`issuer.console.registrar_decision`.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from fastapi.responses import Response

from issuer.api.csv_export import csv_response
from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.bank import applications, consent, transfer_policies
from issuer.console import registrar_check, registrar_decision
from issuer.console.auth import CurrentStaff
from issuer.console.registrar_pages import RegistrarDep, application_of, institution_of
from issuer.console.render import ConsoleRoute
from issuer.core.errors import ConsentRequired, ConsentUsed
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
) -> tuple[TransferApplicationPublic, registrar_check.Review, list[Sequence[object]]]:
    institution = institution_of(session, current)
    row = application_of(session, institution, application_id)
    public = applications.public(session, row)
    moment = utcnow()
    try:
        given: consent.Consent | None = consent.application_consent(
            session, institution, application_id, moment
        )
    except (ConsentUsed, ConsentRequired):
        given = registrar_check.coverage(session, application_id)
    presented: list[registrar_check.Item] = [
        (label, text, None, None)
        for label, text in registrar_check.bank_copies(session, application_id, settings)
    ]
    policy = transfer_policies.policy_of(session, settings, institution)
    report = registrar_check.review(session, keystore, settings, policy, given, presented, moment)
    recorded = registrar_decision.recorded_items(session, public.transfer_id)
    rows = registrar_decision.decision_rows(report, recorded, public.state != "submitted")
    return public, report, rows


@router.get("/applications/{application_id}/decision.csv")
def decision_csv(
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    current: RegistrarDep,
    application_id: RowId,
) -> Response:
    """The report and the decision per entry as CSV (UTF-8 with BOM)."""
    _, _, rows = _decision_of(session, settings, keystore, current, application_id)
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
    public, report, rows = _decision_of(session, settings, keystore, current, application_id)
    font = font_name(settings.certificate_font)
    return Response(
        registrar_decision.pdf_bytes(font, public, report, rows),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="transfer-decision-{application_id}.pdf"'
        },
    )
