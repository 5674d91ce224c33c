"""Status-list slots for issued credentials.

:func:`allocate` hands out a sequence number within a list and maps it to an index with
a keyed permutation, so that neighbouring credentials do not get neighbouring bits.
On PostgreSQL the number comes from the database sequence ``status_slot_seq`` (slot
``n`` is number ``n mod LIST_SIZE`` of list ``n div LIST_SIZE + 1``): ``nextval`` locks
no row, so concurrent issuers do not queue on the open list until they commit. A slot
of a rolled-back issuance stays unused (its bit stays 0). On SQLite, where one writer
runs at a time anyway, the open list's row counts with one atomic ``UPDATE … RETURNING``
and a new list is opened when it is full.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import func, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.models import StatusList, utcnow

__all__ = ["LIST_SIZE", "FeistelPermutation", "allocate", "allocate_counted", "permutation_for"]

#: Entries per list: the minimum of W3C Bitstring Status List (16 KiB of bits).
LIST_SIZE = 131_072

_ROUNDS = 4


class FeistelPermutation:
    """A keyed bijection of ``[0, size)``.

    A balanced Feistel network over ``2 * half_bits`` bits, whose round functions are
    lookup tables expanded from the key; values that land outside ``[0, size)`` walk the
    cycle again until they come back inside, which keeps it a bijection on the domain.
    """

    def __init__(self, key: bytes, size: int = LIST_SIZE) -> None:
        if size < 2:
            raise ValueError("size must be at least 2")
        self.size = size
        self._half_bits = max(1, ((size - 1).bit_length() + 1) // 2)
        self._mask = (1 << self._half_bits) - 1
        width = 1 << self._half_bits
        stream = hashlib.shake_256(b"creditbank status permutation\x00" + key).digest(
            _ROUNDS * width * 4
        )
        self._tables = [
            [
                int.from_bytes(stream[(r * width + i) * 4 : (r * width + i) * 4 + 4], "big")
                & self._mask
                for i in range(width)
            ]
            for r in range(_ROUNDS)
        ]

    def _once(self, value: int) -> int:
        left, right = value >> self._half_bits, value & self._mask
        for table in self._tables:
            left, right = right, left ^ table[right]
        return (left << self._half_bits) | right

    def __call__(self, seq: int) -> int:
        if not 0 <= seq < self.size:
            raise ValueError(f"sequence number {seq} outside [0, {self.size})")
        value = self._once(seq)
        while value >= self.size:
            value = self._once(value)
        return value


def permutation_for(settings: Settings, list_id: str, size: int = LIST_SIZE) -> FeistelPermutation:
    """The permutation of one list, keyed with HMAC(status_key, list_id)."""
    key = hmac.new(
        settings.status_key.get_secret_value().encode("utf-8"),
        list_id.encode("utf-8"),
        hashlib.sha256,
    ).digest()
    return FeistelPermutation(key, size)


def _take_seq(session: Session, list_id: str) -> int | None:
    """Atomically take the next sequence number of ``list_id``; ``None`` when full."""
    taken = session.execute(
        update(StatusList)
        .where(col(StatusList.id) == list_id, col(StatusList.next_seq) < col(StatusList.size))
        .values(next_seq=col(StatusList.next_seq) + 1)
        .returning(col(StatusList.next_seq))
    ).scalar_one_or_none()
    return None if taken is None else int(taken) - 1


def _open_list(session: Session, size: int) -> None:
    """Create the next list, unless a concurrent issuer just created it."""
    count = session.exec(select(func.count()).select_from(StatusList)).one()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(StatusList)
        .values(id=str(count + 1), size=size, next_seq=0, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["id"])
    )


def _open_lists(session: Session) -> list[str]:
    statement = (
        select(StatusList.id)
        .where(col(StatusList.next_seq) < col(StatusList.size))
        .order_by(col(StatusList.created_at), col(StatusList.id))
    )
    return list(session.exec(statement))


def _from_sequence(session: Session, settings: Settings) -> tuple[str, int]:
    """A slot from ``status_slot_seq``; its list is created by the first issuer to need it."""
    number = int(session.execute(text("SELECT nextval('status_slot_seq')")).scalar_one())
    list_id, seq = str(number // LIST_SIZE + 1), number % LIST_SIZE
    if session.get(StatusList, list_id) is None:
        # Counted as full: the sequence, not next_seq, hands out this list's slots.
        session.execute(
            postgresql.insert(StatusList)
            .values(id=list_id, size=LIST_SIZE, next_seq=LIST_SIZE, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["id"])
        )
    return list_id, permutation_for(settings, list_id, LIST_SIZE)(seq)


def allocate(session: Session, settings: Settings, size: int = LIST_SIZE) -> tuple[str, int]:
    """Reserve a slot: ``(list_id, index)``, unique across all issuers.

    The reservation is part of the caller's transaction. On PostgreSQL it takes the
    next number of ``status_slot_seq`` and locks nothing (``size`` is then always
    :data:`LIST_SIZE`); on SQLite it counts in the open list's row, and a rollback
    returns the slot.
    """
    if session.get_bind().dialect.name == "postgresql" and size == LIST_SIZE:
        return _from_sequence(session, settings)
    return allocate_counted(session, settings, size)


def allocate_counted(
    session: Session, settings: Settings, size: int = LIST_SIZE
) -> tuple[str, int]:
    """A slot counted in the open list's row (SQLite's way; on PostgreSQL the row stays
    locked until the caller's transaction ends, so issuers queue on it)."""
    for _attempt in range(100):
        for list_id in _open_lists(session):
            seq = _take_seq(session, list_id)
            if seq is not None:
                return list_id, permutation_for(settings, list_id, size)(seq)
        _open_list(session, size)
    raise RuntimeError("could not allocate a status-list slot")  # pragma: no cover
