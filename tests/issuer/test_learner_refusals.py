"""A learner's refused attempts are audited, in the portal and in the learner API.

For each refusal code the attempt is made as the learner makes it (a portal form over HTTP
with the session cookie and the CSRF field, or the JSON API with the learner's token); the
test asserts the code and the words, one audit event ``learner.refused.<attempt>`` with the
learner as actor and subject and the code as reason, and that nothing else was stored
(every table holds as many rows as before, but for that one event and the sign-in
throttle's count of a password attempt).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.bank import ledger, passwords
from issuer.core.settings import Settings
from issuer.models import AuditEvent, utcnow
from tests.issuer.committee_factories import deposit, signed_in_learner
from tests.issuer.factories import problem, row_counts
from tests.issuer.staff_factories import make_staff
from tests.issuer.staff_factories import sign_in as staff_sign_in
from tests.issuer.test_portal import _csrf
from tests.issuer.test_portal_acts import GROUNDS, _code, _portal, _post
from tests.issuer.test_portal_recognitions import CERT
from tests.issuer.test_qualifications import _eligible_learner
from tests.issuer.test_recognition_applications import HTML, centres, jpeg

pytestmark = pytest.mark.db
__all__ = ["centres"]

#: Tables a refused password attempt may change besides the trail: the throttle's count.
_COUNTED = {"signin_throttle"}
_n = iter(range(1, 1000))


def _last_event(engine: Engine, action: str, subject: str) -> AuditEvent | None:
    with Session(engine) as session:
        return session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action) == action, col(AuditEvent.subject) == subject)
            .order_by(col(AuditEvent.id).desc())
        ).first()


def _refused(
    engine: Engine,
    attempt: Callable[[], Any],
    *,
    action: str,
    learner_id: int,
    code: str,
    actor: str | None = None,
    via: str = "portal",
) -> Any:
    """Make ``attempt``; assert its one audit event and that nothing else was stored."""
    before = row_counts(engine, trail=True)
    response = attempt()
    after = row_counts(engine, trail=True)
    assert after["audit_event"] == before["audit_event"] + 1, response.text
    changed = {t for t in before if before[t] != after[t]} - {"audit_event"} - _COUNTED
    assert changed == set(), f"the refusal stored rows in {changed}"
    event = _last_event(engine, f"learner.refused.{action}", f"learner:{learner_id}")
    assert event is not None
    assert event.actor == (actor or f"learner:{learner_id}")
    assert event.reason == code
    assert event.details == {"via": via}
    return response


# -- the portal -------------------------------------------------------------------------------


def test_disputes_refused_in_the_portal_are_audited(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
    dispute_panel: list[dict[str, Any]],
) -> None:
    learner = signed_in_learner(client, admin)
    deposit(client, inst_a, learner["id"], title="机械制图基础")
    browser = _portal(app, learner)
    page = "/portal/entries/1/dispute"
    assert _post(browser, page, page, grounds=GROUNDS).status_code == 303
    again = _refused(
        engine,
        lambda: _post(browser, page, page, grounds=GROUNDS),
        action="dispute",
        learner_id=learner["id"],
        code="dispute_open",
    )
    assert again.status_code == 409 and _code(again.text) == "dispute_open"
    assert "该明细已有进行中的申诉" in again.text

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
        late_page = f"/portal/entries/{old.seq}/dispute"
    late = _refused(
        engine,
        lambda: _post(browser, late_page, late_page, grounds=GROUNDS),
        action="dispute",
        learner_id=learner["id"],
        code="dispute_window_closed",
    )
    assert _code(late.text) == "dispute_window_closed" and "30 天内" in late.text


def test_a_second_redemption_in_the_portal_is_audited(
    app: FastAPI, client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    learner = _eligible_learner(client, admin, engine, inst_a)
    browser = _portal(app, learner)
    page = "/portal/qualifications/AM-ASSOC/redeem"
    assert _post(browser, page, page).status_code == 303
    again = _refused(
        engine,
        lambda: _post(browser, "/portal/qualifications", page),
        action="redeem",
        learner_id=learner["id"],
        code="already_redeemed",
    )
    assert again.status_code == 409 and "不能重复使用" in again.text


@pytest.mark.parametrize(
    ("files", "code", "words"),
    [
        (
            [("files", ("photo.jpg", HTML, "image/jpeg"))],
            "unsupported_file_type",
            "PDF、JPEG 或 PNG",
        ),
        (
            [("files", ("big.jpg", jpeg()[:4] + b"0" * (9 << 20), "image/jpeg"))],
            "evidence_too_large",
            "MB",
        ),
        (
            [("files", (f"{n}.jpg", jpeg(), "image/jpeg")) for n in range(11)],
            "too_many_files",
            "10",
        ),
    ],
)
def test_a_refused_recognition_application_is_audited(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    centres: tuple[int, int],
    files: list[Any],
    code: str,
    words: str,
) -> None:
    learner = signed_in_learner(client, admin)
    browser = _portal(app, learner)
    csrf = _csrf(browser.get("/portal/recognitions/new?kind=vocational_cert").text)
    fields = {**CERT, "certificate_number": f"RF-{next(_n)}-2025", "centre": str(centres[0])}
    refused = _refused(
        engine,
        lambda: browser.post("/portal/recognitions", data={"csrf": csrf, **fields}, files=files),
        action="recognition",
        learner_id=learner["id"],
        code=code,
    )
    assert refused.status_code in (413, 422) and words in refused.text
    assert f'data-code="{code}"' in refused.text or 'id="error"' in refused.text


def test_a_wrong_current_password_and_a_bad_reset_code_are_audited(
    app: FastAPI, client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    learner = signed_in_learner(client, admin)
    browser = _portal(app, learner)
    page = browser.get("/portal/password")
    fields = {"password": "not-mine-2026", "new_password": "x2027pwlong", "new_password_again": ""}
    fields["new_password_again"] = fields["new_password"]
    wrong = _refused(
        engine,
        lambda: browser.post("/portal/password", data={"csrf": _csrf(page.text), **fields}),
        action="password_change",
        learner_id=learner["id"],
        code="wrong_password",
    )
    assert wrong.status_code == 403 and "当前密码不正确" in wrong.text

    with Session(engine) as session:
        issued = passwords.issue_code(
            session, settings, learner["id"], channel="in_person", actor="t"
        )
        session.commit()
    stranger = TestClient(app, follow_redirects=False)
    reset = stranger.get("/portal/password/reset")
    form = {
        "csrf": _csrf(reset.text),
        "learner_id": str(learner["id"]),
        "code": "99999999" if issued.code != "99999999" else "88888888",
        "new_password": "fromcentre2027",
        "new_password_again": "fromcentre2027",
    }
    bad = _refused(
        engine,
        lambda: stranger.post("/portal/password/reset", data=form),
        action="password_reset",
        learner_id=learner["id"],
        code="reset_code_invalid",
        actor="anonymous",
    )
    assert bad.status_code == 422 and "验证码错误或已过期" in bad.text


def test_a_refused_sign_in_is_audited(
    app: FastAPI, client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    learner = signed_in_learner(client, admin)
    stranger = TestClient(app, follow_redirects=False)
    page = stranger.get("/portal/sign-in")
    form = {"csrf": _csrf(page.text), "learner_id": str(learner["id"]), "password": "guess-1"}
    refused = _refused(
        engine,
        lambda: stranger.post("/portal/sign-in", data=form),
        action="sign_in",
        learner_id=learner["id"],
        code="unauthenticated",
        actor="anonymous",
    )
    assert refused.status_code == 401 and "账户号或密码不正确" in refused.text


def test_the_certificate_of_a_revoked_credential_is_refused_and_audited(
    app: FastAPI, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    learner = signed_in_learner(client, admin)
    deposit(client, inst_a, learner["id"], title="电工基础")
    browser = _portal(app, learner)
    made = _post(browser, "/portal/certificates", "/portal/certificates", entry="1")
    jti = made.headers["location"].split("new=")[1].split("#")[0]
    changed = client.post(
        f"/credentials/{jti}/status", json={"status": "revoked", "reason": "test"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    refused = _refused(
        engine,
        lambda: browser.get(f"/portal/credentials/{jti}/certificate.pdf"),
        action="certificate",
        learner_id=learner["id"],
        code="credential_revoked",
    )
    assert refused.status_code == 409 and "不再有效" in refused.text
    nothing = _refused(
        engine,
        lambda: _post(browser, "/portal/certificates", "/portal/certificates"),
        action="issue_certificate",
        learner_id=learner["id"],
        code="none_chosen",
    )
    assert _code(nothing.text) == "none_chosen"


def test_a_transfer_application_for_what_is_not_theirs_is_audited_not_a_consent(
    app: FastAPI, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    owner = signed_in_learner(client, admin)
    deposit(client, inst_a, owner["id"], title="液压与气动技术")
    owners = _portal(app, owner)
    made = _post(owners, "/portal/certificates", "/portal/certificates", entry="1")
    jti = made.headers["location"].split("new=")[1].split("#")[0]
    learner = signed_in_learner(client, admin)
    browser = _portal(app, learner)
    new = "/portal/transfer-applications/new"
    fields = {"institution": inst_a["code"], "programme": "机械工程", "jti": jti}
    refused = _refused(
        engine,
        lambda: _post(browser, new, "/portal/transfer-applications", **fields),
        action="transfer_application",
        learner_id=learner["id"],
        code="not_found",
    )
    assert refused.status_code == 404 and "请至少选择一项" in refused.text
    # A refused attempt gave no consent: the learner's consent history stays empty.
    history = browser.get("/portal/account").text.split('id="consent-history"')[1]
    assert "暂无记录" in history.split("</table>")[0]


# -- the learner API ----------------------------------------------------------------------------


def test_the_learner_apis_refusals_are_audited_through_the_same_path(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
    dispute_panel: list[dict[str, Any]],
) -> None:
    learner = signed_in_learner(client, admin)
    entry = deposit(client, inst_a, learner["id"], title="数控加工编程")
    path = f"/learners/{learner['id']}/disputes"
    body = {"ledger_entry_id": entry["id"], "grounds": GROUNDS}
    assert client.post(path, json=body, headers=learner["headers"]).status_code == 201
    again = _refused(
        engine,
        lambda: client.post(path, json=body, headers=learner["headers"]),
        action="dispute",
        learner_id=learner["id"],
        code="dispute_open",
        via="api",
    )
    problem(again, 409, "dispute_open")

    other = signed_in_learner(client, admin)
    theirs = _refused(
        engine,
        lambda: client.post(
            f"/learners/{other['id']}/transfer-applications",
            json={"institution": "X", "programme": "p", "items": [{"jti": "x"}]},
            headers=learner["headers"],
        ),
        action="transfer_application",
        learner_id=learner["id"],
        code="forbidden",
        via="api",
    )
    problem(theirs, 403, "forbidden")

    wrong = _refused(
        engine,
        lambda: client.post("/auth/token", json={"learner_id": other["id"], "password": "guess"}),
        action="sign_in",
        learner_id=other["id"],
        code="unauthenticated",
        actor="anonymous",
        via="api",
    )
    problem(wrong, 401, "unauthenticated")

    # The operator's refusals on the same routes are not the learner's attempts.
    before = row_counts(engine, trail=True)["audit_event"]
    refused = client.post(path, json=body, headers=admin)
    assert refused.status_code == 403
    assert row_counts(engine, trail=True)["audit_event"] == before


# -- the operator's audit page ---------------------------------------------------------------


def test_the_audit_page_shows_refused_attempts_in_words(
    app: FastAPI, client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    learner = signed_in_learner(client, admin)
    browser = _portal(app, learner)
    page = browser.get("/portal/password")
    fields = {"password": "not-mine", "new_password": "x2027pwlong", "new_password_again": ""}
    fields["new_password_again"] = fields["new_password"]
    browser.post("/portal/password", data={"csrf": _csrf(page.text), **fields})

    operator = TestClient(app)
    staff_sign_in(operator, make_staff(engine, settings, "operator"))
    target = {"target": f"learner:{learner['id']}", "action": "learner.refused."}
    zh = operator.get("/console/audit", params=target).text
    assert 'data-action="learner.refused.password_change"' in zh
    assert "学习者修改密码被拒绝" in zh and f"学习者（账户号 {learner['id']}）" in zh
    assert '密码错误 <span class="muted">wrong_password</span>' in zh  # words, then the code
    operator.cookies.set("cb_lang", "en")
    en = operator.get("/console/audit", params=target).text
    assert "Learner&#39;s password change refused" in en
    assert f"Learner no. {learner['id']}" in en and "Wrong password" in en


def test_a_wallet_offer_without_credits_is_refused_and_audited(
    app: FastAPI, client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    learner = signed_in_learner(client, admin)
    browser = _portal(app, learner)
    refused = _refused(
        engine,
        lambda: _post(browser, "/portal/account", "/portal/wallet-offer"),
        action="wallet_offer",
        learner_id=learner["id"],
        code="not_recognised",
    )
    assert refused.status_code == 422 and "您还没有可存入钱包的学分。" in refused.text
