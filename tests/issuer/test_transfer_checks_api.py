"""POST /transfer-applications/{id}/checks: the registrar's check as an API call.

A registrar's staff token (or the university's key) sends the credentials the learner
presented — real signed ones: a QR text, a QR image, a PDF certificate, an SD-JWT
presentation for this university — with garbage among them, and gets the report per
item; the bodies it names record the accepted items with POST /transfers. Another
institution is refused (audited), nothing is stored by a check.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.core import security
from issuer.core.settings import Settings
from issuer.credentials.transfer_files import MAX_FILES
from issuer.models import AuditEvent
from tests.issuer.factories import (
    apply_for_transfer,
    create_institution,
    new_code,
    problem,
    row_counts,
)
from tests.issuer.staff_factories import make_staff
from tests.issuer.test_certificate import issue_credential
from tests.issuer.test_console_registrar_presentations import _present, _sd_jwt_of
from verifier.formats.holder_key import new_holder_jwk

pytestmark = pytest.mark.db


def _staff_headers(engine: Engine, settings: Settings, role: str, **scope: Any) -> dict[str, str]:
    member = make_staff(engine, settings, role, **scope)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {security.issue_staff_token(settings, member.id)}"}


@pytest.fixture()
def case(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
    settings: Settings,
) -> dict[str, Any]:
    """Two QR credentials in the application, a third outside it, an SD-JWT VC in a wallet."""
    university = create_institution(client, admin)
    learner, first = issue_credential(client, admin, inst_a, titles=("数控加工", "机械制图"))
    _, second = issue_credential(client, admin, inst_a, titles=("电工基础",), learner=learner)
    _, outside = issue_credential(client, admin, inst_a, titles=("液压传动",), learner=learner)
    holder = new_holder_jwk()
    sd_jwt = _sd_jwt_of(client, admin, inst_a, learner, holder, "人工智能导论")
    items = [{"jti": first["jti"]}, {"jti": second["jti"]}]
    application = apply_for_transfer(client, admin, learner, university, items)
    registrar = _staff_headers(engine, settings, "registrar", institution_id=university["id"])
    return {
        "university": university,
        "learner": learner,
        "first": first,
        "second": second,
        "outside": outside,
        "holder": holder,
        "sd_jwt": sd_jwt,
        "registrar": registrar,
        "path": f"/transfer-applications/{application['id']}/checks",
        "application": application,
    }


def _files(files: list[tuple[str, bytes]]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, data, "application/octet-stream")) for name, data in files]


def _rows(body: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """(source, course, reason or accepted) of each item."""
    return [(i["source"], i["course"], i["reason"] or "accepted") for i in body["items"]]


def test_the_check_reports_each_item_and_its_bodies_record_them(
    case: dict[str, Any],
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed")
    nonce = client.post("/transfers/nonces", headers=case["university"]["headers"]).json()
    presentation = _present(case["sd_jwt"], case["holder"], nonce["audience"], nonce["nonce"])
    photo = client.get(f"/credentials/{case['second']['jti']}/qr.png", headers=admin).content
    certificate = client.get(
        f"/credentials/{case['outside']['jti']}/certificate.pdf", headers=admin
    )
    assert certificate.status_code == 200
    first = case["first"]["qr_text"].encode()
    before = row_counts(engine, trail=True)
    response = client.post(
        case["path"],
        files=_files(
            [
                ("first.txt", first),
                ("photo.png", photo),
                ("certificate.pdf", certificate.content),
                ("garbage.bin", b"\xff\xfe not a credential"),
                ("again.txt", first + b"\n"),
            ]
        ),
        data={"presentation": presentation.decode()},
        headers={**case["registrar"], "Accept-Language": "en"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == "en"
    body = response.json()
    assert _rows(body) == [
        ("first.txt", "数控加工", "accepted"),
        ("first.txt", "机械制图", "accepted"),
        ("photo.png", "电工基础", "accepted"),
        ("certificate.pdf", "液压传动", "not_in_application"),
        ("garbage.bin", None, "unreadable_input"),
        ("again.txt", "数控加工", "duplicate"),
        ("again.txt", "机械制图", "duplicate"),
        ("presentation", "人工智能导论", "accepted"),
    ]
    items = body["items"]
    assert [i["source_kind"] for i in items][-1] == "presentation"
    assert [i["recordable"] for i in items] == [True, True, True, False, False, False, False, True]
    assert items[4]["jti"] is None and "QR image" in items[4]["reason_words"]
    assert items[5]["duplicate"] is True and items[5]["duplicate_of"] == "first.txt"
    assert items[3]["reason_words"].startswith("Not in the learner's application")
    assert all(
        i["credits"] > 0 and "Test University" in i["institution"] for i in items if i["jti"]
    )
    assert body["learner"]["name"] == "张晓明" and body["source"] == "files"
    assert body["closed"] is None and body["duplicates"] == 2
    assert body["accepted_credits"] == sum(i["credits"] for i in items if i["recordable"])
    # Nothing stored but the audit event (the nonce is not claimed by a check).
    after = row_counts(engine, trail=True)
    assert after.pop("audit_event") == before.pop("audit_event") + 1 and after == before
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action) == "transfer_application.checked")
            .order_by(col(AuditEvent.id).desc())
        ).first()
    assert event is not None and event.actor.startswith("staff:")
    assert event.subject == f"transfer_application:{case['application']['id']}"
    assert event.details is not None and event.details["unreadable"] == 1
    # The bodies it names are what POST /transfers records: one per consent.
    bodies = body["transfers"]
    assert [("application_id" in b and b["application_id"] is not None) for b in bodies] == [
        True,
        False,
    ]
    assert bodies[1]["presentation"] == presentation.decode()
    for transfer in bodies:
        recorded = client.post(
            "/transfers",
            json={k: v for k, v in transfer.items() if v is not None},
            headers=case["university"]["headers"],
        )
        assert recorded.status_code == 201, recorded.text
    # The application is recorded now: a second check says so and offers nothing.
    again = client.post(case["path"], headers=case["registrar"]).json()
    assert again["closed"] == "consent_used" and again["source"] == "bank_copies"
    assert again["transfers"] == [] and not any(i["recordable"] for i in again["items"])


def test_without_a_body_the_bank_copies_are_checked_in_chinese(
    case: dict[str, Any], client: TestClient
) -> None:
    response = client.post(case["path"], headers=case["registrar"])
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == "zh-Hans"
    body = response.json()
    assert body["source"] == "bank_copies"
    assert [i["source_kind"] for i in body["items"]] == ["bank_copy"] * 3
    assert [i["reason"] for i in body["items"]] == [None] * 3
    assert len(body["transfers"]) == 1
    assert {i["jti"] for i in body["transfers"][0]["items"]} == {
        case["first"]["jti"],
        case["second"]["jti"],
    }
    # The university's own API key may run the check as well; words are Chinese by default.
    garbage = client.post(
        case["path"],
        files=_files([("garbage.bin", b"garbage")]),
        headers=case["university"]["headers"],
    ).json()
    assert garbage["items"][0]["reason"] == "bad_encoding"
    assert garbage["items"][0]["reason_words"].startswith("不是凭证")


def test_another_institution_is_out_of_scope_and_audited(
    case: dict[str, Any],
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
) -> None:
    other = create_institution(client, admin)
    theirs = _staff_headers(engine, settings, "registrar", institution_id=other["id"])
    before = row_counts(engine, trail=True)
    files = _files([("first.txt", case["first"]["qr_text"].encode())])
    refused = client.post(case["path"], files=files, headers=theirs)
    problem(refused, 403, "out_of_scope")
    by_key = client.post(case["path"], files=files, headers=other["headers"])
    problem(by_key, 403, "out_of_scope")
    unknown = client.post("/transfer-applications/2000000000/checks", headers=theirs)
    problem(unknown, 403, "out_of_scope")
    after = row_counts(engine, trail=True)
    assert after.pop("audit_event") == before.pop("audit_event") + 3 and after == before
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent.subject).where(
                col(AuditEvent.action) == "transfer_application.refused.out_of_scope"
            )
        ).all()
    assert f"transfer_application:{case['application']['id']}" in events


def test_who_may_check(
    case: dict[str, Any],
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
) -> None:
    university = case["university"]
    clerk = _staff_headers(engine, settings, "institution", institution_id=university["id"])
    problem(client.post(case["path"], headers=clerk), 403, "forbidden")
    problem(client.post(case["path"], headers=admin), 403, "forbidden")
    problem(client.post(case["path"]), 401, "unauthenticated")
    enterprise = client.post(
        "/institutions",
        json={"code": new_code("E"), "name_zh": "某企业", "name_en": "Co", "kind": "enterprise"},
        headers=admin,
    )
    assert enterprise.status_code == 201, enterprise.text
    key = {"Authorization": f"Bearer {enterprise.json()['api_key']}"}
    problem(client.post(case["path"], headers=key), 403, "consent_required")


def test_bad_bodies_are_refused_before_anything_is_read(
    case: dict[str, Any], client: TestClient, engine: Engine
) -> None:
    before = row_counts(engine)
    unknown = client.post(
        case["path"],
        files=_files([("a.txt", b"x")]),
        data={"policy": "lenient"},
        headers=case["registrar"],
    )
    body = problem(unknown, 422, "invalid_request")
    assert body["errors"] == [
        {
            "loc": ["body", "policy"],
            "msg": "Extra inputs are not permitted",
            "type": "extra_forbidden",
        }
    ]
    too_many = client.post(
        case["path"],
        files=_files([(f"{i}.txt", b"x") for i in range(MAX_FILES + 1)]),
        headers=case["registrar"],
    )
    problem(too_many, 422, "too_many_files")
    json_body = client.post(case["path"], json={"files": []}, headers=case["registrar"])
    problem(json_body, 422, "invalid_request")
    assert row_counts(engine) == before
