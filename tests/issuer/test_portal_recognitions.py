"""The portal's recognition application pages over HTTP: fields, preview, files, refusals.

Every refusal is a page in the reader's language (Chinese first) that stores nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.issuer.factories import create_institution, create_learner, row_counts
from tests.issuer.test_portal import PASSWORD, _browser, _csrf, sign_in
from tests.issuer.test_recognition_applications import HTML, centres, jpeg, stored_files

pytestmark = pytest.mark.db
__all__ = ["centres"]

CERT = {
    "kind": "vocational_cert",
    "occupation_name": "工业机器人系统运维员",
    "occupation_code": "6-31-01-10",
    "level": "四级",
    "certifying_body": "郑州市职业技能鉴定中心",
    "completed_on": "2025-03-01",
}
_n = iter(range(1, 1000))


@pytest.fixture()
def portal(app: FastAPI, client: TestClient, admin: dict[str, str]) -> tuple[TestClient, int]:
    inst = create_institution(client, admin)
    person: dict[str, Any] = create_learner(client, inst["headers"], name="韩梅梅")
    response = client.put(
        f"/learners/{person['id']}/password", json={"password": PASSWORD}, headers=admin
    )
    assert response.status_code == 204
    browser = _browser(app)
    assert sign_in(browser, person["id"]).status_code == 303
    return browser, person["id"]


def _fields(centre: int) -> dict[str, str]:
    return {**CERT, "certificate_number": f"PT-{next(_n)}-2025", "centre": str(centre)}


def test_choose_fill_preview_submit_and_follow(
    portal: tuple[TestClient, int], centres: tuple[int, int], settings: Any
) -> None:
    browser, _ = portal
    chooser = browser.get("/portal/recognitions/new")
    assert chooser.status_code == 200 and 'id="kind-vocational_cert"' in chooser.text
    assert len(re.findall(r'id="kind-', chooser.text)) == 7
    form = browser.get("/portal/recognitions/new?kind=vocational_cert")
    assert 'name="certificate_number"' in form.text and "职业编码" in form.text
    fields = _fields(centres[0])
    preview = browser.post(
        "/portal/recognitions/preview", data={"csrf": _csrf(form.text), **fields}
    )
    assert preview.status_code == 200, preview.text
    assert 'id="preview-credits">4 ' in preview.text and "认定4学分" in preview.text
    csrf = _csrf(preview.text)
    submitted = browser.post(
        "/portal/recognitions",
        data={"csrf": csrf, **fields},
        files=[("files", ("证书.jpg", jpeg(), "image/jpeg"))],
    )
    assert submitted.status_code == 303, submitted.text
    page = browser.get(submitted.headers["location"])
    assert "待审核" in page.text and "已提交" in page.text
    thumb = re.search(r'<img src="([^"]+)"', page.text)
    assert thumb is not None
    image = browser.get(thumb.group(1))
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    listing = browser.get("/portal/recognitions")
    assert "工业机器人系统运维员" in listing.text


def test_refusals_are_pages_in_chinese_and_store_nothing(
    portal: tuple[TestClient, int],
    centres: tuple[int, int],
    engine: Engine,
    settings: Any,
) -> None:
    browser, _ = portal
    csrf = _csrf(browser.get("/portal/recognitions/new?kind=vocational_cert").text)
    before, on_disk = row_counts(engine), stored_files(settings)
    unknown = browser.get("/portal/recognitions/new?kind=diploma")
    assert unknown.status_code == 422 and "请从列表中选择" in unknown.text
    missing = {k: v for k, v in _fields(centres[0]).items() if k != "occupation_code"}
    refused = browser.post("/portal/recognitions/preview", data={"csrf": csrf, **missing})
    assert refused.status_code == 422 and "职业编码" in refused.text
    no_centre = {**_fields(centres[0]), "centre": ""}
    refused = browser.post("/portal/recognitions/preview", data={"csrf": csrf, **no_centre})
    assert refused.status_code == 422 and "认证中心" in refused.text
    fields = _fields(centres[0])
    disguised = browser.post(
        "/portal/recognitions",
        data={"csrf": csrf, **fields},
        files=[("files", ("photo.jpg", HTML, "image/jpeg"))],
    )
    assert disguised.status_code == 422 and "PDF、JPEG 或 PNG" in disguised.text
    assert 'id="error"' in disguised.text
    huge = browser.post(
        "/portal/recognitions",
        data={"csrf": csrf, **fields},
        files=[("files", ("big.jpg", b"0" * (50 << 20), "image/jpeg"))],
    )
    assert huge.status_code == 413 and huge.headers["content-type"].startswith("text/html")
    assert "MB" in huge.text and 'id="error"' in huge.text
    nothing = {
        "csrf": csrf,
        "kind": "online_course",
        "centre": str(centres[0]),
        "title": "机器学习入门",
        "platform": "学堂在线",
        "hours": "20",
        "completed_on": "2025-02-01",
    }
    zero = browser.post("/portal/recognitions/preview", data=nothing)
    assert zero.status_code == 200 and 'id="not-recognised"' in zero.text
    assert 'id="submit-form"' not in zero.text
    forged = browser.post(
        "/portal/recognitions",
        data={"csrf": "forged", **fields},
        files=[("files", ("c.jpg", jpeg(), "image/jpeg"))],
    )
    assert forged.status_code == 403
    assert row_counts(engine) == before and stored_files(settings) == on_disk


def test_another_learners_application_and_files_are_not_found(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    portal: tuple[TestClient, int],
    centres: tuple[int, int],
) -> None:
    browser, _ = portal
    form = browser.get("/portal/recognitions/new?kind=vocational_cert")
    fields = _fields(centres[0])
    made = browser.post(
        "/portal/recognitions",
        data={"csrf": _csrf(form.text), **fields},
        files=[("files", ("c.jpg", jpeg(), "image/jpeg"))],
    )
    path = made.headers["location"].split("?")[0]
    inst = create_institution(client, admin)
    other: dict[str, Any] = create_learner(client, inst["headers"])
    client.put(f"/learners/{other['id']}/password", json={"password": PASSWORD}, headers=admin)
    intruder = _browser(app)
    sign_in(intruder, other["id"])
    assert intruder.get(path).status_code == 404
    assert intruder.get(f"{path}/files/1").status_code == 404
    # The same certificate again: refused on the preview page, in Chinese.
    csrf = _csrf(browser.get("/portal/recognitions/new?kind=vocational_cert").text)
    twice = browser.post(
        "/portal/recognitions",
        data={"csrf": csrf, **fields},
        files=[("files", ("c.jpg", jpeg(), "image/jpeg"))],
    )
    assert twice.status_code == 409 and "该证书已在学分银行登记" in twice.text
