"""Downloads for learners: the PDF certificate of a credential."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.principals import PrincipalDep
from issuer.core import i18n
from issuer.core.errors import Forbidden
from issuer.credentials import certificate, issuance

router = APIRouter(tags=["certificates"])


@router.get(
    "/credentials/{jti}/certificate.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF certificate."}},
)
def certificate_pdf(
    jti: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """The bilingual PDF certificate of a ``cbqr`` credential, with its QR code.

    For the operator, and for the learner the credential was issued to (403 ``forbidden``
    for anyone else). A credential of another format is 422 ``not_recognised``. In
    Chinese (with English beneath) unless ``Accept-Language`` asks for English. A revoked,
    suspended or expired credential has no certificate (409 ``credential_revoked``,
    ``credential_suspended``, ``credential_expired``); 500
    ``certificate_font_missing`` when the server lacks the font it embeds.
    """
    credential = issuance.get_credential(session, jti)
    own = principal.learner is not None and principal.learner.id == credential.learner_id
    if principal.role != "admin" and not own:
        raise Forbidden("a learner downloads only their own certificates")
    locale = i18n.negotiate(request.headers.get("accept-language"))
    _, pdf = certificate.certificate_for(session, settings, jti, locale)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{jti}.pdf"'},
    )
