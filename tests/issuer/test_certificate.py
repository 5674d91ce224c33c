"""The PDF certificate: it parses, says what the credential says, and its QR verifies."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from issuer.core import i18n, security
from issuer.core.errors import NotRecognised
from issuer.core.settings import Settings
from issuer.credentials import certificate, certificate_qr
from issuer.models import Credential
from tests.issuer.factories import course, create_learner, problem
from verifier import TrustBundle, verify

pytestmark = pytest.mark.db

TITLES = ("工业机器人编程基础", "智能产线运维实训")


def issue_credential(
    client: TestClient,
    admin: dict[str, str],
    inst: dict[str, Any],
    *,
    titles: tuple[str, ...] = TITLES,
    learner: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A learner (new unless given) with one course per title and a cbqr credential over them."""
    learner = learner or create_learner(client, inst["headers"], name="张晓明")
    entry_ids = []
    for i, title in enumerate(titles):
        body = course(title=title, hours=32 + 16 * i, course_type=("theory", "practice")[i % 2])
        response = client.post(
            f"/learners/{learner['id']}/courses", json=body, headers=inst["headers"]
        )
        assert response.status_code == 201, response.text
        entry_ids.append(response.json()["entry"]["id"])
    response = client.post(
        f"/learners/{learner['id']}/credentials", json={"entry_ids": entry_ids}, headers=admin
    )
    assert response.status_code == 201, response.text
    return learner, response.json()


@pytest.fixture(scope="module")
def issued(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    return issue_credential(client, admin, inst_a)


@pytest.fixture(scope="module")
def pdf(client: TestClient, admin: dict[str, str], issued: Any) -> bytes:
    _, cred = issued
    response = client.get(f"/credentials/{cred['jti']}/certificate.pdf", headers=admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert f"certificate-{cred['jti']}.pdf" in response.headers["content-disposition"]
    return response.content


def test_pdf_parses_and_says_what_the_credential_says(
    pdf: bytes, issued: Any, inst_a: dict[str, Any]
) -> None:
    learner, cred = issued
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in (
        "学分证书",
        "Credit Certificate",
        learner["name"],
        learner["national_id_masked"],
        cred["jti"],
        *TITLES,
        "GE-HOURS@1",
        inst_a["name_zh"],
        inst_a["name_en"],
        "Demo Lifelong Learning Credit Bank",
        "兹证明",
        "学分证书",
        "证书核验",
        "https://verify.creditbank.test/v1",
    ):
        assert expected in text, expected
    # Dates in Asia/Shanghai as the reader writes them, enum words rather than codes.
    issued = datetime.fromisoformat(cred["issued_at"].replace("Z", "+00:00"))
    assert i18n.format_date(issued, "zh_Hans") in text
    assert "2026年" in text and "课程" in text and "先进制造" in text
    assert " AM " not in text and "course" not in text
    # The clear national ID is never printed: only the masked form is known to the bank.
    assert "*" in learner["national_id_masked"]


def test_the_same_credential_renders_the_same_bytes(
    client: TestClient, admin: dict[str, str], issued: Any, pdf: bytes
) -> None:
    _, cred = issued
    again = client.get(f"/credentials/{cred['jti']}/certificate.pdf", headers=admin)
    assert again.content == pdf


def _render_png(pdf: bytes, tmp_path: Path, dpi: int = 150) -> Path:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed")
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(source), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    return tmp_path / "page.png"


def test_the_printed_qr_decodes_and_verifies(
    pdf: bytes,
    issued: Any,
    client: TestClient,
    app: FastAPI,
    tmp_path: Path,
) -> None:
    import zxingcpp

    _, cred = issued
    dpi = 150
    page = _render_png(pdf, tmp_path, dpi)
    with Image.open(page) as image:
        results = zxingcpp.read_barcodes(image.convert("RGB"))
    qr = [r for r in results if r.valid and "QR" in str(r.format)]
    assert len(qr) == 1
    assert qr[0].text == cred["qr_text"]
    # The symbol itself (without its quiet zone) is at least 35 mm wide on paper.
    pos = qr[0].position
    width_px = max(pos.top_right.x, pos.bottom_right.x) - min(pos.top_left.x, pos.bottom_left.x)
    assert width_px / dpi * 25.4 >= 35
    bundle = client.get("/trust-bundle").text
    trust = TrustBundle.from_bytes(bundle, app.state.keystore.anchor_jwk())
    verified = verify(qr[0].text, trust)
    assert verified.credential.jti == cred["jti"]


def test_the_learner_downloads_their_own_certificate_only(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    issued: Any,
    settings: Settings,
    pdf: bytes,
) -> None:
    learner, cred = issued
    own = {"Authorization": f"Bearer {security.issue_token(settings, learner['id'])}"}
    response = client.get(f"/credentials/{cred['jti']}/certificate.pdf", headers=own)
    assert response.status_code == 200
    assert response.content == pdf
    other = create_learner(client, inst_a["headers"], name="李四")
    theirs = {"Authorization": f"Bearer {security.issue_token(settings, other['id'])}"}
    problem(
        client.get(f"/credentials/{cred['jti']}/certificate.pdf", headers=theirs), 403, "forbidden"
    )
    problem(
        client.get(f"/credentials/{cred['jti']}/certificate.pdf", headers=inst_a["headers"]),
        403,
        "forbidden",
    )
    problem(client.get(f"/credentials/{cred['jti']}/certificate.pdf"), 401, "unauthenticated")


def test_unknown_credential_is_404(client: TestClient, admin: dict[str, str]) -> None:
    problem(client.get("/credentials/nope/certificate.pdf", headers=admin), 404, "not_found")


def test_only_qr_credentials_have_a_certificate() -> None:
    credential = Credential.model_construct(jti="x", format="ob3+jwt", token="a.b.c")
    with pytest.raises(NotRecognised):
        certificate.read_claims(credential)


def test_write_demo_certificate(settings: Settings, issued: Any, tmp_path: Path) -> None:
    _, cred = issued
    out = certificate.write_demo_certificate(settings, cred["jti"], tmp_path / "certificate-1.pdf")
    text = PdfReader(out).pages[0].extract_text()
    assert cred["jti"] in text
    json.dumps(str(out))


def test_modules_are_whole_pixels_at_100_dpi_and_large_symbols_stay_on_the_page() -> None:
    demo_size = 17 + 4 * 17 + 8  # version 17 with its quiet zone
    assert certificate_qr.module_inch(demo_size) * 100 == pytest.approx(3)
    assert demo_size * certificate_qr.module_inch(demo_size) * 25.4 >= 50
    huge = 17 + 4 * 30 + 8
    assert certificate_qr.module_inch(huge) * 100 == pytest.approx(2)
