"""Factories of the staff tests: organisation units, staff accounts, console sign-in."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.core.settings import Settings
from issuer.models import OrgUnitCreate, StaffCreate, StaffRole
from issuer.staff import accounts, org_units

_serial = itertools.count(1)
PASSWORD = "staff test password"


def serial() -> int:
    return next(_serial)


def make_unit(engine: Engine, level: str, parent_id: int | None, name: str = "测试") -> int:
    """A new unit (a province centre only once per database: reuse it then)."""
    with Session(engine) as session:
        if level == "province":
            existing = [u for _, u in org_units.tree(session) if u.level == "province"]
            if existing and existing[0].id is not None:
                return existing[0].id
        n = serial()
        unit = org_units.create_unit(
            session,
            OrgUnitCreate(
                code=f"T{n}-{level[:2].upper()}",
                name_zh=f"{name}{n}",
                name_en=f"Test unit {n}",
                level=level,  # type: ignore[arg-type]
                parent_id=parent_id,
            ),
            actor="test",
        )
        session.commit()
        assert unit.id is not None
        return unit.id


@dataclass
class StaffMember:
    id: int
    login: str
    password: str
    secret: str | None

    def code(self, offset: int = 0) -> str:
        assert self.secret is not None
        return pyotp.TOTP(self.secret).at(__import__("time").time(), counter_offset=offset)


def make_staff(
    engine: Engine,
    settings: Settings,
    role: StaffRole,
    *,
    centre_id: int | None = None,
    institution_id: int | None = None,
    enrolled: bool = True,
) -> StaffMember:
    """A staff account with a known password and (when ``enrolled``) a known TOTP secret."""
    login = f"{role.replace('_', '-')}-{serial()}"
    secret = pyotp.random_base32() if enrolled else None
    with Session(engine) as session:
        created = accounts.create_staff(
            session,
            StaffCreate(
                login=login,
                name=f"测试{login}",
                role=role,
                centre_id=centre_id,
                institution_id=institution_id,
            ),
            actor="test",
            password=PASSWORD,
            settings=settings,
            totp_secret=secret,
        )
        session.commit()
    return StaffMember(created.id, login, PASSWORD, secret)


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def password_step(client: TestClient, member: StaffMember, password: str | None = None) -> object:
    page = client.get("/console/sign-in")
    return client.post(
        "/console/sign-in",
        data={
            "csrf": csrf_of(page.text),
            "login": member.login,
            "password": password or member.password,
        },
        follow_redirects=False,
    )


def sign_in(client: TestClient, member: StaffMember) -> None:
    """Password then TOTP code, through the pages; the client holds the session cookie."""
    first = password_step(client, member)
    assert first.status_code == 303, first.text  # type: ignore[attr-defined]
    page = client.get("/console/sign-in/code")
    done = client.post(
        "/console/sign-in/code",
        data={"csrf": csrf_of(page.text), "code": member.code()},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/console", done.text


def api_token(client: TestClient, member: StaffMember, *, offset: int = 0) -> dict[str, str]:
    """A staff token from ``POST /auth/staff-token``, as request headers."""
    response = client.post(
        "/auth/staff-token",
        json={"login": member.login, "password": member.password, "code": member.code(offset)},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def school_in(
    client: TestClient, admin: dict[str, str], centre_id: int, kind: str = "vocational_school"
) -> dict[str, Any]:
    """An institution attached to ``centre_id``, with its API key's headers."""
    n = serial()
    response = client.post(
        "/institutions",
        json={
            "code": f"SC{n}",
            "name_zh": f"测试学院{n}",
            "name_en": f"Test College {n}",
            "kind": kind,
            "centre_id": centre_id,
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    body["headers"] = {"Authorization": f"Bearer {body['api_key']}"}
    return body


def held_vocational_cert(
    client: TestClient, inst: dict[str, Any], learner_id: int
) -> dict[str, Any]:
    """A vocational certificate of ``learner_id`` that the engine holds for review."""
    n = serial()
    response = client.post(
        f"/learners/{learner_id}/achievements",
        json={
            "kind": "vocational_cert",
            "occupation_name": "工业机器人系统运维员",
            "occupation_code": "6-31-01-10",
            "level": "一级",
            "certificate_number": f"RQAPI{n}",
            "certifying_body": "郑州市职业技能鉴定中心",
            "completed_on": "2025-05-10",
        },
        headers=inst["headers"],
    )
    assert response.status_code == 201, response.text
    recognition: dict[str, Any] = response.json()["recognition"]
    assert recognition["status"] == "pending_review"
    return recognition
