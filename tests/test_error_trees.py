"""The error tree drawn in each package's errors docstring is the class hierarchy.

Every node names a class, its code in quotes and (wallet) its CLI exit status; the
tree's parent of each node is the class's base. Nothing is drawn that does not exist,
and no error class exists that is not drawn.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any, NamedTuple

import pytest

import keys._errors
import verifier._errors
import wallet._errors

_NODE = re.compile(
    r"^(?P<indent>(?:│   |    )*)(?P<branch>├── |└── )?(?P<name>[A-Z]\w+)\s+"
    r"(?:code\s+)?(?:(?P<exit>\d)\s+)?\"(?P<code>[a-z_]+)\""
)


class Node(NamedTuple):
    name: str
    parent: str | None
    code: str
    exit_status: int | None


def drawn_tree(doc: str) -> list[Node]:
    """The nodes of the one tree in ``doc``, each with the node it hangs from."""
    nodes: list[Node] = []
    path: list[str] = []
    for line in doc.splitlines():
        found = _NODE.match(line)
        if found is None:
            continue
        depth = len(found["indent"]) // 4 + (1 if found["branch"] else 0)
        assert depth <= len(path), f"a node without a parent: {line!r}"
        del path[depth:]
        parent = path[-1] if path else None
        exit_status = None if found["exit"] is None else int(found["exit"])
        nodes.append(Node(found["name"], parent, found["code"], exit_status))
        path.append(found["name"])
    return nodes


def error_classes(module: ModuleType, root: type[Exception]) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, root)
        and value.__module__ == module.__name__
    }


PACKAGES = [
    pytest.param(keys._errors, keys._errors.KeysError, id="keys"),
    pytest.param(verifier._errors, verifier._errors.VerificationError, id="verifier"),
    pytest.param(wallet._errors, wallet._errors.WalletError, id="wallet"),
]


@pytest.mark.parametrize(("module", "root"), PACKAGES)
def test_docstring_tree_is_the_class_hierarchy(module: ModuleType, root: type[Exception]) -> None:
    assert module.__doc__ is not None
    nodes = drawn_tree(module.__doc__)
    classes = error_classes(module, root)
    assert [n.name for n in nodes if n.parent is None] == [root.__name__]
    assert sorted(n.name for n in nodes) == sorted(classes)
    for node in nodes:
        cls = classes[node.name]
        base = cls.__bases__[0]
        assert (None if cls is root else base.__name__) == node.parent, node.name
        assert cls.code == node.code, node.name
        if node.exit_status is not None:
            assert cls.exit_status == node.exit_status, node.name


def test_the_parser_sees_a_wrong_tree() -> None:
    """A tree that misplaces a node or misspells a code does not pass for the real one."""
    real = drawn_tree(verifier._errors.__doc__ or "")
    assert len(real) == len(error_classes(verifier._errors, verifier._errors.VerificationError))
    moved = (verifier._errors.__doc__ or "").replace("│   ├── WrongAudience", "├── WrongAudience")
    assert Node("WrongAudience", "VerificationError", "wrong_audience", None) in drawn_tree(moved)
    misspelt = (verifier._errors.__doc__ or "").replace('"bad_signature"', '"bad_sig"')
    assert Node("BadSignature", "VerificationError", "bad_sig", None) in drawn_tree(misspelt)


def test_shared_codes_are_defined_once() -> None:
    """``unsupported_alg``, ``unknown_key`` and ``bad_passphrase`` are the keys package's."""
    assert verifier._errors.UnsupportedAlgorithm.code == keys._errors.UnsupportedAlgorithm.code
    assert verifier._errors.UnknownKey.code == keys._errors.KeyNotFound.code
    assert wallet._errors.BadPassphrase.code == keys._errors.BadPassphrase.code
