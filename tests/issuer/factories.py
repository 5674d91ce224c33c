"""Small factories and assertions shared by the issuer tests."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from issuer.bank import ledger
from issuer.core.national_id import check_digit
from issuer.models import Redemption, RedemptionItem

_serial = itertools.count(1)


def new_national_id() -> str:
    """A valid resident ID never used before in this test session."""
    n = next(_serial)
    born = date(1970, 1, 1) + timedelta(days=n // 1000)
    first17 = f"410105{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_digit(first17)


def new_code(prefix: str = "I") -> str:
    return f"{prefix}{next(_serial)}"


def create_institution(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    code = new_code("U")
    response = client.post(
        "/institutions",
        json={
            "code": code,
            "name_zh": f"测试大学{code}",
            "name_en": f"Test University {code}",
            "kind": "university",
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    body["headers"] = {"Authorization": f"Bearer {body['api_key']}"}
    return body


def create_learner(
    client: TestClient, headers: dict[str, str], name: str = "张三"
) -> dict[str, Any]:
    response = client.post(
        "/learners", json={"name": name, "national_id": new_national_id()}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def course(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "机械制图基础",
        "course_type": "theory",
        "hours": 32,
        "domain": "AM",
        "completed_on": "2024-06-30",
        "grade": "优秀",
    }
    body.update(overrides)
    return body


def row_counts(engine: Engine, *, trail: bool = False) -> dict[str, int]:
    """Rows per table, to show that a failed request wrote nothing.

    The audit trail is left out unless ``trail``: a refused attempt leaves its own audit
    event by design (``learner.refused.*``, ``console.refused.*``), which the tests of
    those events count themselves.
    """
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
            if trail or table.name != "audit_event"
        }


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert a problem+json response with ``status`` and ``code``; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"urn:creditbank:problem:{code}"
    assert {"title", "detail", "instance"} <= body.keys()
    return body


def redeem_unit(engine: Engine, learner_id: int, achievement_id: int) -> None:
    """Count an achievement toward a (test) qualification, straight in the database."""
    with Session(engine) as session:
        redemption = Redemption(
            learner_id=learner_id, pathway_id="TEST", half_credits=4, statement="x"
        )
        session.add(redemption)
        session.flush()
        assert redemption.id is not None
        session.add(
            RedemptionItem(redemption_id=redemption.id, unit=f"a:{achievement_id}", half_credits=4)
        )
        session.commit()


def append_to_deposit(
    engine: Engine, learner_id: int, deposit: dict[str, Any], half_credits: int, kind: str
) -> None:
    """Append a ledger entry (reversal, adjustment) for a deposit's achievement."""
    with Session(engine) as session:
        ledger.append(
            session,
            learner_id=learner_id,
            kind=kind,
            half_credits=half_credits,
            domain=deposit["domain"],
            standard=deposit["standard"],
            rule="TEST",
            explanation=kind,
            achievement_id=deposit["achievement_id"],
        )
        session.commit()


LEARNER_PASSWORD = "transfer consent pw"


def learner_headers(
    client: TestClient, admin: dict[str, str], learner: dict[str, Any]
) -> dict[str, str]:
    """The learner's bearer token headers (a password is set by the operator first, once)."""
    if "headers" not in learner:
        path = f"/learners/{learner['id']}/password"
        set_pw = client.put(path, json={"password": LEARNER_PASSWORD}, headers=admin)
        assert set_pw.status_code == 204, set_pw.text
        body = {"learner_id": learner["id"], "password": LEARNER_PASSWORD}
        token = client.post("/auth/token", json=body)
        assert token.status_code == 200, token.text
        learner["headers"] = {"Authorization": f"Bearer {token.json()['access_token']}"}
    headers: dict[str, str] = learner["headers"]
    return headers


def apply_for_transfer(
    client: TestClient,
    admin: dict[str, str],
    learner: dict[str, Any],
    university: dict[str, Any],
    items: list[dict[str, Any]],
    programme: str = "机械工程 专升本",
) -> dict[str, Any]:
    """The learner's transfer application to ``university`` for ``items`` (jti, position)."""
    response = client.post(
        f"/learners/{learner['id']}/transfer-applications",
        json={"institution": university["code"], "programme": programme, "items": items},
        headers=learner_headers(client, admin, learner),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def with_consent(
    client: TestClient,
    admin: dict[str, str],
    learner: dict[str, Any],
    university: dict[str, Any],
    body: dict[str, Any],
) -> dict[str, Any]:
    """``body`` of POST /transfers with an application for exactly its items."""
    items = [{"jti": i["jti"], "position": i.get("position")} for i in body["items"]]
    application = apply_for_transfer(client, admin, learner, university, items)
    return {**body, "application_id": application["id"]}
