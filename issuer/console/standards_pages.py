"""The operator's standards editor: draft, edit rules in a form, diff, preview, submit, date.

A new version is drafted from the one in force (``standards.draft_from``); its rules are
edited one row at a time in a form (``standards.update_draft`` validates the whole
document; two rules matching the same achievements are ``standard_contradiction`` and
nothing is saved); the page shows the diff against the version in force
(``standard_review.diff``) and what the draft would grant on sample achievements built from
its own rules (``standard_review.preview``); the operator sets the effective date and
submits it to the standards panel (``reviews.open_standard_case``). The committee's vote
then makes it effective on that date (:mod:`issuer.console.committee_pages`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from issuer.api.deps import SessionDep
from issuer.committee import reviews
from issuer.console.auth import CurrentStaff, OperatorDep, StaffFormDep
from issuer.console.render import ConsoleRoute, page
from issuer.conversion import standard_review, standards
from issuer.conversion.evidence import AchievementCreate, achievement_adapter
from issuer.conversion.standard_document import RuleMethod, contradiction
from issuer.core import audit
from issuer.core.errors import InvalidRequest
from issuer.core.i18n import N_
from issuer.models import ConversionStandard, utcnow
from issuer.models.input import PositiveInt4
from issuer.portal.pages import translate

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

KINDS = (
    "course",
    "vocational_cert",
    "one_plus_x",
    "training",
    "work_experience",
    "award",
    "online_course",
)
METHODS: tuple[RuleMethod, ...] = ("fixed", "per_hours", "per_months", "by_level")
STATUS_NAMES = {
    "draft": N_("Draft"),
    "under_review": N_("Before the committee"),
    "approved": N_("Approved, not yet in force"),
    "effective": N_("In force"),
    "superseded": N_("Superseded"),
}
_NUMBERS = ("half_credits", "hours_per_credit", "months_per_credit", "max_half_credits")


def _go(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


def _record(session: Session, current: CurrentStaff, action: str, row: ConversionStandard) -> None:
    ref = f"{row.standard_id}@{row.version}"
    audit.record(
        session,
        actor=current.actor,
        action=action,
        subject=f"standard:{ref}",
        payload={"ref": ref, "document": row.document},
        summary=f"standard {ref}: {row.status}",
        details={"status": row.status},
    )


def _pairs(text: str) -> dict[str, str | int | bool]:
    """``a=1; b=x`` as a dict (numbers and true/false typed)."""
    out: dict[str, str | int | bool] = {}
    for part in text.replace("；", ";").split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise InvalidRequest(f"not a field=value pair: {part.strip()[:40]}")
        value = value.strip()
        typed: str | int | bool = value
        if value.isdigit() and len(value) < 7:
            typed = int(value)
        elif value in ("true", "false"):
            typed = value == "true"
        out[key.strip()] = typed
    return out


def show_pairs(values: dict[str, Any] | None) -> str:
    """The inverse of :func:`_pairs`, for the form's inputs."""
    if not values:
        return ""
    return "; ".join(
        f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in values.items()
    )


def _number(text: str, name: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 6:
        raise InvalidRequest(f"{name} must be a whole number")
    return int(text)


def _rule_of(form: dict[str, str]) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": form.get("id", "").strip(),
        "kind": form.get("kind", ""),
        "label_zh": form.get("label_zh", "").strip(),
        "label_en": form.get("label_en", "").strip(),
        "match": _pairs(form.get("match", "")),
        "method": form.get("method", ""),
    }
    for name in _NUMBERS:
        rule[name] = _number(form.get(name, ""), name)
    levels = _pairs(form.get("levels", ""))
    if levels and not all(isinstance(v, int) and not isinstance(v, bool) for v in levels.values()):
        raise InvalidRequest("levels are level=half-credits pairs")
    rule["levels"] = levels or None
    return {k: v for k, v in rule.items() if v is not None}


def _samples(row: ConversionStandard, on: date) -> list[AchievementCreate]:
    """Sample achievements from the draft's own certificate rules: one per level."""
    samples: list[AchievementCreate] = []
    for rule in standards.document_as_stored(row).rules:
        occupation = rule.match.get("occupation_name")
        if rule.kind != "vocational_cert" or not isinstance(occupation, str):
            continue
        for level in rule.levels or {"四级": 0}:
            try:
                samples.append(
                    achievement_adapter.validate_python(
                        {
                            "kind": "vocational_cert",
                            "occupation_name": occupation,
                            # Evidence the rules may also match on; a sample's own otherwise.
                            "occupation_code": str(rule.match.get("occupation_code", "0-00-00-00")),
                            "level": level,
                            "certificate_number": f"PREVIEW-{len(samples) + 1}",
                            "certifying_body": "PREVIEW",
                            "completed_on": on.isoformat(),
                        }
                    )
                )
            except ValidationError:
                continue
    return samples[:50]


def _version_page(
    request: Request,
    session: Session,
    current: CurrentStaff,
    sid: str,
    version: PositiveInt4,
    edit: int,
) -> HTMLResponse:
    row = standards.get_version(session, sid, version)
    today = utcnow().date()
    on = row.effective_from if row.effective_from and row.effective_from > today else today
    samples = _samples(row, on)
    preview = standard_review.preview(session, sid, version, samples, on=on) if samples else []
    doc = standards.document_as_stored(row)
    return page(
        request,
        "standard_version.html",
        staff=current,
        csrf=current.csrf,
        row=row,
        doc=doc,
        clash=contradiction(doc.rules),
        diff=standard_review.diff(session, sid, version, against=None, today=today),
        preview=list(zip(samples, preview, strict=True)),
        preview_on=on,
        edit=edit,
        kinds=KINDS,
        methods=METHODS,
        pairs=show_pairs,
        status_word=lambda v: translate(request, STATUS_NAMES.get(v) or v),
    )


@router.get("/standards")
def standards_list(request: Request, session: SessionDep, current: OperatorDep) -> HTMLResponse:
    return page(
        request,
        "standards_list.html",
        staff=current,
        csrf=current.csrf,
        rows=standards.list_standards(session),
        status_word=lambda v: translate(request, STATUS_NAMES.get(v) or v),
    )


@router.post("/standards/{standard_id}/versions/{version}/draft")
def draft(
    session: SessionDep,
    current: OperatorDep,
    form: StaffFormDep,
    standard_id: str,
    version: PositiveInt4,
) -> RedirectResponse:
    row = standards.draft_from(session, standard_id[:32], version, {})
    _record(session, current, "standard.draft", row)
    return _go(f"/console/standards/{row.standard_id}/versions/{row.version}")


@router.get("/standards/{standard_id}/versions/{version}")
def version_page(
    request: Request,
    session: SessionDep,
    current: OperatorDep,
    standard_id: str,
    version: PositiveInt4,
    edit: Annotated[int, Query(ge=-1, le=500)] = -1,
) -> HTMLResponse:
    return _version_page(request, session, current, standard_id[:32], version, edit)


@router.post("/standards/{standard_id}/versions/{version}/rules")
def save_rule(
    session: SessionDep,
    current: OperatorDep,
    form: StaffFormDep,
    standard_id: str,
    version: PositiveInt4,
) -> RedirectResponse:
    row = standards.get_version(session, standard_id[:32], version)
    rules = list(row.document.get("rules", []))
    index = _number(form.get("index", ""), "index")
    action = form.get("action", "save")
    if index is not None and index >= len(rules):
        raise InvalidRequest("no such rule")
    if action == "remove" and index is not None:
        rules.pop(index)
    elif index is not None:
        rules[index] = _rule_of(form)
    else:
        rules.append(_rule_of(form))
    updated = standards.update_draft(session, row.standard_id, version, {"rules": rules})
    _record(session, current, "standard.edit", updated)
    return _go(f"/console/standards/{row.standard_id}/versions/{version}#rules")


@router.post("/standards/{standard_id}/versions/{version}/effective-from")
def effective_from(
    session: SessionDep,
    current: OperatorDep,
    form: StaffFormDep,
    standard_id: str,
    version: PositiveInt4,
) -> RedirectResponse:
    try:
        on = date.fromisoformat(form.get("effective_from", "").strip())
    except ValueError as exc:
        raise InvalidRequest("the effective date is not a date (YYYY-MM-DD)") from exc
    if not date(1900, 1, 1) <= on <= date(2100, 12, 31):
        raise InvalidRequest("the effective date is out of range")
    row = standards.set_effective_date(session, standard_id[:32], version, on=on)
    _record(session, current, "standard.effective_from", row)
    return _go(f"/console/standards/{row.standard_id}/versions/{version}")


@router.post("/standards/{standard_id}/versions/{version}/submit")
def submit(
    session: SessionDep,
    current: OperatorDep,
    form: StaffFormDep,
    standard_id: str,
    version: PositiveInt4,
) -> RedirectResponse:
    reviews.open_standard_case(
        session, standard_id[:32], version, panel_id=None, actor=current.actor
    )
    return _go(f"/console/standards/{standard_id[:32]}/versions/{version}")
