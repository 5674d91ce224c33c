"""The error tree drawn in each package's errors docstring is the class tree, with its codes.

Each line of a drawn tree names a class, indented four characters per level under its
parent, and shows its code: ``422 invalid_request`` (the issuer: HTTP status, then code),
``"bad_signature"`` or ``code "unknown_key"`` (verifier, keys), ``2 "bad_usage"`` (the
wallet: CLI exit status, then code). Nothing is drawn that does not exist, and no error
class exists that is not drawn.
"""

from __future__ import annotations

import inspect
import re
from types import ModuleType

import pytest

import issuer.core.errors
import keys._errors
import verifier._errors
import wallet._errors

_LINE = re.compile(r"^(?P<prefix>(?:[│ ]   )*)(?:[├└]── )?(?P<name>[A-Z]\w+)(?P<rest>.*)$")
_STATUS_CODE = re.compile(r"^\s+(?P<status>\d{3}) (?P<code>[a-z_]+)\b")
_EXIT_CODE = re.compile(r'^\s+(?:code\s+)?(?:(?P<exit>\d)\s+)?"(?P<code>[a-z_]+)"')

TREES: list[tuple[ModuleType, type[Exception]]] = [
    (issuer.core.errors, issuer.core.errors.CreditBankError),
    (keys._errors, keys._errors.KeysError),
    (verifier._errors, verifier._errors.VerificationError),
    (wallet._errors, wallet._errors.WalletError),
]


def drawn_tree(module: ModuleType, root: type[Exception]) -> list[tuple[int, str, str]]:
    """(depth, class name, the rest of the line) for each line of the drawn tree."""
    doc = module.__doc__ or ""
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(root.__name__))
    indent = len(lines[start]) - len(lines[start].lstrip())
    out = []
    for line in lines[start:]:
        if not line.strip():
            break
        match = _LINE.match(line[indent:])
        assert match, f"not a tree line: {line!r}"
        depth = len(match["prefix"]) // 4 + (1 if match["prefix"] or "── " in line else 0)
        out.append((depth, match["name"], match["rest"]))
    return out


@pytest.mark.parametrize(("module", "root"), TREES, ids=[m.__name__ for m, _ in TREES])
def test_drawn_tree_is_the_class_tree(module: ModuleType, root: type[Exception]) -> None:
    classes = {
        name: cls
        for name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, root) and cls.__module__ == module.__name__
    }
    drawn = drawn_tree(module, root)
    assert sorted(name for _, name, _ in drawn) == sorted(classes), "classes missing or extra"
    parents: list[str] = []
    for depth, name, rest in drawn:
        del parents[depth:]
        cls = classes[name]
        if parents:
            assert cls.__bases__[0].__name__ == parents[-1], f"{name} is not under {parents[-1]}"
        else:
            assert cls is root
        parents.append(name)
        if found := _STATUS_CODE.match(rest):
            assert (int(found["status"]), found["code"]) == (cls.status, cls.code), name  # type: ignore[attr-defined]
        elif found := _EXIT_CODE.match(rest):
            assert found["code"] == cls.code, name  # type: ignore[attr-defined]
            if found["exit"] is not None:
                assert int(found["exit"]) == cls.exit_status, name  # type: ignore[attr-defined]
        else:
            raise AssertionError(f"{name} is drawn without its code")


def test_a_misdrawn_tree_is_caught() -> None:
    """The check itself fails on a tree that puts a class under the wrong parent."""

    class Root(Exception):
        code = "root"

    class Child(Root):
        code = "child"

    class Grandchild(Child):
        code = "grandchild"

    module = ModuleType("drawn")
    module.__doc__ = (
        'Tree::\n\n    Root "root"\n    ├── Child      "child"\n    └── Grandchild "grandchild"\n'
    )
    for cls in (Root, Child, Grandchild):
        cls.__module__ = "drawn"
        setattr(module, cls.__name__, cls)
    with pytest.raises(AssertionError, match="not under"):
        test_drawn_tree_is_the_class_tree(module, Root)
    module.__doc__ = 'Tree::\n\n    Root       "root"\n    └── Child  "chlid"\n'
    del module.Grandchild
    Grandchild.__module__ = "elsewhere"
    with pytest.raises(AssertionError, match="Child"):
        test_drawn_tree_is_the_class_tree(module, Root)


def test_shared_codes_are_defined_once() -> None:
    """``unsupported_alg``, ``unknown_key`` and ``bad_passphrase`` are the keys package's."""
    assert verifier._errors.UnsupportedAlgorithm.code == keys._errors.UnsupportedAlgorithm.code
    assert verifier._errors.UnknownKey.code == keys._errors.KeyNotFound.code
    assert wallet._errors.BadPassphrase.code == keys._errors.BadPassphrase.code
