"""Imports run down the layers of docs/architecture.md, and nothing private crosses a package.

The layer table of docs/architecture.md is read here, so the document and this test cannot
drift apart. Every import of every module counts, also those inside functions and under
``TYPE_CHECKING``: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("keys", "verifier", "wallet", "issuer")
# What each package may never import (the verifier is installed without the service).
FORBIDDEN = {
    "keys": {"verifier", "wallet", "issuer", "fastapi", "sqlmodel", "sqlalchemy", "starlette"},
    "verifier": {"wallet", "issuer", "fastapi", "sqlmodel", "sqlalchemy", "starlette"},
    "wallet": {"issuer", "fastapi", "sqlmodel", "sqlalchemy", "starlette"},
    "issuer": {"wallet"},
}
_LAYER_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*`issuer/(\w+)(?:/|\.py)`\s*\|", re.M)


def issuer_layers() -> dict[str, int]:
    """Folder (or module) under issuer/ → its layer number, from docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    layers = {name: int(number) for number, name in _LAYER_ROW.findall(text)}
    assert layers, "docs/architecture.md has no layer table"
    return layers


@dataclass(frozen=True)
class Import:
    source: str  # dotted name of the importing module
    target: str  # dotted name of the imported module
    names: tuple[str, ...]  # names taken from it (``from target import names``)
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[Import]:
    source = module_name(path)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [Import(source, alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(alias.name for alias in node.names)
            out.append(Import(source, base, names, node.lineno))
    return out


def all_imports() -> list[Import]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found += imports_of(path)
    return found


def home(dotted: str) -> str:
    """The package a module belongs to for the privacy rule: issuer's folders count apart."""
    parts = dotted.split(".")
    return ".".join(parts[:2]) if parts[0] == "issuer" and len(parts) > 1 else parts[0]


def layer_of(dotted: str, layers: dict[str, int]) -> int | None:
    parts = dotted.split(".")
    if parts[0] != "issuer" or len(parts) < 2:
        return None
    return layers.get(parts[1])


def violations(imports: list[Import], layers: dict[str, int]) -> list[str]:
    found = []
    for imp in imports:
        where = f"{imp.source}:{imp.line} imports {imp.target}"
        top = imp.source.split(".")[0]
        if imp.target.split(".")[0] in FORBIDDEN.get(top, set()):
            found.append(f"{where}: {top} must not import {imp.target.split('.')[0]}")
        targets = [imp.target] + [f"{imp.target}.{name}" for name in imp.names]
        if home(imp.target) != home(imp.source):
            private = [t for t in targets if any(p.startswith("_") for p in t.split(".")[1:])]
            private = [t for t in private if not t.rpartition(".")[2].startswith("__")]
            if private:
                found.append(f"{where}: private name {private[0]} used across packages")
        mine = layer_of(imp.source, layers)
        if mine is None:
            continue
        if imp.source.startswith("issuer.migrations.versions") and imp.target.startswith("issuer"):
            found.append(f"{where}: a migration is history and imports nothing of issuer")
        theirs = [
            layer
            for target in targets
            if (layer := layer_of(target, layers)) is not None and layer > mine
        ]
        if theirs:
            found.append(f"{where}: layer {mine} imports layer {max(theirs)} (upward)")
    return found


def test_every_issuer_folder_has_a_layer() -> None:
    layers = issuer_layers()
    folders = {
        p.name for p in (ROOT / "issuer").iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    modules = {p.stem for p in (ROOT / "issuer").glob("*.py") if p.name != "__init__.py"}
    assert (folders | modules | {"migrations"}) == set(layers), "docs/architecture.md table"


def test_imports_run_down_the_layers() -> None:
    assert violations(all_imports(), issuer_layers()) == []


@pytest.mark.parametrize(
    ("source", "target", "names", "message"),
    [
        ("issuer.bank.ledger", "issuer.api.deps", ("SessionDep",), "upward"),
        ("issuer.core.audit", "issuer.credentials", ("issuance",), "upward"),
        ("issuer.cli", "verifier._cli_parser", ("UsageParser",), "private name"),
        ("issuer.api.portal", "issuer.portal", ("_session",), "private name"),
        ("verifier.cli", "issuer.core", ("settings",), "must not import"),
        ("keys._store", "fastapi", ("Depends",), "must not import"),
        ("issuer.migrations.versions.0009_x", "issuer.models", ("Learner",), "history"),
    ],
)
def test_the_check_catches(source: str, target: str, names: tuple[str, ...], message: str) -> None:
    """Each rule, broken on purpose, is reported."""
    found = violations([Import(source, target, names, 1)], issuer_layers())
    assert found and message in found[0]
