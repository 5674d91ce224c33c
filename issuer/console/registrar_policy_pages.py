"""The university's transfer policy: a form of the TOML's fields, versions, TOML export.

Each save is a new version (:mod:`issuer.bank.transfer_policies`); the check of the
registrar's applications uses the current one. "Export TOML" downloads the current
version as the file ``creditbank-verify transfer --policy`` reads (the default policy
when none was saved).
"""

from __future__ import annotations

import tomllib
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from issuer.api.deps import SessionDep, SettingsDep
from issuer.bank import transfer_policies
from issuer.console.auth import StaffFormDep
from issuer.console.registrar_pages import RegistrarDep, institution_of
from issuer.console.render import HEADERS, ConsoleRoute, page
from issuer.core.errors import CreditBankError, InvalidRequest
from issuer.core.i18n import N_
from issuer.models import TransferPolicyVersion
from issuer.portal.pages import translate

__all__ = ["router"]

router = APIRouter(prefix="/console/registrar", include_in_schema=False, route_class=ConsoleRoute)
_LISTS = ("issuers", "domains", "standards", "kinds")


def _words(value: str) -> list[str]:
    return [w for w in value.replace("，", ",").replace(",", " ").split() if w]


def _number(value: str, what: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidRequest(f"{what} is not a number: {value[:20]}") from None
    return int(number) if number.is_integer() else number


def document_of(form: dict[str, str]) -> dict[str, Any]:
    """The policy document (the TOML's keys) of the posted form."""
    doc: dict[str, Any] = {"version": 1, "name": form.get("name", "").strip()[:200]}
    for key in _LISTS:
        words = _words(form.get(key, ""))
        if words or key == "issuers":
            doc[key] = words
    age = _number(form.get("max_achievement_age_days", ""), "the maximum age")
    if age is not None:
        doc["max_achievement_age_days"] = age
    doc["require_holder_binding"] = form.get("require_holder_binding") == "on"
    limits: dict[str, Any] = {}
    total = _number(form.get("total_credits", ""), "the total limit")
    if total is not None:
        limits["total_credits"] = total
    by_domain: dict[str, Any] = {}
    for pair in _words(form.get("domain_limits", "")):
        domain, _, credits = pair.partition("=")
        limit = _number(credits, f"the limit of {domain}")
        if not domain or limit is None:
            raise InvalidRequest(f"write domain limits as AM=20: not {pair[:20]}")
        by_domain[domain] = limit
    if by_domain:
        limits["domains"] = by_domain
    if limits:
        doc["limits"] = limits
    return doc


def _fields(doc: dict[str, Any]) -> dict[str, str]:
    """The form's field values of a policy document."""
    limits = doc.get("limits", {})
    return {
        "name": str(doc.get("name", "")),
        **{key: ", ".join(doc.get(key, [])) for key in _LISTS},
        "max_achievement_age_days": str(doc.get("max_achievement_age_days", "")),
        "require_holder_binding": "on" if doc.get("require_holder_binding") else "",
        "total_credits": str(limits.get("total_credits", "")),
        "domain_limits": ", ".join(f"{k}={v:g}" for k, v in limits.get("domains", {}).items()),
    }


def _current_toml(session: SessionDep, settings: SettingsDep, current: Any) -> tuple[int, str]:
    return transfer_policies.current_toml(session, settings, institution_of(session, current))


def _form_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    current: Any,
    *,
    fields: dict[str, str] | None = None,
    error: CreditBankError | None = None,
    saved: bool = False,
) -> HTMLResponse:
    institution = institution_of(session, current)
    version, text = _current_toml(session, settings, current)
    versions = session.exec(
        select(TransferPolicyVersion)
        .where(col(TransferPolicyVersion.institution_id) == institution.id)
        .order_by(col(TransferPolicyVersion.version).desc())
        .limit(20)
    ).all()
    return page(
        request,
        "registrar_policy.html",
        status_code=422 if error is not None else 200,
        staff=current,
        csrf=current.csrf,
        institution=institution,
        version=version,
        fields=fields or _fields(tomllib.loads(text)),
        versions=versions,
        error=error,
        error_message=None if error is None else translate(request, _ERROR_WORDS[error.code]),
        saved=saved,
    )


_ERROR_WORDS = {
    "invalid_request": N_("The policy is not valid; see the detail below."),
    "contradictory_policy": N_("The policy contradicts itself; see the detail below."),
}


@router.get("/policy")
def policy_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    current: RegistrarDep,
    saved: int = 0,
) -> HTMLResponse:
    """The current policy in a form, and its versions."""
    return _form_page(request, session, settings, current, saved=saved == 1)


@router.post("/policy", response_model=None)
def save_policy(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    current: RegistrarDep,
    form: StaffFormDep,
) -> Response:
    """Save the form as the next version; a contradictory or invalid form is shown again."""
    institution = institution_of(session, current)
    try:
        transfer_policies.save(session, institution, document_of(form), actor=current.actor)
    except InvalidRequest as exc:  # ContradictoryPolicy too
        session.rollback()
        return _form_page(request, session, settings, current, fields=form, error=exc)
    return RedirectResponse("/console/registrar/policy?saved=1", status.HTTP_303_SEE_OTHER)


@router.get("/policy.toml")
def export_policy(session: SessionDep, settings: SettingsDep, current: RegistrarDep) -> Response:
    """The current version as the TOML ``creditbank-verify transfer --policy`` reads."""
    version, text = _current_toml(session, settings, current)
    return Response(
        text,
        media_type="application/toml; charset=utf-8",
        headers={
            **HEADERS,
            "Content-Disposition": f'attachment; filename="transfer-policy-v{version}.toml"',
        },
    )
