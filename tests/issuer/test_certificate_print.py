"""The PDF certificate as printed and on screen: embedded font, Chinese text, a QR that reads.

The QR is read off pages that pdftoppm renders from the PDF, by four decoders we did not
write (tests/qr_decoders.py): zxing-cpp, ZBar, OpenCV (both detectors) and the verify
page's own jsQR. 100 dpi is a PDF shown at 100 % on an ordinary monitor.

Every demo run signs with a fresh key and ``jti``, so its QR differs each time. zxing-cpp,
ZBar and jsQR read every one measured (``make bench``: benchmarks/certificate_qr.py).
OpenCV's detectors miss some symbols (about 1 in 5 for ``QRCodeDetector`` at 100 dpi)
even though the page carries them pixel for pixel as the ideal bitmap (tested below): the
same ideal bitmap alone on a blank page of that size fails the same way. So OpenCV is held
to two demo credentials frozen in tests/issuer/data/demo_certificate_qr.txt, and the one
symbol ``QRCodeDetector`` cannot read on a page is a strict expected failure.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from issuer.core import migrate
from issuer.core.settings import Settings
from issuer.credentials import certificate, certificate_font, certificate_qr
from issuer.credentials.qr_image import build_qr, qr_version
from issuer.demo.story import run_story
from issuer.models import Credential, Learner
from tests.issuer.factories import problem
from tests.issuer.test_certificate import issue_credential
from tests.qr_decoders import DECODERS
from verifier.formats import cbqr
from verifier.formats.jws import split

pytestmark = pytest.mark.db

DPIS = (100, 150, 300)
FROZEN = Path(__file__).parent / "data" / "demo_certificate_qr.txt"
FIVE = (
    "工业机器人编程基础",
    "智能产线运维实训",
    "数控加工工艺与编程",
    "电工电子技术基础",
    "工业网络与组态控制",
)
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
    out = certificate.write_demo_certificate(settings, result.credential["jti"], home / "demo.pdf")
    return str(result.credential["qr_text"]), out.read_bytes()


@pytest.fixture(scope="module")
def demo_pages(demo: tuple[str, bytes]) -> dict[int, Image.Image]:
    return {dpi: _pages(demo[1], dpi) for dpi in DPIS}


@needs_poppler
@pytest.mark.parametrize(
    ("dpi", "decoder"),
    # jsQR reads a version-18 symbol at 100 and 300 dpi but only 3 of 8 at 150 dpi, where a
    # module is 4.5 px and the page scales the 1754 px image to 1600 px (make bench).
    [(dpi, name) for dpi in DPIS for name in ("zbar", "zxing-cpp")]
    + [(100, "jsqr"), (300, "jsqr")],
)
def test_the_demo_certificate_qr_reads_on_screen_and_paper(
    demo: tuple[str, bytes], demo_pages: dict[int, Image.Image], dpi: int, decoder: str
) -> None:
    qr_text, _ = demo
    assert qr_version(qr_text) in (16, 17)  # the size issue 10 measured
    read: Callable[[Image.Image], list[str]] = DECODERS[decoder]
    assert read(demo_pages[dpi]) == [qr_text]


FROZEN_TEXTS = FROZEN.read_text("ascii").split()


@pytest.fixture(scope="module", params=range(len(FROZEN_TEXTS)), ids=["v16", "v17"])
def frozen_pages(request: pytest.FixtureRequest) -> tuple[str, dict[int, Image.Image]]:
    """A demo credential's QR text (the first two demo runs of a version-16 and a version-17
    symbol, frozen), printed by today's certificate code."""
    qr_text = FROZEN_TEXTS[request.param]
    token = cbqr.extract_jws(qr_text)
    claims = cbqr.parse_claims(split(token).payload)
    stored = Credential(
        jti=claims.jti,
        format="cbqr",
        learner_id=1,
        token=token,
        status_list_id=claims.status_list,
        status_index=claims.status_index,
        issued_at=datetime(2026, 12, 1, 8, tzinfo=UTC),
    )
    pdf = certificate.render_certificate_pdf(
        stored,
        Learner(
            id=1, name=claims.name, national_id_hmac="0" * 64, national_id_masked=claims.masked_id
        ),
        {
            "ZZIM": (
                "郑州智能制造职业学院（示例）",
                "Zhengzhou Institute of Intelligent Manufacturing (demo)",
            )
        },
        qr_text,
        issuer_name=("示范终身学习学分银行", "Demo Lifelong Learning Credit Bank"),
    )
    return qr_text, {dpi: _pages(pdf, dpi) for dpi in DPIS}


@needs_poppler
@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_a_frozen_demo_certificate_reads_with_every_decoder(
    frozen_pages: tuple[str, dict[int, Image.Image]], dpi: int, decoder: str
) -> None:
    qr_text, pages = frozen_pages
    assert qr_version(qr_text) in (16, 17)
    if decoder == "opencv" and qr_text == FROZEN_TEXTS[1]:
        # QRCodeDetector does not find this symbol on an A4 page even as a perfect bitmap
        # (test_the_page_carries_the_ideal_symbol). Checked, not skipped: the day it reads
        # it, this fails and the exception goes. It depends on the symbol's modules, not on
        # their size or the page: printed with mask pattern 0 instead of the one qrcode
        # picks, this text reads at 100, 150 and 300 dpi but the version-16 sample then does
        # not; level L (version 14) and level Q (version 20) lose both OpenCV detectors at
        # 100 dpi; larger modules would take the symbol past the 71 mm it may occupy.
        assert DECODERS[decoder](pages[dpi]) != [qr_text], "OpenCV reads it now: drop this"
        pytest.xfail("OpenCV's QRCodeDetector misses this symbol on a full page")
    assert DECODERS[decoder](pages[dpi]) == [qr_text]


def _ideal(qr_text: str, pixels: int) -> np.ndarray[Any, Any]:
    matrix = build_qr(qr_text).get_matrix()
    dark = np.array(matrix, dtype=bool)
    return np.where(np.kron(dark, np.ones((pixels, pixels), dtype=bool)), 0, 255)


@needs_poppler
@pytest.mark.parametrize("dpi", [100, 300])
def test_the_page_carries_the_ideal_symbol(
    demo: tuple[str, bytes], demo_pages: dict[int, Image.Image], dpi: int
) -> None:
    """At 100 and 300 dpi every module is whole device pixels, so the rendered QR equals
    the ideal bitmap (3 and 9 px a module; at 150 dpi, 4.5 px, edges blend)."""
    qr_text, _ = demo
    page = np.asarray(demo_pages[dpi].convert("L")).astype(int)
    per_module = certificate_qr.module_inch(len(build_qr(qr_text).get_matrix())) * dpi
    assert per_module == int(per_module)
    ideal = _ideal(qr_text, int(per_module))
    found = DECODERS["zxing-cpp"]  # only to locate the symbol on the page
    assert found(demo_pages[dpi]) == [qr_text]
    import zxingcpp

    (result,) = zxingcpp.read_barcodes(demo_pages[dpi].convert("RGB"))
    quiet = 4 * int(per_module)
    x0, y0 = result.position.top_left.x - quiet, result.position.top_left.y - quiet
    side = ideal.shape[0]
    best = min(
        (
            int((np.abs(page[y : y + side, x : x + side] - ideal) > 128).sum()),
            (x, y),
        )
        for y in range(y0 - 3, y0 + 4)
        for x in range(x0 - 3, x0 + 4)
    )
    assert best[0] == 0, f"{best[0]} pixels differ from the ideal symbol at {best[1]}"


@pytest.fixture(scope="module")
def five(client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]) -> tuple[str, bytes]:
    _, cred = issue_credential(client, admin, inst_a, titles=FIVE)
    response = client.get(f"/credentials/{cred['jti']}/certificate.pdf", headers=admin)
    assert response.status_code == 200, response.text
    return str(cred["qr_text"]), response.content


@needs_poppler
@pytest.mark.parametrize(
    ("dpi", "decoder"),
    # jsQR reads a version-18 symbol at 100 and 300 dpi but only 3 of 8 at 150 dpi, where a
    # module is 4.5 px and the page scales the 1754 px image to 1600 px (make bench).
    [(dpi, name) for dpi in DPIS for name in ("zbar", "zxing-cpp")]
    + [(100, "jsqr"), (300, "jsqr")],
)
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
