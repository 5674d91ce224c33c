"""``creditbank-verify`` recognises OB 3.0 / CLR JWTs and SD-JWT presentations by their shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from keys import Signer, public_jwk
from tests.verifier import vc_fixtures as fx
from tests.verifier.test_ob3 import badge, transcript
from verifier import cli
from verifier.formats import sd_jwt, trust_bundle, vc_jwt
from verifier.formats.status_list import REVOKED

_ANCHOR_KEY = ec.derive_private_key(0xA11C, ec.SECP256R1())
ANCHOR = Signer(_ANCHOR_KEY, "ES256", public_jwk(_ANCHOR_KEY.public_key(), "ES256")["kid"])


def _run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    *extra: str,
    statuses: dict[int, int] | None = None,
) -> tuple[int, dict[str, Any]]:
    bundle = tmp_path / "trust-bundle.json"
    bundle.write_text(trust_bundle.sign_bundle(fx.bundle_document(statuses), ANCHOR))
    anchor = tmp_path / "anchor.jwk"
    anchor.write_text(json.dumps(public_jwk(_ANCHOR_KEY.public_key(), "ES256")))
    source = tmp_path / "input.txt"
    source.write_text(text + "\n")
    argv = [str(source), "--trust", str(bundle), "--anchor", str(anchor), "--json"]
    code = cli.run([*argv, "--at", fx.NOW.isoformat(), *extra])
    return code, json.loads(capsys.readouterr().out)


def test_presentation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    presentation = fx.present(sd_jwt.issue(fx.sd_claims(), fx.ISSUER))
    code, out = _run(tmp_path, capsys, presentation, "--aud", fx.AUD, "--nonce", fx.NONCE)
    assert code == 0 and out["format"] == "dc+sd-jwt"
    assert out["disclosed"]["name"] == "张三" and "masked_id" not in out["disclosed"]
    code, out = _run(tmp_path, capsys, presentation, "--aud", fx.AUD, "--nonce", "other")
    assert (code, out["error"]) == (1, "wrong_nonce")


def test_presentation_needs_aud_and_nonce(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    presentation = fx.present(sd_jwt.issue(fx.sd_claims(), fx.ISSUER))
    code, out = _run(tmp_path, capsys, presentation)
    assert (code, out["error"]) == (2, "unreadable_input")


def test_badge_and_transcript(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = vc_jwt.encode(badge(), fx.ISSUER)
    code, out = _run(tmp_path, capsys, token)
    assert (code, out["format"]) == (0, "ob3+jwt")
    code, out = _run(tmp_path, capsys, token, statuses={5: REVOKED})
    assert (code, out["error"]) == (1, "revoked")
    clr = vc_jwt.encode(transcript([token]), fx.ISSUER)
    code, out = _run(tmp_path, capsys, clr)
    assert (code, out["format"]) == (0, "clr+jwt")


def test_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    presentation = fx.present(sd_jwt.issue(fx.sd_claims(), fx.ISSUER))
    (tmp_path / "p.txt").write_text(presentation)
    bundle = tmp_path / "b.json"
    bundle.write_text(trust_bundle.sign_bundle(fx.bundle_document(), ANCHOR))
    anchor = tmp_path / "a.jwk"
    anchor.write_text(json.dumps(public_jwk(_ANCHOR_KEY.public_key(), "ES256")))
    argv = [str(tmp_path / "p.txt"), "--trust", str(bundle), "--anchor", str(anchor)]
    assert cli.run([*argv, "--at", fx.NOW.isoformat(), "--aud", fx.AUD, "--nonce", fx.NONCE]) == 0
    text = capsys.readouterr().out
    assert "VALID" in text and "张三" in text and "dc+sd-jwt" in text
