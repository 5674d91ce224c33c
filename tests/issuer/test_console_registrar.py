"""The registrar's workspace: incoming applications, the check of presented files, the record."""

from __future__ import annotations

import csv as csv_module
import io
import json
import re
import shutil
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.models import AuditEvent
from tests.issuer.factories import apply_for_transfer, create_institution
from tests.issuer.staff_factories import StaffMember, csrf_of, make_staff, sign_in
from tests.issuer.test_certificate import issue_credential

pytestmark = pytest.mark.db


@pytest.fixture()
def case(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
    settings: Settings,
) -> dict[str, Any]:
    """A learner with two credentials (three courses) applying to a new university."""
    university = create_institution(client, admin)
    learner, first = issue_credential(client, admin, inst_a, titles=("数控加工", "机械制图"))
    _, second = issue_credential(client, admin, inst_a, titles=("电工基础",), learner=learner)
    items = [{"jti": first["jti"]}, {"jti": second["jti"]}]
    application = apply_for_transfer(client, admin, learner, university, items)
    member = make_staff(engine, settings, "registrar", institution_id=university["id"])
    browser = TestClient(app)
    sign_in(browser, member)
    return {
        "university": university,
        "learner": learner,
        "first": first,
        "second": second,
        "application": application,
        "member": member,
        "browser": browser,
    }


def _codes(html: str) -> list[tuple[str, str]]:
    """(source, code) of each row of the report."""
    return re.findall(r'data-code="([^"]+)" data-source="([^"]+)"', html)


def test_the_registrar_sees_the_application_and_its_check(case: dict[str, Any]) -> None:
    browser: TestClient = case["browser"]
    listing = browser.get("/console/registrar")
    assert listing.status_code == 200
    assert f'id="application-{case["application"]["id"]}"' in listing.text
    assert "数控加工" in listing.text
    opened = browser.get(f"/console/registrar/applications/{case['application']['id']}")
    assert opened.status_code == 200
    assert [code for code, _ in _codes(opened.text)] == ["accepted"] * 3
    assert opened.text.count('name="item"') == 3
    assert "张晓明" in opened.text


def _upload(browser: TestClient, path: str, files: list[tuple[str, bytes]]) -> Any:
    csrf = csrf_of(browser.get(path).text)
    return browser.post(
        f"{path}/upload",
        data={"csrf": csrf},
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
    )


def test_uploaded_files_each_get_a_row_garbage_its_code(
    case: dict[str, Any], client: TestClient, admin: dict[str, str]
) -> None:
    browser: TestClient = case["browser"]
    path = f"/console/registrar/applications/{case['application']['id']}"
    png = client.get(f"/credentials/{case['second']['jti']}/qr.png", headers=admin).content
    first = case["first"]["qr_text"].encode()
    response = _upload(
        browser,
        path,
        [
            ("first.txt", first),
            ("photo.png", png),
            ("garbage.bin", b"\xff\xfe\x00 not a credential"),
            ("broken.png", b"\x89PNG\r\n\x1a\n garbage"),
            # The same credential in another file: its achievements are counted once.
            ("again.txt", first + b"\n"),
            # The same file again: a duplicate upload, not a second file.
            ("first-copy.txt", first),
        ],
    )
    assert response.status_code == 200, response.text
    assert 'data-code="duplicate_file"' in response.text and "first-copy.txt" in response.text
    rows = _codes(response.text)
    assert rows == [
        ("accepted", "first.txt"),
        ("accepted", "first.txt"),
        ("accepted", "photo.png"),
        ("unreadable_input", "garbage.bin"),
        ("unreadable_image", "broken.png"),
        ("duplicate", "again.txt"),
        ("duplicate", "again.txt"),
    ]
    assert "(as in first.txt)" in response.text or "（同 first.txt）" in response.text


def test_an_upload_without_its_token_or_files_is_refused(case: dict[str, Any]) -> None:
    browser: TestClient = case["browser"]
    path = f"/console/registrar/applications/{case['application']['id']}/upload"
    forged = browser.post(path, data={"csrf": "forged"}, files=[("files", ("a.txt", b"x"))])
    assert forged.status_code == 403 and 'data-code="csrf_failed"' in forged.text
    csrf = csrf_of(browser.get("/console/registrar").text)
    empty = browser.post(path, data={"csrf": csrf}, files=[("files", ("", b""))])
    assert empty.status_code == 422 and 'data-code="invalid_request"' in empty.text


def test_recording_two_items_once_then_409(
    case: dict[str, Any], client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    browser: TestClient = case["browser"]
    path = f"/console/registrar/applications/{case['application']['id']}"
    csrf = csrf_of(browser.get(path).text)
    first = case["first"]["jti"]
    items = [f"{first}:0", f"{case['second']['jti']}:0"]
    done = browser.post(
        f"{path}/record", data={"csrf": csrf, "item": items}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    shown = browser.get(done.headers["location"])
    assert 'data-state="recorded"' in shown.text and 'name="item"' not in shown.text
    assert shown.text.count('data-decision="recorded"') == 2
    assert [code for code, _ in _codes(shown.text)] == ["accepted"] * 3
    learner = case["learner"]
    transfers = client.get(f"/learners/{learner['id']}/transfers", headers=admin).json()
    assert len(transfers) == 1, transfers
    csv = browser.get(f"{path}/decision.csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    table = list(csv_module.reader(io.StringIO(csv.content.decode("utf-8-sig"))))
    assert table[0][:2] == ["决定 decision", "课程 course"]
    decisions = {line[1]: line[0] for line in table[1:]}
    assert decisions == {
        "数控加工": "已登记 recorded",
        "机械制图": "政策接受，未登记 accepted, not recorded",
        "电工基础": "已登记 recorded",
    }
    pdf = browser.get(f"{path}/decision.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "机械制图" in text and "Credit transfer decision" in text
    again = browser.post(f"{path}/record", data={"csrf": csrf, "item": items})
    assert again.status_code == 409 and 'data-code="consent_used"' in again.text
    assert "一份授权只能使用一次" in again.text
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action) == "registrar.transfer_recorded")
            .order_by(col(AuditEvent.id).desc())
        ).first()
        assert event is not None and event.actor == f"staff:{case['member'].id}"


def test_nothing_ticked_records_nothing(case: dict[str, Any]) -> None:
    browser: TestClient = case["browser"]
    path = f"/console/registrar/applications/{case['application']['id']}"
    csrf = csrf_of(browser.get(path).text)
    refused = browser.post(f"{path}/record", data={"csrf": csrf})
    assert refused.status_code == 422 and 'data-code="invalid_request"' in refused.text
    assert 'data-state="submitted"' in browser.get(path).text


def test_other_institutions_and_roles_cannot_open_it(
    case: dict[str, Any],
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
) -> None:
    other = create_institution(client, admin)
    member: StaffMember = make_staff(engine, settings, "registrar", institution_id=other["id"])
    browser = TestClient(app)
    sign_in(browser, member)
    path = f"/console/registrar/applications/{case['application']['id']}"
    assert browser.get(path).status_code == 404
    assert (
        f'id="application-{case["application"]["id"]}"'
        not in browser.get("/console/registrar").text
    )
    operator = make_staff(engine, settings, "operator")
    browser = TestClient(app)
    sign_in(browser, operator)
    refused = browser.get(path)
    assert refused.status_code == 403 and 'data-code="forbidden"' in refused.text


def test_a_pdf_certificate_is_read_by_its_printed_qr(
    case: dict[str, Any], client: TestClient, admin: dict[str, str]
) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed")
    pdf = client.get(f"/credentials/{case['second']['jti']}/certificate.pdf", headers=admin)
    assert pdf.status_code == 200
    path = f"/console/registrar/applications/{case['application']['id']}"
    response = _upload(case["browser"], path, [("certificate.pdf", pdf.content)])
    assert _codes(response.text) == [("accepted", "certificate.pdf")]
    broken = _upload(case["browser"], path, [("broken.pdf", b"%PDF-1.7 not really")])
    # The second upload joins the first (files are kept with the application).
    assert _codes(broken.text) == [
        ("accepted", "certificate.pdf"),
        ("unreadable_input", "broken.pdf"),
    ]


def test_two_hundred_files_with_garbage_all_evaluated(case: dict[str, Any]) -> None:
    first = case["first"]["qr_text"].encode()
    # 197 different files (trailing newlines) of one credential: its courses counted once.
    files = [(f"c{i:03}.txt", first + b"\n" * i) for i in range(197)]
    files += [("empty.txt", b""), ("zip.bin", b"PK\x03\x04\x00\x00"), ("x.jwt", b"a.b.c")]
    path = f"/console/registrar/applications/{case['application']['id']}"
    response = _upload(case["browser"], path, files)
    assert response.status_code == 200
    rows = _codes(response.text)
    assert rows[:2] == [("accepted", "c000.txt")] * 2
    assert sum(1 for code, _ in rows if code == "duplicate") == 2 * 196
    assert rows[-3:] == [
        ("unreadable_input", "empty.txt"),
        ("bad_encoding", "zip.bin"),
        ("bad_encoding", "x.jwt"),
    ]
    too_many = _upload(case["browser"], path, [*files, ("one-more.txt", first)])
    assert too_many.status_code == 422 and 'data-code="invalid_request"' in too_many.text


def test_an_upload_over_its_cap_is_413_and_other_posts_keep_theirs(
    case: dict[str, Any], app: FastAPI
) -> None:
    from issuer.credentials.transfer_files import MAX_UPLOAD_BYTES

    path = f"/console/registrar/applications/{case['application']['id']}"
    big = b"0" * (2 << 20)  # over the 1 MiB of other routes, under the upload's cap
    fine = _upload(case["browser"], path, [("big.txt", big)])
    assert fine.status_code == 200 and _codes(fine.text)[0][1] == "big.txt"
    huge = _upload(case["browser"], path, [("huge.txt", b"0" * (MAX_UPLOAD_BYTES + 1))])
    assert huge.status_code == 413 and huge.json()["code"] == "payload_too_large"
    elsewhere = case["browser"].post(
        "/console/staff", files=[("files", ("big.txt", big))], follow_redirects=False
    )
    assert elsewhere.status_code == 413


def test_the_policy_form_saves_versions_exports_toml_and_the_check_uses_it(
    case: dict[str, Any], engine: Engine
) -> None:
    browser: TestClient = case["browser"]
    form = browser.get("/console/registrar/policy")
    assert form.status_code == 200
    default = browser.get("/console/registrar/policy.toml")
    assert default.status_code == 200
    assert load_policy_text(default.text).issuers == frozenset({"CB-DEMO"})
    csrf = csrf_of(form.text)
    fields = {
        "csrf": csrf,
        "name": "测试大学政策",
        "issuers": "CB-DEMO",
        "domains": "AM, GE",
        "total_credits": "10",
        "domain_limits": "AM=20",
    }
    contradictory = browser.post("/console/registrar/policy", data=fields)
    assert contradictory.status_code == 422
    assert 'data-code="contradictory_policy"' in contradictory.text
    assert 'value="AM=20"' in contradictory.text  # the form keeps what was typed
    not_accepted = browser.post(
        "/console/registrar/policy", data={**fields, "domain_limits": "AI=5"}
    )
    assert 'data-code="contradictory_policy"' in not_accepted.text
    wrong = browser.post("/console/registrar/policy", data={**fields, "total_credits": "0.3"})
    assert wrong.status_code == 422 and 'data-code="invalid_request"' in wrong.text
    for limit in ("4", "3"):
        saved = browser.post(
            "/console/registrar/policy",
            data={**fields, "domain_limits": f"AM={limit}"},
            follow_redirects=False,
        )
        assert saved.status_code == 303, saved.text
    exported = browser.get("/console/registrar/policy.toml")
    assert "transfer-policy-v2.toml" in exported.headers["content-disposition"]
    policy = load_policy_text(exported.text)
    assert policy.max_domain_half_credits == {"AM": 6} and policy.name == "测试大学政策"
    # The check now refuses what passes the AM limit of 3 credits.
    opened = browser.get(f"/console/registrar/applications/{case['application']['id']}")
    assert "测试大学政策" in opened.text
    assert "over_domain_limit" in [code for code, _ in _codes(opened.text)]


def load_policy_text(text: str) -> Any:
    """The exported TOML read exactly as ``creditbank-verify transfer --policy`` reads it."""
    import tempfile

    from verifier.transfer import load_policy

    with tempfile.NamedTemporaryFile("w", suffix=".toml", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        return load_policy(handle.name)


def test_a_data_integrity_badge_is_read_and_counted_once_with_its_qr_twin(
    case: dict[str, Any], client: TestClient, admin: dict[str, str]
) -> None:
    learner = case["learner"]
    account = client.get(f"/learners/{learner['id']}/account", headers=admin).json()
    entry = account["entries"][0]  # the first course: 数控加工
    badge = client.post(
        f"/learners/{learner['id']}/credentials/ob3-ldp",
        json={"entry_id": entry["id"]},
        headers=admin,
    )
    assert badge.status_code == 201, badge.text
    path = f"/console/registrar/applications/{case['application']['id']}"
    response = _upload(
        case["browser"],
        path,
        [
            ("badge.json", json.dumps(badge.json()["credential"]).encode()),
            ("first.txt", case["first"]["qr_text"].encode()),
        ],
    )
    # The badge is genuine but not in the application; its QR twin is then a duplicate.
    assert _codes(response.text) == [
        ("not_in_application", "badge.json"),
        ("duplicate", "first.txt"),
        ("accepted", "first.txt"),
    ]
