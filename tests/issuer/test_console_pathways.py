"""The operator's qualification pathways page: requirements and redemption figures."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from issuer.bank import pathways
from issuer.core.settings import Settings
from tests.issuer.staff_factories import make_staff, make_unit, sign_in
from tests.issuer.test_qualifications import _eligible_learner

pytestmark = pytest.mark.db


def _redeemed(html: str, pathway_id: str) -> int:
    found = re.search(rf'id="pathway-{pathway_id}" data-redeemed="(\d+)"', html)
    assert found, f"{pathway_id} is not on the page"
    return int(found.group(1))


def test_the_operator_sees_every_pathway_and_its_redemptions(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    inst_a: dict[str, Any],
) -> None:
    operator = make_staff(engine, settings, "operator")
    browser = TestClient(app)
    sign_in(browser, operator)
    page = browser.get("/console/pathways")
    assert page.status_code == 200, page.text
    for pathway in pathways.pathways().values():
        assert f'id="pathway-{pathway.id}"' in page.text and pathway.title_zh in page.text
    before = _redeemed(page.text, "AM-ASSOC")

    learner = _eligible_learner(client, admin, engine, inst_a)
    redeemed = client.post(
        f"/learners/{learner['id']}/qualifications/AM-ASSOC/redemptions",
        headers=learner["headers"],
    )
    assert redeemed.status_code == 201, redeemed.text
    after = browser.get("/console/pathways", headers={"Accept-Language": "en"})
    assert _redeemed(after.text, "AM-ASSOC") == before + 1
    assert "last on" in after.text


def test_pathways_are_for_the_operator(app: FastAPI, engine: Engine, settings: Settings) -> None:
    reviewer = make_staff(
        engine, settings, "reviewer", centre_id=make_unit(engine, "province", None)
    )
    browser = TestClient(app)
    sign_in(browser, reviewer)
    refused = browser.get("/console/pathways")
    assert refused.status_code == 403 and 'data-code="forbidden"' in refused.text
