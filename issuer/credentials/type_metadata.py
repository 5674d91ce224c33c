"""SD-JWT VC Type Metadata of the credit certificate, and the logo wallets show.

The ``vct`` of our SD-JWT VCs is a URL (``<iss>/vct/credit-certificate/1``) that returns
the document built here: name and description in Chinese and English, a display label
for every claim, rendering colours and the logo (SD-JWT VC draft, "SD-JWT VC Type
Metadata"). The credential carries ``vct#integrity``, the W3C Subresource Integrity
string of the exact bytes served, so a wallet can tell the type it fetched is the one
the issuer signed for; the logo carries ``uri#integrity`` the same way.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.formats import sd_jwt

if TYPE_CHECKING:
    from issuer.core.settings import Settings

__all__ = [
    "BACKGROUND_COLOR",
    "LOGO_PATH",
    "TEXT_COLOR",
    "integrity",
    "logo_bytes",
    "logo_url",
    "type_metadata",
    "type_metadata_bytes",
    "vct",
    "vct_integrity",
]

#: Where the service serves the logo (issuer/credentials/static/creditbank-logo.png).
LOGO_PATH = "/issuer/logo.png"
#: The portal's brand colour (issuer/portal/templates/base.html, ``--brand``) and white.
BACKGROUND_COLOR = "#1f4e79"
TEXT_COLOR = "#ffffff"
_LOGO_FILE = Path(__file__).resolve().parent / "static" / "creditbank-logo.png"

#: (claim path, zh label, en label, disclosability) for every claim a wallet may show.
_CLAIMS: tuple[tuple[tuple[str | int | None, ...], str, str, str], ...] = (
    (("name",), "姓名", "Name", "always"),
    (("masked_id",), "身份证号（部分隐藏）", "National ID (masked)", "always"),
    (("credits",), "学分合计", "Total credits", "always"),
    (("entries",), "学习成果", "Recognised achievements", "never"),
    (("entries", None), "学习成果", "Recognised achievement", "always"),
    (("entries", None, "title"), "名称", "Title", "never"),
    (("entries", None, "domain"), "领域", "Domain", "never"),
    (("entries", None, "kind"), "类别", "Kind", "never"),
    (("entries", None, "credits"), "学分", "Credits", "never"),
    (("entries", None, "standard"), "转换标准", "Conversion standard", "never"),
    (("entries", None, "institution"), "认证机构", "Institution", "always"),
    (("entries", None, "date"), "完成日期", "Completed on", "always"),
    (("entries", None, "hours"), "学时", "Study hours", "always"),
    (("entries", None, "grade"), "成绩", "Grade", "always"),
)


def integrity(data: bytes) -> str:
    """The W3C Subresource Integrity string (``sha256-<base64>``) of ``data``."""
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


@cache
def logo_bytes() -> bytes:
    """The PNG logo (256 × 256) shown on the credential and in the issuer's display."""
    return _LOGO_FILE.read_bytes()


@cache
def _logo_integrity() -> str:
    return integrity(logo_bytes())


def logo_url(settings: Settings) -> str:
    """The absolute URL of the logo."""
    return settings.verify_base_url.rstrip("/") + LOGO_PATH


def vct(settings: Settings) -> str:
    """The ``vct`` of the credit certificate: a URL under the issuer."""
    return sd_jwt.vct_of(settings.verify_base_url)


def _logo(settings: Settings, alt: str) -> dict[str, str]:
    return {"uri": logo_url(settings), "uri#integrity": _logo_integrity(), "alt_text": alt}


def type_metadata(settings: Settings) -> dict[str, Any]:
    """The Type Metadata document of the credit certificate."""
    display = [
        {
            "locale": "zh-CN",
            "name": "学分证书",
            "description": f"{settings.issuer_name_zh}签发的学分证书：已认定的学习成果及其学分。",
            "rendering": {
                "simple": {
                    "logo": _logo(settings, f"{settings.issuer_name_zh}标志"),
                    "background_color": BACKGROUND_COLOR,
                    "text_color": TEXT_COLOR,
                }
            },
        },
        {
            "locale": "en",
            "name": "Credit certificate",
            "description": (
                f"Credits recognised by {settings.issuer_name_en}, with the achievements "
                "they were recognised for."
            ),
            "rendering": {
                "simple": {
                    "logo": _logo(settings, f"{settings.issuer_name_en} logo"),
                    "background_color": BACKGROUND_COLOR,
                    "text_color": TEXT_COLOR,
                }
            },
        },
    ]
    claims = [
        {
            "path": list(path),
            "display": [{"locale": "zh-CN", "label": zh}, {"locale": "en", "label": en}],
            "sd": sd,
        }
        for path, zh, en, sd in _CLAIMS
    ]
    return {
        "vct": vct(settings),
        "name": "Credit certificate 学分证书",
        "description": "A learner's recognised credits at a lifelong-learning credit bank.",
        "display": display,
        "claims": claims,
    }


def type_metadata_bytes(settings: Settings) -> bytes:
    """The exact bytes served at the ``vct`` URL; ``vct#integrity`` is their digest."""
    text = json.dumps(type_metadata(settings), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def vct_integrity(settings: Settings) -> str:
    """``vct#integrity`` of the credit certificate (SRI of :func:`type_metadata_bytes`)."""
    return integrity(type_metadata_bytes(settings))
