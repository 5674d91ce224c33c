"""A learner's own application for recognition with evidence files, over the real API.

Real JPEG / PNG images made with Pillow, a real PDF made with reportlab, the learner's
real bearer token; the reviewers' console pages with real staff sessions. Every refusal
asserts its problem code and that nothing was stored: no row and no file.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from reportlab.pdfgen import canvas
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.conversion import evidence_store
from issuer.core.settings import Settings
from issuer.models import AuditEvent
from tests.issuer.factories import (
    create_institution,
    create_learner,
    learner_headers,
    new_code,
    problem,
    row_counts,
)
from tests.issuer.staff_factories import make_staff, make_unit, sign_in

pytestmark = pytest.mark.db


def jpeg(colour: str = "navy", size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(out, format="PNG")
    return out.getvalue()


def pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Certificate scan")
    page.save()
    return out.getvalue()


HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def bomb() -> bytes:
    """A small PNG of 100 megapixels: opening it whole would take gigabytes."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def centres(engine: Engine) -> tuple[int, int]:
    province = make_unit(engine, "province", None, "河南省中心")
    return make_unit(engine, "sub_centre", province, "郑州"), make_unit(
        engine, "sub_centre", province, "洛阳"
    )


def vocational(n: str | None = None) -> dict[str, Any]:
    return {
        "kind": "vocational_cert",
        "occupation_name": "工业机器人系统运维员",
        "occupation_code": "6-31-01-10",
        "level": "四级",
        "certificate_number": f"EV-{n or new_code('C')}",
        "certifying_body": "郑州市职业技能鉴定中心",
        "completed_on": "2025-03-01",
    }


def learner(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    inst = create_institution(client, admin)
    person = create_learner(client, inst["headers"], name="李雷")
    learner_headers(client, admin, person)
    return person


def submit(
    client: TestClient,
    person: dict[str, Any],
    centre: int,
    achievement: dict[str, Any],
    files: list[tuple[str, bytes, str]],
    headers: dict[str, str] | None = None,
) -> Any:
    body = json.dumps({"centre_id": centre, "achievement": achievement})
    return client.post(
        f"/learners/{person['id']}/recognition-applications",
        data={"application": body},
        files=[("files", f) for f in files],
        headers=headers or person["headers"],
    )


def stored_files(settings: Settings) -> set[Path]:
    root = settings.home / "evidence"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_preview_then_submit_stores_the_files_by_sha256_and_waits_for_review(
    client: TestClient, admin: dict[str, str], settings: Settings, centres: tuple[int, int]
) -> None:
    person = learner(client, admin)
    achievement = vocational()
    preview = client.post(
        f"/learners/{person['id']}/recognition-applications/preview",
        json={"centre_id": centres[0], "achievement": achievement},
        headers=person["headers"],
    )
    assert preview.status_code == 200, preview.text
    decision = preview.json()
    assert decision["half_credits"] == 8 and "认定4学分" in decision["explanation_zh"]
    photo = jpeg()
    response = submit(
        client,
        person,
        centres[0],
        achievement,
        [("证书.jpg", photo, "image/jpeg"), ("scan.pdf", pdf(), "application/pdf")],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending_review"
    assert body["decision"]["half_credits"] == decision["half_credits"]
    assert body["ledger_entry_id"] is None
    assert [f["media_type"] for f in body["files"]] == ["image/jpeg", "application/pdf"]
    first = body["files"][0]
    path = evidence_store.path_of(settings.home, first["sha256"])
    assert path.read_bytes() == photo and oct(path.stat().st_mode & 0o777) == "0o600"
    got = client.get(
        f"/learners/{person['id']}/recognition-applications/{body['id']}/files/{first['id']}",
        headers=person["headers"],
    )
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"] == f'inline; filename="evidence-{first["id"]}.jpg"'
    listed = client.get(
        f"/learners/{person['id']}/recognition-applications", headers=person["headers"]
    )
    assert [a["id"] for a in listed.json()] == [body["id"]]


@pytest.mark.parametrize(
    ("files", "status", "code"),
    [
        ([("photo.jpg", HTML, "image/jpeg")], 422, "unsupported_file_type"),
        (
            [("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")],
            422,
            "unsupported_file_type",
        ),
        ([("scan.pdf", b"%PDF-1.7\n not really", "application/pdf")], 422, "unsupported_file_type"),
        ([("bomb.png", bomb(), "image/png")], 422, "unsupported_file_type"),
        ([(f"p{i}.jpg", jpeg(), "image/jpeg") for i in range(11)], 422, "too_many_files"),
        ([("big.png", b"\x89PNG" + b"0" * (9 << 20), "image/png")], 413, "evidence_too_large"),
        (
            [(f"b{i}.jpg", b"\xff\xd8\xff" + b"0" * (7 << 20), "image/jpeg") for i in range(3)],
            413,
            "evidence_too_large",
        ),
        ([], 422, "invalid_request"),
    ],
    ids=[
        "html-as-jpeg",
        "broken-png",
        "fake-pdf",
        "pixel-bomb",
        "eleven-files",
        "9-MB",
        "21-MB",
        "no-file",
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    centres: tuple[int, int],
    files: list[tuple[str, bytes, str]],
    status: int,
    code: str,
) -> None:
    person = learner(client, admin)
    before, on_disk = row_counts(engine), stored_files(settings)
    problem(submit(client, person, centres[0], vocational(), files), status, code)
    assert row_counts(engine) == before and stored_files(settings) == on_disk


def test_a_50_mb_upload_is_refused_before_it_is_read(
    client: TestClient, admin: dict[str, str], engine: Engine, centres: tuple[int, int]
) -> None:
    person = learner(client, admin)
    before = row_counts(engine)
    response = submit(
        client, person, centres[0], vocational(), [("big.jpg", b"0" * (50 << 20), "image/jpeg")]
    )
    problem(response, 413, "payload_too_large")
    assert row_counts(engine) == before


def test_bad_applications_are_refused_with_their_codes(
    client: TestClient, admin: dict[str, str], engine: Engine, centres: tuple[int, int]
) -> None:
    person, other = learner(client, admin), learner(client, admin)
    files = [("c.png", png(), "image/png")]
    before = row_counts(engine)
    # Someone else's account, with the learner's own token.
    problem(
        submit(client, other, centres[0], vocational(), files, person["headers"]), 403, "forbidden"
    )
    unknown = submit(client, person, centres[0], {**vocational(), "kind": "diploma"}, files)
    problem(unknown, 422, "invalid_request")
    missing = {k: v for k, v in vocational().items() if k != "certificate_number"}
    refused = problem(submit(client, person, centres[0], missing, files), 422, "invalid_request")
    assert any(e["loc"][-1] == "certificate_number" for e in refused["errors"])
    problem(submit(client, person, 999_999, vocational(), files), 422, "invalid_request")
    nothing = {
        "kind": "online_course",
        "title": "机器学习入门",
        "platform": "学堂在线",
        "hours": 20,
        "assessment_passed": False,
        "completed_on": "2025-02-01",
    }
    problem(submit(client, person, centres[0], nothing, files), 422, "not_recognised")
    assert row_counts(engine) == before
    # The same certificate twice: the second is refused and leaves nothing behind.
    once = vocational()
    assert submit(client, person, centres[0], once, files).status_code == 201
    again = row_counts(engine)
    problem(
        submit(client, other, centres[0], once, files, other["headers"]),
        409,
        "duplicate_certificate",
    )
    assert row_counts(engine) == again


def _reviewer(app: FastAPI, engine: Engine, settings: Settings, centre: int) -> TestClient:
    browser = TestClient(app, follow_redirects=False)
    sign_in(browser, make_staff(engine, settings, "reviewer", centre_id=centre))
    return browser


def _csrf(html: str) -> str:
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_reviewers_of_the_centre_see_the_files_others_are_out_of_scope_and_material_flows(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    centres: tuple[int, int],
) -> None:
    person = learner(client, admin)
    photo = jpeg("darkred")
    made = submit(client, person, centres[0], vocational(), [("c.jpg", photo, "image/jpeg")])
    assert made.status_code == 201, made.text
    body = made.json()
    rid, fid = body["recognition_id"], body["files"][0]["id"]

    zhengzhou = _reviewer(app, engine, settings, centres[0])
    page = zhengzhou.get(f"/console/review/{rid}")
    assert page.status_code == 200 and f'id="evidence-file-{fid}"' in page.text
    thumb = zhengzhou.get(f"/console/review/{rid}/files/{fid}?thumb=true")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(thumb.content)).size[0] <= evidence_store.THUMBNAIL_PIXELS
    whole = zhengzhou.get(f"/console/review/{rid}/files/{fid}")
    assert whole.content == photo and whole.headers["x-content-type-options"] == "nosniff"

    luoyang = _reviewer(app, engine, settings, centres[1])
    refused = luoyang.get(f"/console/review/{rid}/files/{fid}")
    assert refused.status_code == 403 and 'data-code="out_of_scope"' in refused.text
    assert photo not in refused.content

    # Material only when asked for.
    material = f"/learners/{person['id']}/recognition-applications/{body['id']}/material"
    early = client.post(
        material,
        data={"text": "补充"},
        files=[("files", ("x.png", png(), "image/png"))],
        headers=person["headers"],
    )
    problem(early, 409, "recognition_decided")
    token = _csrf(page.text)
    asked = zhengzhou.post(
        f"/console/review/{rid}/more-material", data={"csrf": token, "reason": "请上传证书背面"}
    )
    assert asked.status_code == 303
    shown = client.get(
        f"/learners/{person['id']}/recognition-applications/{body['id']}", headers=person["headers"]
    ).json()
    assert shown["status"] == "more_material" and shown["reason"] == "请上传证书背面"
    before = row_counts(engine)
    disguised = client.post(
        material,
        data={"text": "背面"},
        files=[("files", ("back.jpg", HTML, "image/jpeg"))],
        headers=person["headers"],
    )
    problem(disguised, 422, "unsupported_file_type")
    assert row_counts(engine) == before
    added = client.post(
        material,
        data={"text": "证书背面"},
        files=[("files", ("back.png", png(), "image/png"))],
        headers=person["headers"],
    )
    assert added.status_code == 200, added.text
    assert added.json()["status"] == "pending_review"
    assert [s["text"] for s in added.json()["supplements"]] == ["证书背面"]
    assert len(added.json()["files"]) == 2
    page = zhengzhou.get(f"/console/review/{rid}")
    assert "证书背面" in page.text
    approved = zhengzhou.post(f"/console/review/{rid}/approve", data={"csrf": _csrf(page.text)})
    assert approved.status_code == 303
    final = client.get(
        f"/learners/{person['id']}/recognition-applications/{body['id']}", headers=person["headers"]
    ).json()
    assert final["status"] == "recognised" and final["ledger_entry_id"] is not None
    with Session(engine) as session:
        actions = [
            e.action
            for e in session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.subject) == f"recognition:{rid}")
                .order_by(col(AuditEvent.id))
            )
        ]
    assert actions == [
        "recognition_application.submit",
        "review.more_material",
        "recognition_application.material",
        "review.approve",
    ]
