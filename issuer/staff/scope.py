"""What a staff member may see: their role's scope, and the check every page makes.

- ``operator``: the whole credit bank.
- ``centre_manager``, ``reviewer``: their centre and every unit below it, and the
  institutions attached to those units.
- ``registrar``, ``institution`` (an institution's staff, who record its achievements
  and open accounts in its workspace): their own institution only.
- ``committee``: no centre and no institution; the cases of their panels only
  (:mod:`issuer.console.committee_pages`).

:func:`ensure_in_scope` raises ``out_of_scope`` (403) for anything else; callers audit the
refusal (the console's pages do, see :mod:`issuer.console.auth`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from issuer.core.errors import NotFound, OutOfScope
from issuer.models import Institution, StaffAccount
from issuer.staff import org_units

__all__ = ["Scope", "ensure_in_scope", "scope_of"]


@dataclass(frozen=True)
class Scope:
    """The centres and institution a staff member reaches (``everything`` for operators)."""

    everything: bool = False
    centre_ids: frozenset[int] = field(default_factory=frozenset)
    institution_id: int | None = None

    def has_centre(self, centre_id: int) -> bool:
        return self.everything or centre_id in self.centre_ids


def scope_of(session: Session, staff: StaffAccount) -> Scope:
    """The scope of ``staff``'s role."""
    if staff.role == "operator":
        return Scope(everything=True)
    if staff.role in ("registrar", "institution"):
        return Scope(institution_id=staff.institution_id)
    if staff.centre_id is None:
        return Scope()
    return Scope(centre_ids=frozenset(org_units.subtree_ids(session, staff.centre_id)))


def ensure_in_scope(
    session: Session,
    staff: StaffAccount,
    *,
    centre_id: int | None = None,
    institution_id: int | None = None,
    scope: Scope | None = None,
) -> Scope:
    """Refuse with ``out_of_scope`` unless the centre and/or institution is in ``staff``'s scope.

    An institution is in a centre role's scope when it is attached to a unit of their
    subtree. Unknown ids are ``not_found`` for operators and ``out_of_scope`` for others
    (so nobody learns which ids exist outside their scope). Returns the scope.
    """
    scope = scope or scope_of(session, staff)
    if centre_id is not None and not scope.has_centre(centre_id):
        raise OutOfScope(f"centre {centre_id} is outside your scope")
    if centre_id is not None and scope.everything:
        org_units.get_unit(session, centre_id)
    if institution_id is not None:
        institution = session.get(Institution, institution_id)
        if scope.everything:
            if institution is None:
                raise NotFound(f"institution {institution_id} does not exist")
        elif scope.institution_id is not None:
            if institution_id != scope.institution_id:
                raise OutOfScope(f"institution {institution_id} is outside your scope")
        elif (
            institution is None
            or institution.centre_id is None
            or institution.centre_id not in scope.centre_ids
        ):
            raise OutOfScope(f"institution {institution_id} is outside your scope")
    return scope
