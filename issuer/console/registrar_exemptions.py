"""The transfers a university received from one learner, and the exemption form's rows.

The application's page lists them (with where each credit went, :func:`transfers_of`);
the exemption page (:mod:`issuer.console.registrar_exemption_pages`) turns its posted
rows into the :class:`ExemptionCreate` of :func:`issuer.bank.exemptions.record_exemptions`
(:func:`exemptions_of`); the bank refuses an entry named twice (``exemption_exists``).
"""

from __future__ import annotations

from sqlmodel import Session

from issuer.bank import transfer_view
from issuer.core.errors import InvalidRequest
from issuer.models import ExemptionCreate, ExemptionIn, Institution, LearnerTransferPublic

__all__ = ["ROWS", "exemptions_of", "transfers_of"]

#: Blank rows the exemption form shows.
ROWS = 3


def transfers_of(
    session: Session, institution: Institution, learner_id: int
) -> list[LearnerTransferPublic]:
    """The learner's transfers to ``institution``, newest first, with their exemptions."""
    return [
        t
        for t in transfer_view.learner_transfers(session, learner_id)
        if t.institution == institution.code
    ]


def exemptions_of(fields: dict[str, list[str]], rows: int = ROWS) -> ExemptionCreate:
    """The filled rows of the posted form (``entry-N``, ``code-N``, ``name-N``).

    A row with a course but no entry, or an entry without course code and name, is
    ``invalid_request``.
    """
    out: list[ExemptionIn] = []
    for n in range(rows):
        entry = (fields.get(f"entry-{n}") or [""])[0].strip()
        code = (fields.get(f"code-{n}") or [""])[0].strip()
        name = (fields.get(f"name-{n}") or [""])[0].strip()
        if not (entry or code or name):
            continue
        jti, _, position = entry.rpartition(":")
        if not jti or not position.isdigit() or len(position) > 3 or len(jti) > 64:
            raise InvalidRequest(
                f"row {n + 1}: choose the transferred entry that covers the course"
            )
        if not code or not name or len(code) > 32 or len(name) > 200:
            raise InvalidRequest(
                f"row {n + 1}: give the course code (up to 32 characters) and name (up to 200)"
            )
        out.append(ExemptionIn(course_code=code, course_name=name, jti=jti, position=int(position)))
    if not out:
        raise InvalidRequest("fill in at least one course")
    return ExemptionCreate(exemptions=out)
