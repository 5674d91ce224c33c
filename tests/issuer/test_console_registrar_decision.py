"""The registrar's decision as CSV and PDF lists every item decided, uploads included.

The registrar uploads real signed credentials (a QR text, a QR photo, an SD-JWT
presentation for this university, one outside the application, garbage, a duplicate),
records some, and downloads the decision: each uploaded item has its row with its
source file, course, institution, credits and decision — after the uploads are
forgotten and the presentation's nonce is spent.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.models import RegistrarUpload, TransferDecisionItem
from tests.issuer.factories import apply_for_transfer, create_institution
from tests.issuer.staff_factories import csrf_of, make_staff, sign_in
from tests.issuer.test_certificate import issue_credential
from tests.issuer.test_console_registrar_presentations import _ask, _codes, _present, _sd_jwt_of
from verifier.formats.holder_key import new_holder_jwk

pytestmark = pytest.mark.db

RECORDED = "已登记 recorded"
NOT_RECORDED = "政策接受，未登记 accepted, not recorded"
REFUSED = "拒绝 refused"
PENDING = "待决定 awaiting decision"


@pytest.fixture()
def case(
    app: FastAPI,
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
    member = make_staff(engine, settings, "registrar", institution_id=university["id"])
    browser = TestClient(app)
    sign_in(browser, member)
    return {
        "university": university,
        "first": first,
        "second": second,
        "outside": outside,
        "holder": holder,
        "sd_jwt": sd_jwt,
        "member": member,
        "browser": browser,
        "path": f"/console/registrar/applications/{application['id']}",
        "application": application,
    }


def _csv(browser: TestClient, path: str) -> list[list[str]]:
    response = browser.get(f"{path}/decision.csv")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _by_source(table: list[list[str]]) -> list[tuple[str, str, str]]:
    """(decision, course, source) of each row; a row with a course has its credits."""
    header = table[0]
    assert header[:4] == ["决定 decision", "课程 course", "机构 institution", "学分 credits"]
    assert header[7:] == ["来源 source", "原因 reason"]
    for row in table[1:]:
        assert (float(row[3]) > 0) if row[1] else row[3] == ""
    return [(row[0], row[1], row[7]) for row in table[1:]]


def test_the_decision_lists_uploaded_items_after_they_are_recorded(
    case: dict[str, Any], client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    browser: TestClient = case["browser"]
    path = case["path"]
    asked = _ask(browser, path)
    presentation = _present(case["sd_jwt"], case["holder"], asked["audience"], asked["nonce"])
    photo = client.get(f"/credentials/{case['second']['jti']}/qr.png", headers=admin).content
    first = case["first"]["qr_text"].encode()
    csrf = csrf_of(browser.get(path).text)
    uploaded = browser.post(
        f"{path}/upload",
        data={"csrf": csrf},
        files=[
            ("files", (name, data, "application/octet-stream"))
            for name, data in [
                ("first.txt", first),
                ("photo.png", photo),
                ("presentation.txt", presentation),
                ("outside.txt", case["outside"]["qr_text"].encode()),
                ("garbage.bin", b"\xff\xfe not a credential"),
                ("again.txt", first + b"\n"),
            ]
        ],
    )
    assert uploaded.status_code == 200, uploaded.text
    assert [code for code, _ in _codes(uploaded.text)] == [
        "accepted",
        "accepted",
        "accepted",
        "accepted",
        "not_in_application",
        "unreadable_input",
        "duplicate",
        "duplicate",
    ]
    # Before the decision: the uploads, each awaiting it (refusals already refused).
    pending = _by_source(_csv(browser, path))
    assert [(d, s) for d, _, s in pending] == [
        (PENDING, "first.txt"),
        (PENDING, "first.txt"),
        (PENDING, "photo.png"),
        (PENDING, "presentation.txt (出示 presentation)"),
        (PENDING, "outside.txt"),
        (REFUSED, "garbage.bin"),
        (REFUSED, "again.txt"),
        (REFUSED, "again.txt"),
    ]
    # An item the check did not accept cannot be ticked: refused, nothing recorded.
    outside = browser.post(
        f"{path}/record", data={"csrf": csrf, "item": [f"{case['outside']['jti']}:0"]}
    )
    assert outside.status_code == 422 and 'data-code="invalid_request"' in outside.text
    unseen = browser.post(f"{path}/record", data={"csrf": csrf, "item": ["not-checked:0"]})
    assert unseen.status_code == 403 and 'data-code="consent_required"' in unseen.text
    with Session(engine) as session:
        stored = select(TransferDecisionItem).where(
            col(TransferDecisionItem.application_id) == case["application"]["id"]
        )
        assert session.exec(stored).all() == []
    items = [
        f"{case['first']['jti']}:0",
        f"{case['second']['jti']}:0",
        f"{case['sd_jwt']['jti']}:0",
    ]
    done = browser.post(
        f"{path}/record", data={"csrf": csrf, "item": items}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    # The uploads are forgotten (the page is back to the bank's copies) ...
    with Session(engine) as session:
        kept = session.exec(
            select(RegistrarUpload).where(
                col(RegistrarUpload.application_id) == case["application"]["id"]
            )
        ).all()
    assert kept == []
    # ... and the decision keeps each of them, the recorded ones with their transfer.
    with Session(engine) as session:
        rows = session.exec(
            select(TransferDecisionItem)
            .where(col(TransferDecisionItem.application_id) == case["application"]["id"])
            .order_by(col(TransferDecisionItem.id))
        ).all()
    assert [(r.outcome, r.transfer_id is not None) for r in rows] == [
        ("recorded", True),
        ("accepted", False),
        ("recorded", True),
        ("recorded", True),
        ("accepted", False),
        ("refused", False),
        ("refused", False),
        ("refused", False),
    ]
    assert [r.source_kind for r in rows].count("presentation") == 1
    table = _csv(browser, path)
    assert _by_source(table) == [
        (RECORDED, "数控加工", "first.txt"),
        (NOT_RECORDED, "机械制图", "first.txt"),
        (RECORDED, "电工基础", "photo.png"),
        (RECORDED, "人工智能导论", "presentation.txt (出示 presentation)"),
        (NOT_RECORDED, "液压传动", "outside.txt"),
        (REFUSED, "", "garbage.bin"),
        (REFUSED, "数控加工", "again.txt"),
        (REFUSED, "机械制图", "again.txt"),
    ]
    reasons = {row[7]: row[8] for row in table[1:]}
    assert reasons["outside.txt"].startswith("不在学习者的申请中")
    assert "Not in the learner's application" in reasons["outside.txt"]
    assert "neither a QR image, a PDF nor credential text" in reasons["garbage.bin"]
    assert "（同 first.txt / as in first.txt）" in reasons["again.txt"]
    assert all("Test University" in row[2] or row[7] == "garbage.bin" for row in table[1:])
    text = "\n".join(",".join(row) for row in table)
    for jti in (case["first"]["jti"], case["second"]["jti"], case["sd_jwt"]["jti"]):
        assert jti not in text  # no internal ids
    pdf = browser.get(f"{path}/decision.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    words = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    flat = "".join(words.split())
    for expected in ("photo.png", "电工基础", "presentation.txt", "人工智能导论", "garbage.bin"):
        assert expected in flat, expected
    assert "决定时间decidedat" in flat and "已登记recorded" in flat
    assert case["second"]["jti"] not in flat
