"""Statistics: the figures of a seeded story, the CSV and the SVG charts."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.conversion import recognitions
from issuer.core.i18n import TIME_ZONE
from issuer.models import Recognition
from tests.issuer.committee_factories import deposit, pending_recognition
from tests.issuer.factories import create_institution, create_learner, problem, with_consent
from tests.issuer.test_certificate import issue_credential

pytestmark = pytest.mark.db


def _figures(client: TestClient, admin: dict[str, str], code: str) -> dict[tuple[str, str], Any]:
    month = datetime.now(TIME_ZONE).strftime("%Y-%m")
    response = client.get(
        "/statistics", params={"institution": code, "from": month, "to": month}, headers=admin
    )
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert {r["group"] for r in rows} <= {code} and {r["period"] for r in rows} <= {month}
    return {(r["metric"], r["key"]): r for r in rows}


@pytest.fixture()
def story(client: TestClient, admin: dict[str, str], engine: Engine) -> dict[str, Any]:
    """A school opens two accounts and records three courses and a work experience; one
    credential is issued; a university receives a transfer; a review is decided in 48 h."""
    school = create_institution(client, admin)
    university = create_institution(client, admin)
    first = create_learner(client, school["headers"], name="统计甲")
    second = create_learner(client, school["headers"], name="统计乙")
    _, cred = issue_credential(client, admin, school, learner=first, titles=("数控", "制图"))
    deposit(client, school, second["id"], hours=48)
    recognition_id = pending_recognition(engine, school, second["id"])
    with Session(engine) as session:
        row = session.get(Recognition, recognition_id)
        assert row is not None
        recognitions.approve(
            session,
            recognition_id,
            decided_by="committee case 0",
            now=row.created_at + timedelta(hours=48),
        )
        session.commit()
    body = with_consent(client, admin, first, university, {"items": [{"jti": cred["jti"]}]})
    moved = client.post("/transfers", json=body, headers=university["headers"])
    assert moved.status_code == 201, moved.text
    return {"school": school, "university": university, "transfer": moved.json()}


def test_figures_of_the_story(
    client: TestClient, admin: dict[str, str], story: dict[str, Any]
) -> None:
    school = _figures(client, admin, story["school"]["code"])
    assert school[("accounts_opened", "")]["count"] == 2
    # Theory 32 h = 2 credits, practice 48 h = 1.5, theory 48 h = 3 (the general hours
    # rule), and the approved work experience's 12 credits.
    assert school[("deposits", "AM/course")]["count"] == 3
    granted = school[("credits_granted", "")]
    assert granted["count"] == 4
    assert granted["half_credits"] == school[("deposits", "AM/course")]["half_credits"] + 24
    assert school[("deposits", "AM/work_experience")]["half_credits"] == 24
    # Applications are recognitions decided by the engine or the committee; courses an
    # institution records are deposited by the general hours rule without one.
    assert school[("applications", "recognised")]["count"] == 1
    assert ("applications", "pending_review") not in school
    assert school[("review_time", "")]["count"] == 1
    assert school[("review_time", "")]["hours"] == 48.0
    assert school[("credentials_issued", "cbqr")]["count"] == 1
    assert ("transfers", "") not in school

    university = _figures(client, admin, story["university"]["code"])
    assert university[("transfers", "")]["count"] == 1
    assert university[("transfers", "")]["half_credits"] == story["transfer"]["half_credits"]
    assert ("accounts_opened", "") not in university


def test_csv_holds_the_same_figures(
    client: TestClient, admin: dict[str, str], story: dict[str, Any]
) -> None:
    code = story["school"]["code"]
    response = client.get("/statistics.csv", params={"institution": code}, headers=admin)
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "period", "group", "metric", "key", "count", "credits", "half_credits", "hours",
    ]  # fmt: skip
    accounts = [r for r in rows if r["metric"] == "accounts_opened"]
    assert [r["count"] for r in accounts] == ["2"] and accounts[0]["credits"] == ""
    (granted,) = [r for r in rows if r["metric"] == "credits_granted"]
    assert float(granted["credits"]) * 2 == int(granted["half_credits"])


@pytest.mark.parametrize("name", ["credits", "deposits", "applications", "credentials",
                                  "accounts", "transfers"])  # fmt: skip
def test_charts_are_svg_without_script(
    client: TestClient, admin: dict[str, str], story: dict[str, Any], name: str
) -> None:
    code = story["school"]["code"]
    response = client.get(
        f"/statistics/charts/{name}.svg", params={"institution": code, "lang": "en"},
        headers=admin,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/svg+xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag.endswith("svg")
    assert b"<script" not in response.content and b"kozea.github.io" not in response.content


def test_chart_titles_follow_the_language(
    client: TestClient, admin: dict[str, str], story: dict[str, Any]
) -> None:
    code = story["school"]["code"]
    zh = client.get(
        "/statistics/charts/credits.svg", params={"institution": code}, headers=admin
    ).text
    en = client.get(
        "/statistics/charts/credits.svg", params={"institution": code, "lang": "en"},
        headers=admin,
    ).text  # fmt: skip
    assert "Credits granted per month" in en
    assert "每月认定学分" in zh and code in zh


@pytest.mark.parametrize(
    "params",
    [{"from": "2026-13"}, {"to": "2026-1"}, {"from": "2026-05", "to": "2026-04"},
     {"institution": "NOPE-404"}],
)  # fmt: skip
def test_bad_statistics_filters(
    client: TestClient, admin: dict[str, str], params: dict[str, str]
) -> None:
    problem(client.get("/statistics", params=params, headers=admin), 422, "invalid_filter")
    problem(client.get("/statistics.csv", params=params, headers=admin), 422, "invalid_filter")


def test_statistics_need_the_operator(client: TestClient, admin: dict[str, str]) -> None:
    school = create_institution(client, admin)
    problem(client.get("/statistics", headers=school["headers"]), 403, "forbidden")
    problem(client.get("/statistics/charts/nope.svg", headers=admin), 404, "not_found")
