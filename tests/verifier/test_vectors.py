"""The golden cbqr vectors of tests/vectors/cbqr/, one test per directory.

Each vector is run through the library as the CLI would: read the input (text or
QR image), load the trust bundle against the pinned anchor, verify at the vector's
clock. The outcome must be exactly the expected validity and error code.
"""

from __future__ import annotations

import pytest

import verifier
from tests.vectors.cases import all_cases, case, case_names
from verifier import ERRORS_BY_CODE, TrustBundle, VerificationError, verify
from verifier._input import read_input

EXPECTED_KEYS = {"valid", "error", "at", "description"}


def _run(name: str) -> verifier.VerifiedCredential:
    vector = case(name)
    trust = TrustBundle.load(vector.bundle_path, vector.anchor_path)
    text = read_input(str(vector.input_path))
    return verify(text, trust, now=vector.at, max_bundle_age=vector.max_bundle_age)


@pytest.mark.parametrize("name", case_names())
def test_vector(name: str) -> None:
    vector = case(name)
    if vector.expected["valid"]:
        result = _run(name).to_json()
        assert result["valid"] is True
        for key, value in vector.expected.get("expect", {}).items():
            assert result[key] == value, key
    else:
        with pytest.raises(VerificationError) as caught:
            _run(name)
        assert caught.value.code == vector.code, caught.value.detail


@pytest.mark.parametrize("name", case_names())
def test_vector_is_well_formed(name: str) -> None:
    vector = case(name)
    assert vector.expected.keys() >= EXPECTED_KEYS
    assert vector.expected["description"]
    assert vector.expected["valid"] is (vector.code is None)
    assert vector.code is None or vector.code in ERRORS_BY_CODE
    assert vector.input_path.exists()


#: Codes about reading files rather than credentials; tests/verifier/test_cli.py triggers them.
CLI_ONLY_CODES = {"unreadable_input"}


def test_every_error_code_has_a_vector() -> None:
    # Codes of the SD-JWT VC / OB 3.0 forms only; tests/verifier/test_sd_jwt.py triggers each.
    from tests.verifier.test_sd_jwt import SD_JWT_CODES

    covered = {c.code for c in all_cases()} | CLI_ONLY_CODES | SD_JWT_CODES
    assert set(ERRORS_BY_CODE) - covered == set()


def test_image_vectors_hold_the_text_vector() -> None:
    """The PNG and JPEG vectors decode to exactly the QR text of the text vector."""
    text = case("valid").input_path.read_text("utf-8").strip()
    for name in ("valid_png", "valid_jpeg"):
        assert read_input(str(case(name).input_path)) == text


def test_vectors_use_each_kind_of_input() -> None:
    suffixes = {c.input_path.suffix for c in all_cases()}
    assert suffixes == {".txt", ".png", ".jpg"}
    assert len(all_cases()) >= 35
