"""The PDF certificate as printed and on screen: embedded font, Chinese text, a QR that reads.

The QR is read off pages that pdftoppm renders from the PDF, by four decoders we did not
write (tests/qr_decoders.py): zxing-cpp, ZBar, OpenCV (both detectors) and the verify
page's own jsQR. 100 dpi is a PDF shown at 100 % on an ordinary monitor.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from issuer.core import migrate
from issuer.core.settings import Settings
from issuer.credentials import certificate_font
from issuer.credentials.qr_image import qr_version
from issuer.demo.story import run_story
from tests.issuer.factories import problem
from tests.issuer.test_certificate import issue_credential
from tests.qr_decoders import DECODERS

pytestmark = pytest.mark.db

DPIS = (100, 150, 300)
FIVE = ("工业机器人编程基础", "智能产线运维实训", "数控加工工艺与编程", "电工电子技术基础", "工业网络与组态控制")
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (Debian poppler-utils) is not installed"
)


def _pages(pdf: bytes, dpi: int) -> Image.Image:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "c.pdf"
        source.write_bytes(pdf)
        out = Path(tmp) / "page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", source, out],
            check=True,
            timeout=60,
        )
        with Image.open(f"{out}.png") as image:
            return image.copy()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, bytes]:
    """The QR text and PDF certificate of ``creditbank demo``'s two-entry credential."""
    home = tmp_path_factory.mktemp("demo")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=home,
        database_url=f"sqlite:///{home / 'creditbank.db'}",
        verify_base_url="http://127.0.0.1:8000",
    )
    migrate.upgrade(settings.db_url)
    result = run_story(settings)
    from issuer.credentials.certificate import write_demo_certificate

    out = write_demo_certificate(settings, result.credential["jti"], home / "demo.pdf")
    return str(result.credential["qr_text"]), out.read_bytes()


@pytest.fixture(scope="module")
def demo_pages(demo: tuple[str, bytes]) -> dict[int, Image.Image]:
    return {dpi: _pages(demo[1], dpi) for dpi in DPIS}


@needs_poppler
@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_the_demo_certificate_qr_reads_on_screen_and_paper(
    demo: tuple[str, bytes], demo_pages: dict[int, Image.Image], dpi: int, decoder: str
) -> None:
    qr_text, _ = demo
    assert qr_version(qr_text) in (16, 17)  # the size issue 10 measured
    read: Callable[[Image.Image], list[str]] = DECODERS[decoder]
    assert read(demo_pages[dpi]) == [qr_text]


@pytest.fixture(scope="module")
def five(client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]) -> tuple[str, bytes]:
    _, cred = issue_credential(client, admin, inst_a, titles=FIVE)
    response = client.get(f"/credentials/{cred['jti']}/certificate.pdf", headers=admin)
    assert response.status_code == 200, response.text
    return str(cred["qr_text"]), response.content


@needs_poppler
@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("decoder", ["jsqr", "zbar", "zxing-cpp"])
def test_a_five_entry_certificate_reads_too(
    five: tuple[str, bytes], dpi: int, decoder: str
) -> None:
    qr_text, pdf = five
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert qr_version(qr_text) <= 20  # printed with 3/100-inch modules, at most 80 mm
    assert DECODERS[decoder](_pages(pdf, dpi)) == [qr_text]


def _fonts(pdf: bytes) -> dict[str, Any]:
    fonts: dict[str, Any] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    return fonts


def test_every_font_is_embedded(demo: tuple[str, bytes]) -> None:
    fonts = _fonts(demo[1])
    assert fonts, "the PDF names no font"
    for name, font in fonts.items():
        descriptor = font["/FontDescriptor"].get_object()
        assert any(f"/FontFile{n}" in descriptor for n in ("", "2", "3")), name
        assert "+" in name, f"{name} is not a subset"  # only the glyphs used are carried
    if shutil.which("pdffonts"):
        listing = subprocess.run(
            ["pdffonts", "-"], input=demo[1], capture_output=True, check=True, timeout=60
        ).stdout.decode()
        rows = listing.splitlines()[2:]
        assert rows and all(row.split()[-5] == "yes" for row in rows), listing


def test_the_chinese_text_is_extractable(demo: tuple[str, bytes]) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=demo[1], capture_output=True, check=True, timeout=60
    ).stdout.decode()
    for expected in ("学分证书", "兹证明", "张晓明", "工业机器人编程基础", "证书核验", "发证机构"):
        assert expected in text, expected
    assert "Credit Certificate" in text


def test_the_certificate_follows_the_reader_language(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    _, cred = issue_credential(client, admin, inst_a, titles=FIVE[:1])
    url = f"/credentials/{cred['jti']}/certificate.pdf"
    english = client.get(url, headers={**admin, "Accept-Language": "en-GB,en;q=0.9"})
    chinese = client.get(url, headers=admin)
    en_text = PdfReader(io.BytesIO(english.content)).pages[0].extract_text()
    zh_text = PdfReader(io.BytesIO(chinese.content)).pages[0].extract_text()
    assert en_text.index("This is to certify") < en_text.index("兹证明")
    assert zh_text.index("兹证明") < zh_text.index("This is to certify")
    assert "Date of issue" in en_text and "Course" in en_text


def test_a_missing_font_is_a_clear_error_not_a_crash(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, cred = issue_credential(client, admin, inst_a, titles=FIVE[:1])
    missing = tmp_path / "no-such-font.ttf"
    monkeypatch.setattr(settings, "certificate_font", missing)
    body = problem(
        client.get(f"/credentials/{cred['jti']}/certificate.pdf", headers=admin),
        500,
        "certificate_font_missing",
    )
    assert "fonts-wqy-zenhei" in str(body)
    # A file that is no font, or a CJK font without Latin letters, is refused the same way.
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    monkeypatch.setattr(settings, "certificate_font", bogus)
    problem(
        client.get(f"/credentials/{cred['jti']}/certificate.pdf", headers=admin),
        500,
        "certificate_font_missing",
    )
    with caplog.at_level(logging.WARNING):
        assert certificate_font.check_font(missing) is False
    assert "certificate_font_missing" in caplog.text
