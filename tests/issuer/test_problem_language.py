"""Problem documents speak the reader's language: title and detail follow Accept-Language.

Chinese by default (as the portal), English when asked; ``code`` and ``type`` never
change. Every error code's title has its translation (tests/issuer/test_i18n.py holds the
catalog complete; here the titles are checked to be message ids at all).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.bank import ledger
from issuer.core import errors, i18n
from issuer.models import utcnow
from tests.issuer.committee_factories import deposit, signed_in_learner
from tests.issuer.factories import problem
from tests.issuer.test_i18n import message_ids, untranslated

pytestmark = pytest.mark.db

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def _every_error() -> list[type[errors.CreditBankError]]:
    found, todo = [], [errors.CreditBankError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.startswith("issuer.")]


def test_every_code_has_a_translated_title() -> None:
    classes = _every_error()
    assert errors.DisputeOpen in classes and errors.AlreadyRedeemed in classes
    titles = {cls.title for cls in classes}
    assert titles <= message_ids()  # marked with N_, so `make messages` extracts them
    assert untranslated(titles, "zh_Hans") == []


def test_an_unknown_route_in_both_languages(client: TestClient) -> None:
    chinese = problem(client.get("/no-such-thing"), 404, "not_found")
    assert chinese["title"] == "未找到"
    english = client.get("/no-such-thing", headers=ENGLISH)
    assert problem(english, 404, "not_found")["title"] == "Not found"
    assert english.headers["content-language"] == "en"
    assert client.get("/no-such-thing", headers=CHINESE).headers["content-language"] == "zh-Hans"


def test_unauthenticated_in_both_languages(client: TestClient) -> None:
    chinese = problem(client.get("/learners/1/account"), 401, "unauthenticated")
    english = problem(client.get("/learners/1/account", headers=ENGLISH), 401, "unauthenticated")
    assert (chinese["title"], english["title"]) == ("需要登录认证", "Authentication required")


def _file(
    client: TestClient, learner: dict[str, Any], entry_id: int, language: dict[str, str]
) -> Any:
    return client.post(
        f"/learners/{learner['id']}/disputes",
        json={"ledger_entry_id": entry_id, "grounds": "学时记录不完整 / hours under-recorded"},
        headers={**learner["headers"], **language},
    )


def test_dispute_refusals_in_both_languages(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
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
            now=utcnow() - timedelta(days=31),
        )
        session.commit()
        old_id = old.id
    assert old_id is not None
    chinese = problem(_file(client, learner, old_id, CHINESE), 422, "dispute_window_closed")
    assert chinese["title"] == "申诉期已过"
    assert chinese["detail"] == "申诉须在决定作出后 30 天内提出。"
    english = problem(_file(client, learner, old_id, ENGLISH), 422, "dispute_window_closed")
    assert english["title"] == "Dispute window closed"
    assert english["detail"] == "Disputes are filed within 30 days of the decision."

    entry = deposit(client, inst_a, learner["id"])
    assert _file(client, learner, entry["id"], ENGLISH).status_code == 201
    again = problem(_file(client, learner, entry["id"], {}), 409, "dispute_open")
    assert again["title"] == "该明细已有进行中的申诉"
    assert again["detail"] == "该明细已有进行中的申诉，请等待裁定。"
    again_en = problem(_file(client, learner, entry["id"], ENGLISH), 409, "dispute_open")
    assert again_en["detail"] == "This entry already has an open dispute; wait for its decision."


def test_a_detail_outside_the_catalogs_is_kept(client: TestClient, admin: dict[str, str]) -> None:
    # A detail written for developers (not a catalog message) stays as it is; the title
    # still follows the reader.
    body = problem(
        client.post("/learners", json={}, headers={**admin, **CHINESE}), 422, "invalid_request"
    )
    assert body["title"] == i18n.translations("zh_Hans").gettext("Invalid request") == "请求无效"
    assert body["detail"] == "the request does not match the schema"
