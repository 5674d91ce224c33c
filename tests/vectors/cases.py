"""Reading the golden vectors of ``tests/vectors/cbqr/`` (written by ``generate.py``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

CBQR_DIR = Path(__file__).resolve().parent / "cbqr"
SHARED_TRUST = CBQR_DIR / "_trust"
#: The OB 3.0 / CLR JWT and SD-JWT VC vectors (written by generate_vc.py).
VC_DIR = Path(__file__).resolve().parent / "vc"
LDP_DIR = Path(__file__).resolve().parent / "ldp"
_INPUTS = ("input.txt", "input.png", "input.jpg")


@dataclass(frozen=True)
class Case:
    name: str
    directory: Path
    expected: dict[str, Any]
    #: The bundle and anchor of cases that bring none of their own.
    shared: Path = SHARED_TRUST

    @property
    def input_path(self) -> Path:
        for name in _INPUTS:
            if (self.directory / name).exists():
                return self.directory / name
        raise FileNotFoundError(f"vector {self.name} has no input file")

    @property
    def is_image(self) -> bool:
        return self.input_path.suffix != ".txt"

    @property
    def bundle_path(self) -> Path:
        own = self.directory / "trust-bundle.json"
        return own if own.exists() else self.shared / "trust-bundle.json"

    @property
    def anchor_path(self) -> Path:
        own = self.directory / "trust-anchor.jwk"
        return own if own.exists() else self.shared / "trust-anchor.jwk"

    @property
    def at(self) -> datetime:
        return datetime.fromisoformat(self.expected["at"].replace("Z", "+00:00"))

    @property
    def max_bundle_age(self) -> timedelta | None:
        hours = self.expected.get("max_bundle_age_hours")
        return None if hours is None else timedelta(hours=hours)

    @property
    def code(self) -> str | None:
        code: str | None = self.expected["error"]
        return code


@cache
def all_cases() -> tuple[Case, ...]:
    """Every vector, by directory name; directories starting with ``_`` hold shared files."""
    return tuple(
        Case(d.name, d, json.loads((d / "expected.json").read_text("utf-8")))
        for d in sorted(CBQR_DIR.iterdir())
        if d.is_dir() and not d.name.startswith("_")
    )


def case(name: str) -> Case:
    return next(c for c in all_cases() if c.name == name)


def case_names() -> list[str]:
    return [c.name for c in all_cases()]


@cache
def vc_cases() -> tuple[Case, ...]:
    """Every OB 3.0 / CLR JWT and SD-JWT VC vector, by directory name."""
    return tuple(
        Case(d.name, d, json.loads((d / "expected.json").read_text("utf-8")), VC_DIR / "_trust")
        for d in sorted(VC_DIR.iterdir())
        if d.is_dir() and not d.name.startswith("_")
    )


@cache
def ldp_cases() -> tuple[Case, ...]:
    """Every Data Integrity (eddsa-rdfc-2022) OB 3.0 / CLR 2.0 vector, by directory name."""
    return tuple(
        Case(d.name, d, json.loads((d / "expected.json").read_text("utf-8")), LDP_DIR / "_trust")
        for d in sorted(LDP_DIR.iterdir())
        if d.is_dir() and not d.name.startswith("_")
    )
