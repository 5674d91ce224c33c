"""The learner acts from the portal, over HTTP: disputes, qualifications, certificates, wallet.

Every page is driven as a browser would (cookies, CSRF field, redirects); each refusal
shows words in the reader's language and carries the API's code in ``data-code``.
"""

from __future__ import annotations

import base64
import io
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from issuer.bank import ledger
from issuer.models import Credential, Dispute, Redemption, utcnow
from tests.issuer.committee_factories import PASSWORD, deposit, signed_in_learner
from tests.issuer.test_portal import _csrf, sign_in
from tests.issuer.test_qualifications import _credit, _eligible_learner
from verifier.formats import redemption as statement_format
from wallet import parse_offer

pytestmark = pytest.mark.db

GROUNDS = "实训课时少记了 16 学时 / 16 practice hours were not recorded"


def _portal(app: FastAPI, learner: dict[str, Any]) -> TestClient:
    browser = TestClient(app, follow_redirects=False)
    assert sign_in(browser, learner["id"], PASSWORD).status_code == 303
    return browser


def _code(html: str) -> str | None:
    found = re.search(r'id="error"[^>]*data-code="([^"]+)"', html)
    return found.group(1) if found else None


def _post(browser: TestClient, page: str, action: str, **fields: Any) -> Any:
    return browser.post(action, data={"csrf": _csrf(browser.get(page).text), **fields})


# -- disputes -------------------------------------------------------------------------------


def test_dispute_an_entry_by_its_own_number_and_follow_it(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
    dispute_panel: list[dict[str, Any]],
) -> None:
    deposit(client, inst_a, signed_in_learner(client, admin)["id"])  # ledger ids run ahead
    learner = signed_in_learner(client, admin)
    first = deposit(client, inst_a, learner["id"], title="机械制图基础")
    second = deposit(client, inst_a, learner["id"], title="液压与气动技术")
    assert (first["seq"], second["seq"]) == (1, 2) and second["id"] != 2  # global ids differ
    browser = _portal(app, learner)

    account = browser.get("/portal/account").text
    assert 'href="/portal/entries/2/dispute"' in account
    form = browser.get("/portal/entries/2/dispute")
    assert form.status_code == 200
    assert "对第 2 条明细提出申诉" in form.text
    assert "您可在" in form.text  # the last day to dispute is shown

    filed = _post(
        browser, "/portal/entries/2/dispute", "/portal/entries/2/dispute", grounds=GROUNDS
    )
    assert filed.status_code == 303
    page = browser.get(filed.headers["location"])
    assert "第 2 条明细的申诉" in page.text and "审理中" in page.text
    with Session(engine) as session:
        row = session.exec(select(Dispute).where(col(Dispute.learner_id) == learner["id"])).one()
    assert row.ledger_entry_id == second["id"]  # the learner's no. 2, not ledger entry 2
    assert f"/portal/disputes/{row.id}" in browser.get("/portal/disputes").text

    again = _post(
        browser, "/portal/entries/2/dispute", "/portal/entries/2/dispute", grounds=GROUNDS
    )
    assert again.status_code == 409 and _code(again.text) == "dispute_open"
    assert "该明细已有进行中的申诉" in again.text
    short = _post(browser, "/portal/entries/1/dispute", "/portal/entries/1/dispute", grounds="太短")
    assert short.status_code == 422 and _code(short.text) == "invalid_request"
    with Session(engine) as session:
        count = session.exec(
            select(func.count())
            .select_from(Dispute)
            .where(col(Dispute.learner_id) == learner["id"])
        ).one()
    assert count == 1  # nothing stored by the refusals

    english = browser.get(filed.headers["location"], headers={"Accept-Language": "en"})
    assert "Dispute of entry no. 2" in english.text and "的申诉" not in english.text

    other = _portal(app, signed_in_learner(client, admin))
    assert other.get(filed.headers["location"]).status_code == 404  # not theirs
    assert other.get("/portal/entries/2/dispute").status_code == 404  # no such entry of theirs


def test_a_dispute_after_the_window(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    dispute_panel: list[dict[str, Any]],
) -> None:
    learner = signed_in_learner(client, admin)
    with Session(engine) as session:
        old = ledger.append(
            session,
            learner_id=learner["id"],
            kind="deposit",
            half_credits=4,
            domain="AM",
            standard="GE-HOURS@1",
            rule="theory",
            explanation="old decision",
            now=utcnow() - timedelta(days=40),
        )
        session.commit()
        seq = old.seq
    browser = _portal(app, learner)
    form = browser.get(f"/portal/entries/{seq}/dispute")
    assert "申诉期已于" in form.text
    refused = _post(
        browser, f"/portal/entries/{seq}/dispute", f"/portal/entries/{seq}/dispute", grounds=GROUNDS
    )
    assert refused.status_code == 422 and _code(refused.text) == "dispute_window_closed"
    assert "申诉须在决定作出后 30 天内提出" in refused.text


# -- qualifications -------------------------------------------------------------------------


def test_redeem_with_a_confirmation_and_a_second_redemption_refused(
    app: FastAPI, client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    learner = _eligible_learner(client, admin, engine, inst_a)
    browser = _portal(app, learner)
    page = browser.get("/portal/qualifications").text
    order = re.findall(r'id="pathway-([A-Z-]+)"', page)
    assert order[0] == "AM-ASSOC"  # the one these credits meet comes first
    assert 'id="redeem-AM-ASSOC"' in page and 'id="redeem-AG-ASSOC"' not in page

    confirm = browser.get("/portal/qualifications/AM-ASSOC/redeem")
    assert "此操作无法撤销" in confirm.text
    with Session(engine) as session:  # looking at the confirmation redeems nothing
        assert (
            session.exec(
                select(Redemption).where(col(Redemption.learner_id) == learner["id"])
            ).first()
            is None
        )
    done = _post(
        browser, "/portal/qualifications/AM-ASSOC/redeem", "/portal/qualifications/AM-ASSOC/redeem"
    )
    assert done.status_code == 303
    earned = browser.get(done.headers["location"]).text
    found = re.search(r'href="(/portal/redemptions/(\d+)/statement.jwt)"', earned)
    assert found and "已获得的学历" in earned
    statement = browser.get(found.group(1))
    assert statement.headers["content-type"].startswith("application/jwt")
    claims = statement_format.unverified_claims(statement.text)
    assert claims["pathway"]["id"] == "AM-ASSOC" and claims["sub"] == str(learner["id"])

    again = browser.post(
        "/portal/qualifications/AM-ASSOC/redeem",
        data={"csrf": _csrf(browser.get("/portal/qualifications").text)},
    )
    assert again.status_code == 409 and _code(again.text) == "already_redeemed"
    assert "不能重复使用" in again.text
    with Session(engine) as session:
        rows = session.exec(
            select(Redemption).where(col(Redemption.learner_id) == learner["id"])
        ).all()
    assert len(rows) == 1
    other = _portal(app, signed_in_learner(client, admin))
    assert other.get(found.group(1)).status_code == 404


def test_too_few_credits_are_refused(
    app: FastAPI, client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    learner = signed_in_learner(client, admin)
    _credit(engine, inst_a, learner["id"], "AM", "course", 20)
    browser = _portal(app, learner)
    refused = _post(browser, "/portal/qualifications", "/portal/qualifications/AM-ASSOC/redeem")
    assert refused.status_code == 409 and _code(refused.text) == "insufficient_credits"
    unknown = _post(browser, "/portal/qualifications", "/portal/qualifications/NOPE/redeem")
    assert unknown.status_code == 404 and _code(unknown.text) == "not_found"


# -- certificates ---------------------------------------------------------------------------


def test_choose_entries_get_a_certificate_and_a_revoked_one_is_refused(
    app: FastAPI, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    learner = signed_in_learner(client, admin)
    for title in ("数控加工编程", "工业机器人应用", "电工基础"):
        deposit(client, inst_a, learner["id"], title=title)
    browser = _portal(app, learner)
    page = browser.get("/portal/certificates").text
    assert 'value="1"' in page and 'value="3"' in page and "工业机器人应用" in page

    nothing = _post(browser, "/portal/certificates", "/portal/certificates")
    assert nothing.status_code == 422 and _code(nothing.text) == "none_chosen"
    crowded = browser.post(
        "/portal/certificates",
        data={
            "csrf": _csrf(browser.get("/portal/certificates").text),
            "entry": [str(n) for n in range(1, 10)],
        },
    )
    assert crowded.status_code == 422 and _code(crowded.text) == "too_many"
    assert "最多选择 8 条" in crowded.text
    made = browser.post(
        "/portal/certificates",
        data={"csrf": _csrf(browser.get("/portal/certificates").text), "entry": ["1", "3"]},
    )
    assert made.status_code == 303
    jti = made.headers["location"].split("new=")[1].split("#")[0]
    with Session(engine) as session:
        credential = session.exec(select(Credential).where(col(Credential.jti) == jti)).one()
    assert credential.learner_id == learner["id"] and credential.format == "cbqr"
    listed = browser.get(made.headers["location"]).text
    assert f'id="pdf-{jti}"' in listed
    pdf = browser.get(f"/portal/credentials/{jti}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    changed = client.post(
        f"/credentials/{jti}/status", json={"status": "revoked", "reason": "test"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    listed = browser.get("/portal/certificates").text
    assert f'id="pdf-{jti}"' not in listed and 'data-status="revoked"' in listed
    assert "已撤销" in listed
    refused = browser.get(f"/portal/credentials/{jti}/certificate.pdf")
    assert refused.status_code == 409 and _code(refused.text) == "credential_revoked"
    assert "不再有效" in refused.text
    api = client.get(f"/credentials/{jti}/certificate.pdf", headers=admin)
    assert api.status_code == 409 and api.json()["code"] == "credential_revoked"

    # The credits are still the learner's: a new certificate of the same entries is fine.
    again = browser.post(
        "/portal/certificates",
        data={"csrf": _csrf(browser.get("/portal/certificates").text), "entry": ["1"]},
    )
    assert again.status_code == 303


def test_a_suspended_certificate_is_refused(
    app: FastAPI, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner = signed_in_learner(client, admin)
    entry = deposit(client, inst_a, learner["id"])
    issued = client.post(
        f"/learners/{learner['id']}/credentials", json={"entry_ids": [entry["id"]]}, headers=admin
    ).json()
    jti = issued["jti"]
    client.post(
        f"/credentials/{jti}/status", json={"status": "suspended", "reason": "t"}, headers=admin
    )
    browser = _portal(app, learner)
    refused = browser.get(f"/portal/credentials/{jti}/certificate.pdf")
    assert refused.status_code == 409 and _code(refused.text) == "credential_suspended"
    assert 'data-status="suspended"' in browser.get("/portal/certificates").text


# -- the wallet offer link ------------------------------------------------------------------


def test_the_wallet_offer_link_parses_back_to_the_offer(
    app: FastAPI, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner = signed_in_learner(client, admin)
    deposit(client, inst_a, learner["id"])
    browser = _portal(app, learner)
    page = _post(browser, "/portal/account", "/portal/wallet-offer")
    assert page.status_code == 200
    href = re.search(r'id="offer-link" href="([^"]+)"', page.text)
    tx_code = re.search(r'id="tx-code">(\d{6})<', page.text)
    assert href and tx_code
    link = href.group(1).replace("&amp;", "&")
    # By reference: the QR code and the link carry a short URL the wallet fetches.
    assert link.startswith("openid-credential-offer://?credential_offer_uri=https%3A%2F%2F")
    assert len(link) < 160
    qr = re.search(r'id="offer-qr" src="data:image/png;base64,([^"]+)"', page.text)
    assert qr is not None
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(qr.group(1)))))
    assert [d.text for d in decoded] == [link]  # the QR code is the same link
    offer = parse_offer(link, client)  # the reference wallet reads what the phone opens
    assert offer.configuration_ids and offer.tx_code and offer.tx_code["length"] == 6
    token = client.post(
        "/oid4vci/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": offer.pre_authorized_code,
            "tx_code": tx_code.group(1),
        },
    )
    assert token.status_code == 200, token.text  # the link carries the live offer's code
    reference = parse_qs(urlsplit(link).query)["credential_offer_uri"][0]
    used = client.get(reference)  # a used code's offer is no longer served
    assert used.status_code == 404 and used.json()["code"] == "not_found"
    assert client.get("/oid4vci/offers/" + "x" * 65).status_code == 422
