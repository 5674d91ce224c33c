"""What a draft version would change: its difference from another version, and what it
would grant on sample achievements beside the standards in force.

The difference is an RFC 6902 JSON Patch (jsonpatch) from the other version's document to
this one's; bookkeeping fields (``version``, ``effective_from``) are left out. The preview
runs the engine on each sample twice — under the standards in force today, and under the
same set with this version in place of its standard's — with an empty account history, so
caps that depend on earlier credits do not show.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import jsonpatch
from pydantic import BaseModel, Field
from sqlmodel import Session

from issuer.conversion import standards
from issuer.conversion.engine import Catalogue, Facts, History, decide
from issuer.conversion.evidence import AchievementCreate
from issuer.core.errors import NotFound
from issuer.models import ConversionStandard, DecisionPublic

__all__ = ["PreviewRow", "StandardDiff", "diff", "preview"]

_BOOKKEEPING = ("version", "effective_from")
#: Source named in previews: no institution's caps are touched.
_PREVIEW_SOURCE = "PREVIEW"


class StandardDiff(BaseModel):
    ref: str = Field(description="The version shown, standard_id@version.")
    against: str | None = Field(description="The version compared with; null: none exists.")
    operations: list[dict[str, Any]] = Field(description="RFC 6902 JSON Patch from against.")


class PreviewRow(BaseModel):
    sample: int = Field(description="Position of the sample in the request.")
    kind: str
    current: DecisionPublic = Field(description="Under the standards in force today.")
    proposed: DecisionPublic = Field(description="With this version in force instead.")
    changed: bool = Field(description="Other credits, or another standard or rule.")


def _outcome(decision: DecisionPublic) -> tuple[int, str, str]:
    # The same rule of the same standard granting as much is no change, whatever version.
    return decision.half_credits, decision.standard.partition("@")[0], decision.rule


def _comparable(row: ConversionStandard) -> dict[str, Any]:
    return {k: v for k, v in row.document.items() if k not in _BOOKKEEPING}


def _baseline(session: Session, row: ConversionStandard, today: date) -> ConversionStandard | None:
    """The version in force today, else the newest version before this one."""
    current = standards.current_effective(session, row.standard_id)
    if current is not None and current.version != row.version:
        return current
    for version in range(row.version - 1, 0, -1):
        try:
            return standards.get_version(session, row.standard_id, version)
        except NotFound:
            continue
    return None


def diff(
    session: Session, standard_id: str, version: int, *, against: int | None, today: date
) -> StandardDiff:
    """How ``standard_id@version`` differs from version ``against`` (default: the one in
    force, else the one before)."""
    row = standards.get_version(session, standard_id, version)
    other = (
        standards.get_version(session, standard_id, against)
        if against is not None
        else _baseline(session, row, today)
    )
    base = {} if other is None else _comparable(other)
    patch = jsonpatch.make_patch(base, _comparable(row))
    return StandardDiff(
        ref=f"{standard_id}@{version}",
        against=None if other is None else f"{standard_id}@{other.version}",
        operations=list(patch.patch),
    )


def preview(
    session: Session, standard_id: str, version: int, samples: list[AchievementCreate], *, on: date
) -> list[PreviewRow]:
    """What ``standard_id@version`` would grant on ``samples`` on day ``on``, beside what
    the standards in force grant now. Nothing is stored."""
    row = standards.get_version(session, standard_id, version)
    in_force = standards.effective_standards(session, on)
    proposed_doc = standards.document_as_stored(row).model_copy(update={"effective_from": None})
    current = Catalogue(in_force)
    others = [d for d in in_force if d.standard_id != standard_id]
    # The same order as the catalogue in force: by standard id.
    proposed = Catalogue(sorted([*others, proposed_doc], key=lambda d: d.standard_id))
    rows = []
    for position, sample in enumerate(samples):
        stored = sample.stored(_PREVIEW_SOURCE)
        facts = Facts(
            sample.kind, stored.evidence, sample.completed_on, stored.source, stored.domain
        )
        before = DecisionPublic.of(decide(facts, current, History.of([]), on=on))
        after = DecisionPublic.of(decide(facts, proposed, History.of([]), on=on))
        rows.append(
            PreviewRow(
                sample=position,
                kind=sample.kind,
                current=before,
                proposed=after,
                changed=_outcome(before) != _outcome(after),
            )
        )
    return rows
