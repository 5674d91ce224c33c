"""The certificate's QR code: its version and how many decoders read it on screen and paper.

The demo's two-entry credential and a five-entry one are made in memory as the demo
issues them (same learner, courses, institution and base URL; a fresh key, ``jti`` and
status index each time, so the size varies as it does in real issuance). Each is printed
by the real certificate code, rendered by pdftoppm at 100, 150 and 300 dpi and read by the
four decoders of tests/qr_decoders.py (zxing-cpp, ZBar, OpenCV's two detectors, jsQR).
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benchmarks.qr_credential import _signer
from issuer.credentials import certificate, certificate_qr
from issuer.credentials.qr_image import BORDER, qr_version
from verifier.formats import cbqr

BASE_URL = "http://127.0.0.1:8000"  # the demo's verify_base_url
TITLES = (
    "工业机器人编程基础",
    "智能产线运维实训",
    "数控加工工艺与编程",
    "电工电子技术基础",
    "工业网络与组态控制",
)
INSTITUTIONS = {
    "ZZIM": (
        "郑州智能制造职业学院（示例）",
        "Zhengzhou Institute of Intelligent Manufacturing (demo)",
    )
}
BANK = ("示范终身学习学分银行", "Demo Lifelong Learning Credit Bank")
DPIS = (100, 150, 300)


def demo_credential(entries: int) -> cbqr.QRCredential:
    """A credential like the demo's, with ``entries`` courses (the demo has two)."""
    courses = tuple(
        cbqr.CreditEntry(
            title,
            "AM",
            "course",
            6 - i % 2,
            48 + 32 * (i % 2),
            "GE-HOURS@1",
            "ZZIM",
            dt.date(2026, 6, 30) + dt.timedelta(days=15 * i),
        )
        for i, title in enumerate(TITLES[:entries])
    )
    return cbqr.QRCredential(
        issuer="CB-DEMO",
        jti=secrets.token_urlsafe(9),  # 12 characters, as issued
        nbf=int(dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp()),
        exp=None,
        name="张晓明",
        masked_id="4101**********1230",
        entries=courses,
        status_list="1",
        status_index=secrets.randbelow(131_072),
    )


def _issue(entries: int) -> tuple[str, bytes]:
    claims = demo_credential(entries)
    token = cbqr.encode(claims, _signer()[1])
    qr_text = cbqr.to_qr_text(token, BASE_URL)
    stored = SimpleNamespace(
        jti=claims.jti,
        format="cbqr",
        token=token,
        expires_at=None,
        issued_at=dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC),
    )
    pdf = certificate.render_certificate_pdf(
        stored,
        SimpleNamespace(id=1),
        INSTITUTIONS,
        qr_text,
        issuer_name=BANK,  # type: ignore[arg-type]
    )
    return qr_text, pdf


def _readers(samples: int, entries: int) -> dict[str, Any]:
    try:
        from PIL import Image

        from tests.qr_decoders import DECODERS
    except ImportError as exc:
        return {f"certificate_qr_{entries}_entries_skipped": f"missing package: {exc.name}"}
    if shutil.which("pdftoppm") is None or shutil.which("node") is None:
        return {f"certificate_qr_{entries}_entries_skipped": "pdftoppm or node not installed"}
    read = {(dpi, name): 0 for dpi in DPIS for name in DECODERS}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(samples):
            qr_text, pdf = _issue(entries)
            source = Path(tmp) / "c.pdf"
            source.write_bytes(pdf)
            for dpi in DPIS:
                out = Path(tmp) / "page"
                subprocess.run(
                    [
                        "pdftoppm",
                        "-png",
                        "-r",
                        str(dpi),
                        "-f",
                        "1",
                        "-l",
                        "1",
                        "-singlefile",
                        source,
                        out,
                    ],
                    check=True,
                    timeout=120,
                )
                with Image.open(f"{out}.png") as page:
                    page.load()
                    for name, decoder in DECODERS.items():
                        read[dpi, name] += decoder(page) == [qr_text]
    return {
        f"certificate_qr_{entries}_entries_read_at_{dpi}dpi_by_{name}": f"{count}/{samples}"
        for (dpi, name), count in read.items()
    }


def run(samples: int = 8, sizes: int = 40) -> dict[str, Any]:
    """QR versions over ``sizes`` issues each, and decoder reads over ``samples`` each."""
    figures: dict[str, Any] = {}
    for entries, label in ((2, "demo_two_entries"), (5, "five_entries")):
        versions = sorted(
            qr_version(
                cbqr.to_qr_text(cbqr.encode(demo_credential(entries), _signer()[1]), BASE_URL)
            )
            for _ in range(sizes)
        )
        modules = 17 + 4 * versions[-1] + 2 * BORDER
        module = certificate_qr.module_inch(modules)
        figures[f"qr_version_{label}"] = versions[len(versions) // 2]
        figures[f"qr_version_{label}_range"] = f"{versions[0]}-{versions[-1]}"
        figures[f"qr_printed_mm_{label}"] = round(modules * module * 25.4, 1)
        figures[f"qr_module_px_at_100dpi_{label}"] = round(module * 100, 2)
        figures.update(_readers(samples, entries))
    figures["qr_version_target_two_entries"] = "print >= 50 mm (or version <= 15 at M)"
    return figures
