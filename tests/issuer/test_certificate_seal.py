"""The seal on the PDF certificate: the demo seal by default, the configured image if set.

The certificate is rendered with pdftoppm and its pixels counted: the page's own colours
are blue and grey, so red on the page is the demo seal, and green the test's own seal.
Screenshots of the rendered pages are written to the session's temporary directory.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.credentials import certificate, certificate_font, certificate_seal
from issuer.models import Credential, Learner
from tests.issuer.test_certificate import issue_credential

pytestmark = [
    pytest.mark.db,
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed"),
]


def _page(pdf: bytes, where: Path) -> np.ndarray[Any, Any]:
    source = where / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", str(source), str(where / "page")],
        check=True,
        timeout=60,
    )
    with Image.open(where / "page.png") as image:
        return np.asarray(image.convert("RGB")).astype(int)


def _count(page: np.ndarray[Any, Any], colour: str) -> int:
    r, g, b = page[..., 0], page[..., 1], page[..., 2]
    if colour == "red":
        return int(((r > 150) & (g < 110) & (b < 110)).sum())
    return int(((g > 120) & (r < 90) & (b < 90)).sum())


def _render(credential: Credential, learner: Learner, seal: Path | None) -> bytes:
    return certificate.render_certificate_pdf(
        credential,
        learner,
        {},
        "https://verify.creditbank.test/v1#0123",
        issuer_name=("示范终身学习学分银行", "Demo Lifelong Learning Credit Bank"),
        seal_file=seal,
    )


def test_the_demo_seal_and_a_configured_seal_are_printed(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
    tmp_path: Path,
) -> None:
    learner_body, issued = issue_credential(client, admin, inst_a)
    with Session(engine, expire_on_commit=False) as session:
        credential = session.exec(
            select(Credential).where(col(Credential.jti) == issued["jti"])
        ).one()
        learner = session.get(Learner, learner_body["id"])
    assert learner is not None

    demo_dir = tmp_path / "demo"
    demo_dir.mkdir()
    demo = _page(_render(credential, learner, None), demo_dir)
    assert _count(demo, "red") > 2000  # the demo seal, ~34 mm across
    assert _count(demo, "green") == 0

    green = tmp_path / "green-seal.png"
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 390, 390), outline=(20, 160, 40, 255), width=40)
    image.save(green)
    own_dir = tmp_path / "own"
    own_dir.mkdir()
    own = _page(_render(credential, learner, green), own_dir)
    assert _count(own, "green") > 1000
    assert _count(own, "red") == 0  # the configured seal replaces the demo one


def test_the_demo_seal_is_our_drawing(tmp_path: Path) -> None:
    font = next(p for p in certificate_font.DEFAULT_FONT_FILES if p.exists())
    drawn = certificate_seal.draw_demo_seal(tmp_path / "seal.png", "示范终身学习学分银行", font)
    with Image.open(drawn) as image, Image.open(certificate_seal.DEMO_SEAL) as shipped:
        assert image.size == shipped.size == (600, 600)
        assert image.mode == shipped.mode == "RGBA"
        assert image.getpixel((5, 5))[3] == 0  # transparent outside the ring
        assert image.getpixel((300, 20))[:3] == (200, 22, 36)  # the outer ring is seal red


def test_a_seal_setting_must_name_a_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, env="test", certificate_seal=tmp_path / "missing.png")  # type: ignore[call-arg]
    seal = tmp_path / "seal.png"
    shutil.copy(certificate_seal.DEMO_SEAL, seal)
    chosen = Settings(_env_file=None, env="test", certificate_seal=seal)  # type: ignore[call-arg]
    assert certificate_seal.seal_file(chosen.certificate_seal) == seal
