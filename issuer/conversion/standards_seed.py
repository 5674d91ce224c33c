"""The shipped default standards (``issuer/conversion/standards_data/*.toml``) and their seeding.

The values in those files are illustrative defaults, marked ``defaults = true``; the
expert committee replaces them with new versions. Migration 0002 inserts them as
effective; :func:`seed_standards` adds any shipped version missing from a database
(idempotent), for releases that ship new files.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from sqlmodel import Session

from issuer.conversion.standard_document import StandardDocument

__all__ = ["seed_rows", "seed_standards", "shipped_documents"]

# Fixed, so the seeded rows are the same on every installation.
_SEEDED_AT = datetime(2024, 1, 1, tzinfo=UTC)


def shipped_documents() -> list[StandardDocument]:
    """Every shipped standard document, validated, in file-name order."""
    folder = resources.files("issuer.conversion") / "standards_data"
    docs = []
    for item in sorted(folder.iterdir(), key=lambda f: f.name):
        if item.name.endswith(".toml"):
            docs.append(StandardDocument.model_validate(tomllib.loads(item.read_text("utf-8"))))
    return docs


def seed_rows() -> list[dict[str, Any]]:
    """Rows of ``conversion_standard`` for the shipped documents, status ``effective``."""
    return [
        {
            "standard_id": doc.standard_id,
            "version": doc.version,
            "title_zh": doc.title_zh,
            "title_en": doc.title_en,
            "domain": doc.domain,
            "status": "effective",
            "document": doc.model_dump(mode="json"),
            "effective_from": doc.effective_from,
            "created_at": _SEEDED_AT,
            "approved_at": _SEEDED_AT,
        }
        for doc in shipped_documents()
    ]


def seed_standards(session: Session) -> int:
    """Insert shipped versions the database lacks (never touching existing ones).

    A shipped version becomes effective only when its standard has no effective
    version yet; otherwise it is stored as ``approved`` for the operator to make
    effective. Returns how many rows were added; the caller commits.
    """
    from issuer.conversion.standards import current_effective
    from issuer.models import ConversionStandard

    added = 0
    for row in seed_rows():
        if session.get(ConversionStandard, (row["standard_id"], row["version"])) is not None:
            continue
        if current_effective(session, row["standard_id"]) is not None:
            row["status"] = "approved"
        session.add(ConversionStandard(**row))
        session.flush()
        added += 1
    return added
