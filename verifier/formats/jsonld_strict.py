"""Refuse JSON-LD that says more than it signs: every value must survive expansion.

JSON-LD expansion silently drops a member whose term no context defines, and RDF drops a
relative ``@id`` or ``@type``; such values are outside the canonical form, hence outside a
Data Integrity signature. A verifier that accepted them would show a reader fields nobody
signed. :func:`assert_fully_defined` expands the document with the bundled contexts and
requires every scalar of the compact form to come out, as an absolute IRI where it names
a node or a type (what Digital Bazaar's JSON-LD "safe mode" also demands).
"""

from __future__ import annotations

from typing import Any

from verifier._errors import MalformedCredential
from verifier.formats import jsonld_contexts
from verifier.formats.jsonld_contexts import DocumentLoader

__all__ = ["assert_fully_defined", "compact_values", "expanded_values"]


def compact_values(node: Any) -> int:
    """Scalar values of a compact JSON document (outside ``@context``; ``null`` is none)."""
    if isinstance(node, dict):
        return sum(compact_values(v) for k, v in node.items() if k != "@context")
    if isinstance(node, list):
        return sum(compact_values(v) for v in node)
    return 0 if node is None else 1


def _absolute(iri: Any) -> bool:
    return isinstance(iri, str) and (iri.startswith("_:") or ":" in iri)


def expanded_values(node: Any) -> int:
    """Values of an expanded document (each ``@value``, ``@id`` and ``@type``).

    :class:`MalformedCredential` for a relative ``@id``/``@type`` or a relative property.
    """
    if isinstance(node, list):
        return sum(expanded_values(v) for v in node)
    if not isinstance(node, dict):
        return 0
    if "@value" in node:
        return 1
    count = 0
    if "@id" in node:
        if not _absolute(node["@id"]):
            raise MalformedCredential(f"relative identifier {node['@id']!r}: no context defines it")
        count += 1
    for kind in node.get("@type", []):
        if not _absolute(kind):
            raise MalformedCredential(f"type {kind!r} is not defined by the credential's contexts")
        count += 1
    for key, value in node.items():
        if key in ("@id", "@type"):
            continue
        if not key.startswith("@") and not _absolute(key):
            raise MalformedCredential(f"property {key!r} is not defined by the contexts")
        count += expanded_values(value)
    return count


def assert_fully_defined(document: dict[str, Any], loader: DocumentLoader) -> Any:
    """Raise :class:`MalformedCredential` unless every value of ``document`` is defined.

    Returns the expanded document (canonicalization can start from it).
    """
    # PyLD (and the lxml it loads) costs half a second to import: only when needed.
    from pyld import jsonld

    try:
        expanded = jsonld.expand(document, {"documentLoader": loader})
    except jsonld.JsonLdError as exc:
        raise jsonld_contexts.failure(exc) from None
    except RecursionError:
        raise MalformedCredential("the document nests too deeply") from None
    if expanded_values(expanded) != compact_values(document):
        raise MalformedCredential("a member of the credential is not defined by its contexts")
    return expanded
