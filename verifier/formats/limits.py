"""The fixed values and limits of the ``cbqr`` format, read from ``cbqr_limits.json``.

The QR credential is checked in two languages: here in Python and by the verify
page's JavaScript (``verifier/static/verify/verify.js``). Both take its limits (inflate
cap, token length, ``kid`` length, header values, the trust bundle's sizes) from the one
JSON file beside this module, so that they cannot drift apart: the server writes the
file's content into ``verify.js`` when it serves it (``issuer/api/verify_page.py``), and
the modules of this package define their constants from the names below.
tests/verifier/test_limits.py fails when a Python constant or ``verify.js`` holds a
value of its own.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = [
    "ALGORITHMS",
    "BUNDLE_DOCUMENT_TYPE",
    "BUNDLE_TYP",
    "BUNDLE_VERSION",
    "DIGIT_OFFSET",
    "KID_LENGTH",
    "LEEWAY_SECONDS",
    "LIMITS_FILE",
    "MAX_BUNDLE_BYTES",
    "MAX_INFLATED_BYTES",
    "MAX_NUMERIC_DATE",
    "MAX_STATUS_LIST_BYTES",
    "MAX_TOKEN_LENGTH",
    "PAGE_BUNDLE_DOCUMENT_TYPE",
    "PAGE_BUNDLE_TYP",
    "PAGE_BUNDLE_VERSION",
    "SD_JWT_KB_TYP",
    "SD_JWT_MAX_LENGTH",
    "SD_JWT_MAX_PRESENTATION_AGE",
    "SD_JWT_SD_ALG",
    "SD_JWT_TYP",
    "SD_JWT_VCT_PATH",
    "SD_JWT_VCT_URN",
    "SIGNATURE_BYTES",
    "STATUS_LIST_BITS",
    "STATUS_REVOKED",
    "STATUS_SUSPENDED",
    "STATUS_VALID",
    "TYP",
    "VC_CONTEXT",
    "VC_ENVELOPED_PREFIX",
    "VC_JWT_MAX_LENGTH",
    "VC_JWT_TYP",
    "VERIFY_PATH",
    "ZIP",
    "limits_json",
]

#: The file's name inside the ``verifier.formats`` package.
LIMITS_FILE = "cbqr_limits.json"


def limits_json() -> str:
    """The text of ``cbqr_limits.json``, as shipped in the package (the page embeds it)."""
    return resources.files("verifier.formats").joinpath(LIMITS_FILE).read_text("utf-8")


_LIMITS: dict[str, Any] = json.loads(limits_json())


def _value(section: str, name: str, kind: type) -> Any:
    """One value of the file, refused at import when it is missing or of another type."""
    value = _LIMITS[section][name]
    if type(value) is not kind:
        raise TypeError(f"{LIMITS_FILE}: {section}.{name} must be a {kind.__name__}")
    return value


def _int(section: str, name: str) -> int:
    number: int = _value(section, name, int)
    return number


def _str(section: str, name: str) -> str:
    text: str = _value(section, name, str)
    return text


def _ints(section: str, name: str) -> dict[str, int]:
    table: dict[str, Any] = _value(section, name, dict)
    if not all(type(v) is int for v in table.values()):
        raise TypeError(f"{LIMITS_FILE}: {section}.{name} must map names to integers")
    return dict(table)


# -- the QR credential ---------------------------------------------------------------------

#: Header ``typ``: names the format and its version 1 (a version 2 gets a new typ).
TYP = _str("cbqr", "typ")
#: Header ``zip``: the payload is raw DEFLATE.
ZIP = _str("cbqr", "zip")
#: Length of the header ``kid``: a prefix of the key's RFC 7638 thumbprint.
KID_LENGTH = _int("cbqr", "kid_length")
#: The header algorithms a verifier may meet at all; the key still decides.
ALGORITHMS: tuple[str, ...] = tuple(_value("cbqr", "algorithms", list))
#: Fixed signature lengths by algorithm (RS256 follows the modulus).
SIGNATURE_BYTES = _ints("cbqr", "signature_bytes")
#: Longest compact JWS accepted as input (a QR code holds at most 7,089 digits).
MAX_TOKEN_LENGTH = _int("cbqr", "max_token_length")
#: Decoders refuse a payload that inflates beyond this many bytes.
MAX_INFLATED_BYTES = _int("cbqr", "max_inflated_bytes")
#: Latest NumericDate accepted (9999-12-31T23:59:59Z).
MAX_NUMERIC_DATE = _int("cbqr", "max_numeric_date")
#: Clock skew tolerated on ``nbf`` and ``exp``, in seconds.
LEEWAY_SECONDS = _int("cbqr", "leeway_seconds")
#: A JWS character ``c`` is written as the two digits of ``ord(c) - DIGIT_OFFSET``.
DIGIT_OFFSET = _int("cbqr", "digit_offset")
#: Path of the verify page under the verify base URL.
VERIFY_PATH = _str("cbqr", "verify_path")

# -- the trust bundle ----------------------------------------------------------------------

#: Protected header ``typ`` of the signed bundle.
BUNDLE_TYP = _str("trust_bundle", "typ")
#: The document's ``type`` and ``version``.
BUNDLE_DOCUMENT_TYPE = _str("trust_bundle", "document_type")
BUNDLE_VERSION = _int("trust_bundle", "version")
#: A bundle larger than this is refused before parsing.
MAX_BUNDLE_BYTES = _int("trust_bundle", "max_bundle_bytes")
#: A status list may inflate to at most this many bytes.
MAX_STATUS_LIST_BYTES = _int("trust_bundle", "max_status_list_bytes")
#: Bits per status list entry that a list may use.
STATUS_LIST_BITS: tuple[int, ...] = tuple(_value("trust_bundle", "status_list_bits", list))
_STATUS = _ints("trust_bundle", "status_values")
#: Status values: valid, revoked, suspended (others: status unavailable).
STATUS_VALID, STATUS_REVOKED, STATUS_SUSPENDED = (
    _STATUS["valid"],
    _STATUS["revoked"],
    _STATUS["suspended"],
)

# -- the Open Badges 3.0 / CLR 2.0 JWTs ----------------------------------------------------

#: Header ``typ`` of a VC JWT (OB 3.0 §8.2).
VC_JWT_TYP = _str("vc_jwt", "typ")
#: Longest VC JWT accepted (a CLR envelopes one JWT per achievement).
VC_JWT_MAX_LENGTH = _int("vc_jwt", "max_length")
#: The VCDM 2.0 base context, first in every credential and enveloped credential.
VC_CONTEXT = _str("vc_jwt", "vc_context")
#: The ``id`` prefix of an OB JWT enveloped in a CLR (a ``data:`` URL).
VC_ENVELOPED_PREFIX = _str("vc_jwt", "enveloped_prefix")

# -- SD-JWT VC presentations ----------------------------------------------------------------

#: Header ``typ`` of the issuer-signed JWT and of the key-binding JWT.
SD_JWT_TYP = _str("sd_jwt", "typ")
SD_JWT_KB_TYP = _str("sd_jwt", "kb_typ")
#: ``_sd_alg``: how disclosure digests are made.
SD_JWT_SD_ALG = _str("sd_jwt", "sd_alg")
#: Longest SD-JWT (with disclosures and KB-JWT) accepted.
SD_JWT_MAX_LENGTH = _int("sd_jwt", "max_length")
#: The credit-certificate ``vct``: the old URN, and the path of the URL form under ``iss``.
SD_JWT_VCT_URN = _str("sd_jwt", "vct_urn")
SD_JWT_VCT_PATH = _str("sd_jwt", "vct_path")
#: How old (by its KB-JWT ``iat``) a presentation may be, in seconds.
SD_JWT_MAX_PRESENTATION_AGE = _int("sd_jwt", "max_presentation_age_seconds")

# -- the verify page's bundle ----------------------------------------------------------------

#: Protected header ``typ`` of the page bundle: the trust bundle with a list directory
#: in place of the lists (verifier/formats/page_bundle.py), never taken for a full bundle.
PAGE_BUNDLE_TYP = _str("page_bundle", "typ")
#: The page bundle document's ``type`` and ``version``.
PAGE_BUNDLE_DOCUMENT_TYPE = _str("page_bundle", "document_type")
PAGE_BUNDLE_VERSION = _int("page_bundle", "version")
