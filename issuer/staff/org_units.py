"""The organisation tree: the provincial centre → certification sub-centres → points.

One province centre at the root; a sub-centre (a city) hangs under the province centre, a
certification point under a sub-centre. Every change is audited with the acting caller.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from issuer.core import audit
from issuer.core.errors import InvalidRequest, NotFound, OrgUnitExists
from issuer.models import OrgUnit, OrgUnitCreate, OrgUnitLevel

__all__ = ["PARENT_LEVEL", "create_unit", "get_unit", "list_units", "subtree_ids", "tree"]

#: The level a unit's parent must have (``None``: it has no parent).
PARENT_LEVEL: dict[OrgUnitLevel, OrgUnitLevel | None] = {
    "province": None,
    "sub_centre": "province",
    "point": "sub_centre",
}


def get_unit(session: Session, unit_id: int) -> OrgUnit:
    """The unit, or :class:`NotFound`."""
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound(f"organisation unit {unit_id} does not exist")
    return unit


def create_unit(session: Session, data: OrgUnitCreate, *, actor: str) -> OrgUnit:
    """Add a unit under a parent of the level its own level needs (audited)."""
    wanted = PARENT_LEVEL[data.level]
    if wanted is None:
        if data.parent_id is not None:
            raise InvalidRequest("the province centre has no parent")
        if session.exec(select(OrgUnit).where(col(OrgUnit.level) == "province")).first():
            raise OrgUnitExists("there is already a province centre")
    else:
        if data.parent_id is None:
            raise InvalidRequest(f"a {data.level} needs a parent {wanted}")
        parent = session.get(OrgUnit, data.parent_id)
        if parent is None or parent.level != wanted:
            raise InvalidRequest(f"the parent of a {data.level} must be a {wanted}")
    if session.exec(select(OrgUnit).where(col(OrgUnit.code) == data.code)).first():
        raise OrgUnitExists(f"organisation unit {data.code} already exists")
    unit = OrgUnit.model_validate(data)
    session.add(unit)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request took the code
        raise OrgUnitExists(f"organisation unit {data.code} already exists") from exc
    audit.record(
        session,
        actor=actor,
        action="org_unit.created",
        subject=f"org_unit:{unit.id}",
        payload=data.model_dump(),
    )
    return unit


def list_units(session: Session, *, limit: int, offset: int) -> tuple[list[OrgUnit], int]:
    """Units in creation order, and how many there are."""
    total = session.exec(select(func.count()).select_from(OrgUnit)).one()
    rows = session.exec(select(OrgUnit).order_by(col(OrgUnit.id)).offset(offset).limit(limit))
    return list(rows), total


def tree(session: Session) -> list[tuple[int, OrgUnit]]:
    """Every unit as (depth, unit), depth first, each parent before its children."""
    units = list(session.exec(select(OrgUnit).order_by(col(OrgUnit.code))))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    out: list[tuple[int, OrgUnit]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            out.append((depth, unit))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return out


def subtree_ids(session: Session, unit_id: int) -> set[int]:
    """``unit_id`` and the ids of every unit below it (the tree is three levels deep)."""
    found = {unit_id}
    frontier = {unit_id}
    while frontier:
        below = set(session.exec(select(OrgUnit.id).where(col(OrgUnit.parent_id).in_(frontier))))
        frontier = {i for i in below if i is not None} - found
        found |= frontier
    return found
