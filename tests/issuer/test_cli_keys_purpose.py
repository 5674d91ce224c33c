"""``creditbank keys`` with purposes: the badge key defaults to RS256 and rotates alone."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from issuer.cli import run


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert run(list(args)) == 0
    return capsys.readouterr().out


def _keys(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, str]]:
    listed: list[dict[str, Any]] = json.loads(_cli(capsys, "keys", "list", "--json"))
    return sorted((k["purpose"], k["alg"], k["state"]) for k in listed)


def test_badge_key_is_rs256_and_rotates_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [n for n in os.environ if n.startswith("CREDITBANK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CREDITBANK_ENV", "development")
    monkeypatch.setenv("CREDITBANK_HOME", str(tmp_path))
    _cli(capsys, "keys", "generate")
    assert "RS256  badge" in _cli(capsys, "keys", "generate", "--purpose", "badge")
    assert _keys(capsys) == [("badge", "RS256", "active"), ("signing", "ES256", "active")]
    _cli(capsys, "keys", "rotate", "--purpose", "badge")
    assert _keys(capsys) == [
        ("badge", "RS256", "active"),
        ("badge", "RS256", "retired"),
        ("signing", "ES256", "active"),  # untouched by the badge rotation
    ]
