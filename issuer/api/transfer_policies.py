"""A university's transfer policy over the API: what the registrar's policy form does.

The calling university or college (its API key, or a registrar's staff token) reads its
current policy, saves the next version, lists the versions, and downloads the TOML that
``creditbank-verify transfer --policy`` reads (:mod:`issuer.bank.transfer_policies`:
checked as the CLI checks it, and for contradictions, ``contradictory_policy``).
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlmodel import col, func, select

from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import InstitutionDep, PrincipalDep
from issuer.bank import transfer_policies
from issuer.core.errors import Forbidden
from issuer.models import Institution, TransferPolicyVersion
from issuer.models.accounts import TRANSFER_KINDS
from issuer.models.input import RequestModel

router = APIRouter(tags=["transfers"])

_Names = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1)]


def _university(institution: InstitutionDep) -> Institution:
    if institution.kind not in TRANSFER_KINDS:
        raise Forbidden("transfer policies are for universities and colleges")
    return institution


UniversityDep = Annotated[Institution, Depends(_university)]


class PolicyLimits(RequestModel):
    total_credits: float | None = Field(default=None, ge=0, le=10_000)
    domains: dict[Annotated[str, Field(min_length=1, max_length=8)], float] | None = None


class PolicyDocument(RequestModel):
    """The policy, with the keys of the TOML file (docs/formats.md, transfer policy)."""

    version: Literal[1] = 1
    name: str = Field(default="", max_length=200)
    issuers: _Names
    domains: _Names | None = None
    standards: _Names | None = None
    kinds: _Names | None = None
    max_achievement_age_days: int | None = Field(default=None, ge=1, le=36_500)
    require_holder_binding: bool = False
    limits: PolicyLimits | None = None


class PolicyVersion(BaseModel):
    version: int = Field(description="0: the default policy, never saved.")
    created_at: datetime | None
    created_by: str | None


class PolicyPublic(PolicyVersion):
    document: dict[str, Any]
    toml: str


def _public(session: SessionDep, settings: SettingsDep, university: Institution) -> PolicyPublic:
    version, text = transfer_policies.current_toml(session, settings, university)
    assert university.id is not None
    row = transfer_policies.current(session, university.id)
    return PolicyPublic(
        version=version,
        created_at=row.created_at if row is not None else None,
        created_by=row.created_by if row is not None else None,
        document=tomllib.loads(text),
        toml=text,
    )


@router.get("/transfer-policy")
def get_policy(
    session: SessionDep, settings: SettingsDep, university: UniversityDep
) -> PolicyPublic:
    """The caller's current transfer policy (the default until one is saved)."""
    return _public(session, settings, university)


@router.put("/transfer-policy")
def save_policy(
    data: PolicyDocument,
    session: SessionDep,
    settings: SettingsDep,
    university: UniversityDep,
    caller: PrincipalDep,
) -> PolicyPublic:
    """Save the next version: checked as the CLI checks a policy file, and refused when its
    limits contradict each other (``contradictory_policy``). Audited."""
    document = data.model_dump(exclude_none=True)
    if data.limits is not None:
        document["limits"] = data.limits.model_dump(exclude_none=True)
    transfer_policies.save(session, university, document, actor=caller.actor)
    return _public(session, settings, university)


@router.get("/transfer-policy/versions")
def list_versions(
    session: SessionDep, page: PageDep, university: UniversityDep
) -> Page[PolicyVersion]:
    """The saved versions, newest first."""
    where = col(TransferPolicyVersion.institution_id) == university.id
    total = session.exec(select(func.count()).select_from(TransferPolicyVersion).where(where)).one()
    rows = session.exec(
        select(TransferPolicyVersion)
        .where(where)
        .order_by(col(TransferPolicyVersion.version).desc())
        .offset(page.offset)
        .limit(page.limit)
    )
    items = [PolicyVersion.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/transfer-policy.toml",
    response_class=Response,
    responses={200: {"content": {"application/toml": {}}}},
)
def export_policy(
    session: SessionDep, settings: SettingsDep, university: UniversityDep
) -> Response:
    """The current version as the TOML file ``creditbank-verify transfer --policy`` reads."""
    version, text = transfer_policies.current_toml(session, settings, university)
    return Response(
        text,
        media_type="application/toml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="transfer-policy-v{version}.toml"'},
    )
