"""A learner's own account: opened online, password changed, reset in person or by email."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.app import create_app
from issuer.bank import passwords
from issuer.bank.registration import PRIVACY_VERSION
from issuer.core.errors import ResetCodeInvalid
from issuer.core.national_id import check_digit
from issuer.core.settings import Settings
from issuer.models import AuditEvent, Learner, utcnow
from tests.issuer.factories import new_national_id, problem
from tests.issuer.mailbox import Inbox, smtp_server

pytestmark = pytest.mark.db

PASSWORD = "xuefen2026bank"
_addresses = itertools.count(1)


@pytest.fixture
def own(app: FastAPI) -> Iterator[TestClient]:
    """A client from an address of its own, so the per-address throttle starts at zero."""
    with TestClient(app, client=(f"10.9.0.{next(_addresses)}", 50000)) as client:
        yield client


def _form(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "李四",
        "national_id": new_national_id(),
        "mobile": "13812345678",
        "email": "lisi@example.test",
        "password": PASSWORD,
        "privacy_version": PRIVACY_VERSION,
    }
    body.update(overrides)
    return body


def _token(client: TestClient, learner_id: int, password: str) -> int:
    response = client.post("/auth/token", json={"learner_id": learner_id, "password": password})
    return response.status_code


def test_an_account_opened_online_signs_in_and_keeps_no_clear_id(
    own: TestClient, engine: Engine
) -> None:
    form = _form()
    response = own.post("/learners/register", json=form)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (
        body["national_id_masked"] == form["national_id"][:4] + "*" * 10 + form["national_id"][-4:]
    )
    assert _token(own, body["id"], PASSWORD) == 200
    with Session(engine) as session:
        row = session.get(Learner, body["id"])
        assert row is not None
        assert (row.mobile, row.email, row.privacy_version) == (
            "13812345678",
            "lisi@example.test",
            PRIVACY_VERSION,
        )
        assert row.privacy_accepted_at is not None
        assert form["national_id"] not in repr(row.model_dump())
        events = session.exec(
            select(AuditEvent).where(col(AuditEvent.subject) == f"learner:{body['id']}")
        ).all()
        assert [(e.actor, e.action) for e in events] == [
            ("learner:online", "learner.create"),
            (f"learner:{body['id']}", "learner.privacy_accepted"),
        ]


def test_a_second_account_for_the_same_id_names_only_the_masked_id(own: TestClient) -> None:
    form = _form()
    assert own.post("/learners/register", json=form).status_code == 201
    again = own.post("/learners/register", json={**form, "name": "王五"})
    body = problem(again, 409, "learner_exists")
    assert form["national_id"] not in again.text and "李四" not in again.text
    assert form["national_id"][-4:] in body["detail"]


def _future_id() -> str:
    first17 = "41010520991231123"
    return first17 + check_digit(first17)


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"password": "short1"}, 422, "weak_password"),
        ({"password": "onlyletterslong"}, 422, "weak_password"),
        ({"password": "password123"}, 422, "weak_password"),
        ({"privacy_version": "2019-01"}, 422, "privacy_not_accepted"),
        ({"national_id": _future_id()}, 422, "invalid_national_id"),
        ({"mobile": "12345"}, 422, "invalid_request"),
        ({"email": "not-an-address"}, 422, "invalid_request"),
    ],
)
def test_bad_account_forms_are_refused_and_store_nothing(
    own: TestClient, engine: Engine, overrides: dict[str, Any], status: int, code: str
) -> None:
    with Session(engine) as session:
        before = len(session.exec(select(Learner)).all())
    problem(own.post("/learners/register", json=_form(**overrides)), status, code)
    with Session(engine) as session:
        assert len(session.exec(select(Learner)).all()) == before


def test_a_password_with_the_date_of_birth_is_weak(own: TestClient) -> None:
    nid = new_national_id()
    body = problem(
        own.post("/learners/register", json=_form(national_id=nid, password=f"ab{nid[6:14]}")),
        422,
        "weak_password",
    )
    assert nid[6:14] not in body["detail"]


def _registered(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/learners/register", json=_form(**overrides))
    assert response.status_code == 201, response.text
    learner: dict[str, Any] = response.json()
    token = client.post("/auth/token", json={"learner_id": learner["id"], "password": PASSWORD})
    learner["headers"] = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return learner


def test_the_learner_changes_their_password_with_the_current_one(own: TestClient) -> None:
    learner = _registered(own)
    path = f"/learners/{learner['id']}/password-change"
    wrong = {"current_password": "not-it-123", "new_password": "anewpass2027"}
    problem(own.post(path, json=wrong, headers=learner["headers"]), 403, "wrong_password")
    weak = {"current_password": PASSWORD, "new_password": "short"}
    problem(own.post(path, json=weak, headers=learner["headers"]), 422, "weak_password")
    good = {"current_password": PASSWORD, "new_password": "anewpass2027"}
    assert own.post(path, json=good, headers=learner["headers"]).status_code == 204
    assert _token(own, learner["id"], PASSWORD) == 401
    assert _token(own, learner["id"], "anewpass2027") == 200
    other = _registered(own)
    problem(
        own.post(f"/learners/{other['id']}/password-change", json=good, headers=learner["headers"]),
        403,
        "forbidden",
    )


def test_an_in_person_code_resets_the_password_once(own: TestClient, admin: dict[str, str]) -> None:
    learner = _registered(own)
    issued = own.post(f"/learners/{learner['id']}/password-reset-codes", headers=admin)
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]
    assert re.fullmatch(r"\d{8}", code) and issued.json()["channel"] == "in_person"
    reset = {"learner_id": learner["id"], "code": code, "new_password": "reset2027pass"}
    wrong = {**reset, "code": "00000000" if code != "00000000" else "11111111"}
    problem(own.post("/password-resets", json=wrong), 422, "reset_code_invalid")
    problem(own.post("/password-resets", json={**reset, "new_password": "x"}), 422, "weak_password")
    assert own.post("/password-resets", json=reset).status_code == 204
    assert _token(own, learner["id"], "reset2027pass") == 200
    problem(own.post("/password-resets", json=reset), 422, "reset_code_invalid")
    problem(
        own.post(f"/learners/{learner['id']}/password-reset-codes", headers=learner["headers"]),
        403,
        "forbidden",
    )


def test_a_new_code_voids_the_old_one_and_codes_expire(
    own: TestClient, engine: Engine, settings: Settings
) -> None:
    learner = _registered(own)
    with Session(engine) as session:
        first = passwords.issue_code(
            session, settings, learner["id"], channel="in_person", actor="t"
        )
        second = passwords.issue_code(
            session, settings, learner["id"], channel="in_person", actor="t"
        )
        session.commit()
    with pytest.raises(ResetCodeInvalid):
        passwords.reset(engine, settings, learner["id"], first.code, "another2027x")
    later = utcnow() + timedelta(minutes=settings.reset_code_minutes + 1)
    with pytest.raises(ResetCodeInvalid):
        passwords.reset(engine, settings, learner["id"], second.code, "another2027x", now=later)
    passwords.reset(engine, settings, learner["id"], second.code, "another2027x")
    assert _token(own, learner["id"], "another2027x") == 200


def test_wrong_codes_are_throttled(own: TestClient, admin: dict[str, str]) -> None:
    learner = _registered(own)
    own.post(f"/learners/{learner['id']}/password-reset-codes", headers=admin)
    guess = {"learner_id": learner["id"], "code": "12345678", "new_password": "reset2027pass"}
    codes = [own.post("/password-resets", json=guess).json()["code"] for _ in range(7)]
    assert "too_many_attempts" in codes and codes[0] == "reset_code_invalid"


@pytest.fixture
def mailing(settings: Settings) -> Iterator[tuple[TestClient, Inbox]]:
    """The app with mail on, sending to a real SMTP server on 127.0.0.1."""
    with smtp_server() as inbox:
        app = create_app(
            settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": inbox.port})
        )
        with TestClient(app, client=(f"10.9.1.{next(_addresses)}", 50000)) as client:
            yield client, inbox
        app.state.engine.dispose()


def test_a_code_by_email_resets_the_password(mailing: tuple[TestClient, Inbox]) -> None:
    client, inbox = mailing
    nid = new_national_id()
    learner = _registered(client, national_id=nid, email="wangwu@example.test")
    answer = client.post(
        "/password-resets/requests", json={"learner_id": learner["id"], "national_id": nid}
    )
    assert answer.status_code == 202
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "wangwu@example.test"
    body = message.get_payload(decode=True).decode("utf-8")
    assert "验证码" in body and nid not in body
    reset = {"learner_id": learner["id"], "code": inbox.last_code(), "new_password": "mailed2027pw"}
    assert client.post("/password-resets", json=reset).status_code == 204
    assert _token(client, learner["id"], "mailed2027pw") == 200


def test_a_request_that_matches_no_account_sends_nothing_and_says_the_same(
    mailing: tuple[TestClient, Inbox],
) -> None:
    client, inbox = mailing
    nid = new_national_id()
    learner = _registered(client, national_id=nid)
    matched = client.post(
        "/password-resets/requests", json={"learner_id": learner["id"], "national_id": nid}
    )
    inbox.messages.clear()
    unmatched = [
        client.post(
            "/password-resets/requests",
            json={"learner_id": learner["id"], "national_id": new_national_id()},
        ),
        client.post("/password-resets/requests", json={"learner_id": 10**9, "national_id": nid}),
        client.post(
            "/password-resets/requests", json={"learner_id": learner["id"], "national_id": "bad"}
        ),
    ]
    assert inbox.messages == []
    assert {(r.status_code, r.text) for r in unmatched} == {(matched.status_code, matched.text)}
