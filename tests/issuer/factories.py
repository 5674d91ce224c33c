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


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, to show that a failed request wrote nothing."""
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
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
