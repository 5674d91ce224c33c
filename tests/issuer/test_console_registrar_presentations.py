"""SD-JWT VC presentations in the registrar's workspace, and the exemptions made there.

The registrar asks for a presentation on the application's page (a nonce of the
university, audited), the learner's wallet presents with it, the uploaded file is
checked for this university — another audience, a nonce not issued to it, an expired
one, another learner's credential, a replay: each a per-file code while the other files
are still evaluated — and when recorded the presentation is the consent, used once.
The recorded transfer's entries are then mapped to the university's own courses.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.models import AuditEvent, RegistrarUpload, TransferExemption, TransferNonce, utcnow
from tests.issuer.factories import (
    LEARNER_PASSWORD,
    apply_for_transfer,
    course,
    create_institution,
    learner_headers,
)
from tests.issuer.staff_factories import csrf_of, make_staff, sign_in
from tests.issuer.test_certificate import issue_credential
from verifier.formats import sd_jwt
from verifier.formats.holder_key import holder_public_jwk, holder_signer, new_holder_jwk
from wallet import parse_request

pytestmark = pytest.mark.db


def _sd_jwt_of(
    client: TestClient,
    admin: dict[str, str],
    inst: dict[str, Any],
    learner: dict[str, Any],
    holder: dict[str, Any],
    title: str,
) -> dict[str, Any]:
    made = client.post(
        f"/learners/{learner['id']}/courses",
        json=course(title=title, hours=32),
        headers=inst["headers"],
    )
    assert made.status_code == 201, made.text
    issued = client.post(
        f"/learners/{learner['id']}/credentials/sd-jwt",
        json={"entry_ids": [made.json()["entry"]["id"]], "holder_jwk": holder_public_jwk(holder)},
        headers=admin,
    )
    assert issued.status_code == 201, issued.text
    body: dict[str, Any] = issued.json()
    return body


def _present(issued: dict[str, Any], holder: dict[str, Any], aud: str, nonce: str) -> bytes:
    text = sd_jwt.present(
        issued["token"],
        ["name", "entries"],
        holder_signer(holder),
        aud=aud,
        nonce=nonce,
        iat=int(time.time()),
    )
    return text.encode()


@pytest.fixture()
def case(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
    settings: Settings,
) -> dict[str, Any]:
    university = create_institution(client, admin)
    learner, qr = issue_credential(client, admin, inst_a, titles=("数控加工",))
    holder = new_holder_jwk()
    presented = _sd_jwt_of(client, admin, inst_a, learner, holder, "人工智能导论")
    application = apply_for_transfer(client, admin, learner, university, [{"jti": qr["jti"]}])
    member = make_staff(engine, settings, "registrar", institution_id=university["id"])
    browser = TestClient(app)
    sign_in(browser, member)
    return {
        "university": university,
        "learner": learner,
        "qr": qr,
        "holder": holder,
        "presented": presented,
        "application": application,
        "browser": browser,
        "path": f"/console/registrar/applications/{application['id']}",
    }


def _ask(browser: TestClient, path: str) -> dict[str, str]:
    """Ask for a presentation on the page; the request it shows (audience, nonce, link)."""
    csrf = csrf_of(browser.get(path).text)
    asked = browser.post(f"{path}/presentation-request", data={"csrf": csrf})
    assert asked.status_code == 200, asked.text  # followed the 303 to the request page
    html = asked.text
    link = re.search(r'id="request-link"><code>([^<]+)</code>', html)
    audience = re.search(r'id="audience">([^<]+)<', html)
    nonce = re.search(r'id="nonce">([^<]+)<', html)
    assert link and audience and nonce and 'id="request-qr"' in html
    return {
        "link": link.group(1).replace("&amp;", "&"),
        "audience": audience.group(1),
        "nonce": nonce.group(1),
        "url": str(asked.url),
    }


def _upload(browser: TestClient, path: str, files: list[tuple[str, bytes]]) -> Any:
    csrf = csrf_of(browser.get(path).text)
    return browser.post(
        f"{path}/upload",
        data={"csrf": csrf},
        files=[("files", (name, data, "text/plain")) for name, data in files],
    )


def _codes(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-code="([^"]+)" data-source="([^"]+)"', html)


def test_the_request_names_the_university_and_the_wallet_reads_it(
    case: dict[str, Any], engine: Engine
) -> None:
    asked = _ask(case["browser"], case["path"])
    assert asked["audience"].endswith(f"/institutions/{case['university']['code']}")
    request = parse_request(asked["link"])
    assert (request.audience, request.nonce) == (asked["audience"], asked["nonce"])
    assert timedelta(minutes=9) < request.expires - utcnow() <= timedelta(minutes=10)
    assert parse_qs(urlsplit(asked["link"]).query)["nonce"] == [asked["nonce"]]
    with Session(engine) as session:
        row = session.exec(
            select(TransferNonce).where(col(TransferNonce.nonce) == asked["nonce"])
        ).one()
        actions = session.exec(
            select(AuditEvent.action).where(
                col(AuditEvent.action).in_(["transfer.nonce", "registrar.presentation_requested"])
            )
        ).all()
    assert row.institution_id == case["university"]["id"] and row.used_at is None
    assert {"transfer.nonce", "registrar.presentation_requested"} <= set(actions)


def test_bad_presentations_each_get_their_code_and_the_rest_is_evaluated(
    case: dict[str, Any],
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
) -> None:
    browser: TestClient = case["browser"]
    path, issued, holder = case["path"], case["presented"], case["holder"]
    mine = _ask(browser, path)
    other_university = create_institution(client, admin)
    theirs = client.post("/transfers/nonces", headers=other_university["headers"]).json()
    expired = _ask(browser, path)
    with Session(engine) as session:
        row = session.exec(
            select(TransferNonce).where(col(TransferNonce.nonce) == expired["nonce"])
        ).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    stranger, _ = issue_credential(client, admin, inst_a, titles=("电工基础",))
    stranger_holder = new_holder_jwk()
    strangers = _sd_jwt_of(client, admin, inst_a, stranger, stranger_holder, "机器学习")
    response = _upload(
        browser,
        path,
        [
            ("qr.txt", case["qr"]["qr_text"].encode()),
            ("other-audience.txt", _present(issued, holder, theirs["audience"], mine["nonce"])),
            ("their-nonce.txt", _present(issued, holder, mine["audience"], theirs["nonce"])),
            ("made-up.txt", _present(issued, holder, mine["audience"], "made-up-nonce")),
            ("expired.txt", _present(issued, holder, mine["audience"], expired["nonce"])),
            ("stranger.txt", _present(strangers, stranger_holder, mine["audience"], mine["nonce"])),
            (
                "wrong-holder.txt",
                _present(issued, new_holder_jwk(), mine["audience"], mine["nonce"]),
            ),
        ],
    )
    assert response.status_code == 200, response.text
    assert _codes(response.text) == [
        ("accepted", "qr.txt"),
        ("wrong_audience", "other-audience.txt"),
        ("wrong_nonce", "their-nonce.txt"),
        ("wrong_nonce", "made-up.txt"),
        ("stale_presentation", "expired.txt"),
        ("different_learner", "stranger.txt"),
        ("holder_binding_failed", "wrong-holder.txt"),
    ]
    # Only the QR credential's entry can be recorded; no nonce was spent.
    assert response.text.count('name="item"') == 1
    with Session(engine) as session:
        nonces = session.exec(
            select(TransferNonce).where(
                col(TransferNonce.nonce).in_([mine["nonce"], expired["nonce"]])
            )
        ).all()
    assert len(nonces) == 2 and all(n.used_at is None for n in nonces)


def test_a_presentation_is_the_consent_of_its_credential_once(
    case: dict[str, Any], client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    browser: TestClient = case["browser"]
    path, issued, holder = case["path"], case["presented"], case["holder"]
    asked = _ask(browser, path)
    presentation = _present(issued, holder, asked["audience"], asked["nonce"])
    first = _upload(browser, path, [("presentation.txt", presentation)])
    assert _codes(first.text) == [("accepted", "presentation.txt")]
    # A page change and a second round: both files are in the report.
    assert browser.get("/console/registrar").status_code == 200
    second = _upload(browser, path, [("qr.txt", case["qr"]["qr_text"].encode())])
    assert _codes(second.text) == [("accepted", "presentation.txt"), ("accepted", "qr.txt")]
    again = _upload(browser, path, [("presentation-again.txt", presentation)])
    assert 'data-code="duplicate_file"' in again.text
    assert len(_codes(again.text)) == 2
    csrf = csrf_of(again.text)
    items = [f"{issued['jti']}:0", f"{case['qr']['jti']}:0"]
    recorded = browser.post(f"{path}/record", data={"csrf": csrf, "item": items})
    assert recorded.status_code == 200 and 'data-state="recorded"' in recorded.text
    mine = client.get(
        f"/learners/{case['learner']['id']}/transfers",
        headers=learner_headers(client, admin, case["learner"]),
    ).json()
    assert sorted(t["consent"] for t in mine) == ["application", "presentation"]
    with Session(engine) as session:
        nonce = session.exec(
            select(TransferNonce).where(col(TransferNonce.nonce) == asked["nonce"])
        ).one()
        kept = session.exec(
            select(RegistrarUpload).where(
                col(RegistrarUpload.application_id) == case["application"]["id"]
            )
        ).all()
    assert nonce.used_at is not None
    assert kept == []  # recorded: the kept files are forgotten
    # The same presentation again: a replay, refused for its file.
    replay = _upload(browser, path, [("replay.txt", presentation)])
    assert _codes(replay.text) == [("replayed_presentation", "replay.txt")]


def _record_qr(case: dict[str, Any]) -> int:
    browser: TestClient = case["browser"]
    path = case["path"]
    csrf = csrf_of(browser.get(path).text)
    done = browser.post(f"{path}/record", data={"csrf": csrf, "item": f"{case['qr']['jti']}:0"})
    assert done.status_code == 200
    found = re.search(r'href="/console/registrar/transfers/(\d+)/exemptions"', done.text)
    assert found, "the recorded application links its transfer's exemptions"
    return int(found.group(1))


def test_exemptions_made_in_the_workspace_reach_the_learner(
    case: dict[str, Any], app: FastAPI, client: TestClient, admin: dict[str, str]
) -> None:
    browser: TestClient = case["browser"]
    transfer_id = _record_qr(case)
    page_path = f"/console/registrar/transfers/{transfer_id}/exemptions"
    shown = browser.get(page_path)
    assert shown.status_code == 200 and "数控加工" in shown.text
    entry = f"{case['qr']['jti']}:0"
    csrf = csrf_of(shown.text)
    saved = browser.post(
        page_path,
        data={"csrf": csrf, "entry-0": entry, "code-0": "ME101", "name-0": "机械制造基础"},
    )
    assert saved.status_code == 200 and 'id="notice"' in saved.text
    assert "机械制造基础 (ME101)" in saved.text
    mine = client.get(
        f"/learners/{case['learner']['id']}/transfers",
        headers=learner_headers(client, admin, case["learner"]),
    ).json()
    assert [e["course_code"] for e in mine[0]["items"][0]["exemptions"]] == ["ME101"]
    # learner_headers above set the learner's password; the portal page shows it too.
    portal = TestClient(app)
    signed = portal.post(
        "/portal/sign-in",
        data={
            "csrf": csrf_of(portal.get("/portal/sign-in").text),
            "learner_id": str(case["learner"]["id"]),
            "password": LEARNER_PASSWORD,
        },
        follow_redirects=True,
    )
    assert signed.status_code == 200, signed.text
    assert "机械制造基础" in portal.get("/portal/account").text


def test_bad_exemption_forms_are_refused_with_nothing_stored(
    case: dict[str, Any],
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    admin: dict[str, str],
) -> None:
    browser: TestClient = case["browser"]
    transfer_id = _record_qr(case)
    page_path = f"/console/registrar/transfers/{transfer_id}/exemptions"
    entry = f"{case['qr']['jti']}:0"

    def post(**rows: str) -> Any:
        return browser.post(page_path, data={"csrf": csrf_of(browser.get(page_path).text), **rows})

    # An entry that is not in this transfer.
    stray = post(**{"entry-0": f"{case['presented']['jti']}:0", "code-0": "X1", "name-0": "甲"})
    assert stray.status_code == 422 and 'data-code="invalid_request"' in stray.text
    # One entry for two courses: the first row is not stored either.
    twice = post(
        **{
            "entry-0": entry,
            "code-0": "A1",
            "name-0": "甲",
            "entry-1": entry,
            "code-1": "A2",
            "name-1": "乙",
        }
    )
    assert twice.status_code == 409 and 'data-code="exemption_exists"' in twice.text
    assert 'value="A2"' in twice.text  # the form keeps what was typed
    # A course without its entry, an empty form.
    assert post(**{"code-0": "B1", "name-0": "丙"}).status_code == 422
    assert post().status_code == 422
    with Session(engine) as session:
        stored = select(TransferExemption).where(col(TransferExemption.transfer_id) == transfer_id)
        assert session.exec(stored).all() == []
    # Another university's registrar: the transfer does not exist for them.
    other = create_institution(client, admin)
    member = make_staff(engine, settings, "registrar", institution_id=other["id"])
    elsewhere = TestClient(app)
    sign_in(elsewhere, member)
    refused = elsewhere.get(page_path)
    assert refused.status_code == 404 and 'data-code="not_found"' in refused.text


def test_a_presentation_used_meanwhile_records_nothing_halfway(
    case: dict[str, Any], client: TestClient, engine: Engine
) -> None:
    """The nonce is spent through the API between the check and the record: all or nothing."""
    browser: TestClient = case["browser"]
    path, issued, holder = case["path"], case["presented"], case["holder"]
    asked = _ask(browser, path)
    presentation = _present(issued, holder, asked["audience"], asked["nonce"])
    checked = _upload(
        browser,
        path,
        [("presentation.txt", presentation), ("qr.txt", case["qr"]["qr_text"].encode())],
    )
    assert _codes(checked.text) == [("accepted", "presentation.txt"), ("accepted", "qr.txt")]
    csrf = csrf_of(checked.text)
    spent = client.post(
        "/transfers",
        json={"items": [{"jti": issued["jti"]}], "presentation": presentation.decode()},
        headers=case["university"]["headers"],
    )
    assert spent.status_code == 201, spent.text
    items = [f"{issued['jti']}:0", f"{case['qr']['jti']}:0"]
    refused = browser.post(f"{path}/record", data={"csrf": csrf, "item": items})
    assert refused.status_code == 403 and 'data-code="consent_required"' in refused.text
    # The application's item was not recorded either, and the page names the replay.
    again = browser.get(path)
    assert 'data-state="submitted"' in again.text
    assert _codes(again.text) == [
        ("replayed_presentation", "presentation.txt"),
        ("accepted", "qr.txt"),
    ]
    assert f'value="{case["qr"]["jti"]}:0"' in again.text


def test_the_kept_files_can_be_forgotten(case: dict[str, Any]) -> None:
    browser: TestClient = case["browser"]
    path = case["path"]
    kept = _upload(browser, path, [("qr.txt", case["qr"]["qr_text"].encode())])
    assert 'data-kept="1"' in kept.text and _codes(kept.text) == [("accepted", "qr.txt")]
    forged = browser.post(f"{path}/uploads/clear", data={"csrf": "forged"})
    assert forged.status_code == 403 and 'data-code="csrf_failed"' in forged.text
    cleared = browser.post(f"{path}/uploads/clear", data={"csrf": csrf_of(kept.text)})
    assert cleared.status_code == 200 and "data-kept" not in cleared.text
    # Back to the bank's copies of the application's credentials.
    assert [source for _, source in _codes(cleared.text)] == [case["qr"]["jti"]]
