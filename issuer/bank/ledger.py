"""The hash-chained ledger of a learner's credits.

Each account is an append-only chain: entry *n* stores the SHA-256 of entry *n-1* in
``prev_hash`` (64 zeros for the first) and its own ``hash`` over a canonical JSON of its
fields plus ``prev_hash``. Balances are derived from the entries, never stored.
Corrections are new entries, never edits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from issuer.core.errors import InvalidRequest, LedgerCorrupt, NotFound
from issuer.models import GENESIS_HASH, EntryKind, Learner, LedgerEntry, utcnow

__all__ = [
    "EntryQuery",
    "append",
    "canonical_bytes",
    "entries",
    "entry_hash",
    "lock_account",
    "page",
    "seqs",
    "totals",
    "verify_chain",
]


@dataclass(frozen=True)
class EntryQuery:
    """Which entries of an account to list: a page after ``after`` (a ``seq``), filtered."""

    limit: int = 100
    after: int = 0
    domain: str | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None


# The fields covered by an entry's hash, in the canonical form's (sorted) key order.
# ``id`` is left out on purpose: it is assigned by the database after hashing, and
# (learner_id, seq) already identifies the entry.
_HASHED_FIELDS = (
    "achievement_id",
    "created_at",
    "domain",
    "explanation",
    "half_credits",
    "kind",
    "learner_id",
    "prev_hash",
    "rule",
    "seq",
    "standard",
)


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("ledger timestamps must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(entry: LedgerEntry) -> bytes:
    """The canonical form hashed for ``entry``: sorted-key, minified UTF-8 JSON."""
    fields: dict[str, Any] = {name: getattr(entry, name) for name in _HASHED_FIELDS}
    fields["created_at"] = _timestamp(entry.created_at)
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def entry_hash(entry: LedgerEntry) -> str:
    """SHA-256 hex of :func:`canonical_bytes`."""
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


def lock_account(session: Session, learner_id: int) -> tuple[int, str]:
    """Lock the learner's account until the transaction ends; return its (seq, head).

    Every write to an account calls this first, before anything else reads or writes
    the account, so concurrent writers queue in one order instead of deadlocking.
    PostgreSQL takes ``FOR NO KEY UPDATE`` on the learner row: it queues writers of the
    same account but does not conflict with the key-share locks that inserts of rows
    referencing the learner take. SQLite has no row locks, so a no-op UPDATE takes the
    database write lock before anything is read. Raises :class:`NotFound` when there is
    no such learner.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Learner).where(col(Learner.id) == learner_id).values(id=col(Learner.id))
        )
        statement = select(Learner.ledger_seq, Learner.ledger_head)
    else:
        statement = select(Learner.ledger_seq, Learner.ledger_head).with_for_update(key_share=True)
    head = session.exec(statement.where(col(Learner.id) == learner_id)).first()
    if head is None:
        raise NotFound(f"learner {learner_id} does not exist")
    return head[0], head[1]


#: The sign each entry kind must have: +1 positive, -1 negative, 0 either (not zero).
_SIGNS: dict[str, int] = {
    "deposit": 1,
    "reversal": -1,
    "adjustment": 0,
    "redemption": -1,
    "transfer_out": -1,
}


def _check_sign(kind: str, half_credits: int) -> None:
    sign = _SIGNS.get(kind)
    if sign is None:
        raise InvalidRequest(f"unknown ledger entry kind {kind!r}")
    if half_credits == 0 or half_credits * sign < 0:
        wanted = {1: "positive", -1: "negative", 0: "non-zero"}[sign]
        raise InvalidRequest(f"a {kind} entry needs {wanted} half_credits, not {half_credits}")


def append(
    session: Session,
    *,
    learner_id: int,
    kind: EntryKind,
    half_credits: int,
    domain: str,
    standard: str,
    rule: str,
    explanation: str,
    achievement_id: int | None = None,
    now: datetime | None = None,
) -> LedgerEntry:
    """Append one entry to the learner's chain and flush it (the caller commits).

    ``half_credits`` is signed: deposits are positive; reversals, redemptions and
    transfers out are negative; adjustments are either, never zero.
    """
    _check_sign(kind, half_credits)
    last_seq, prev_hash = lock_account(session, learner_id)
    seq = last_seq + 1
    entry = LedgerEntry(
        learner_id=learner_id,
        seq=seq,
        kind=kind,
        half_credits=half_credits,
        achievement_id=achievement_id,
        domain=domain,
        standard=standard,
        rule=rule,
        explanation=explanation,
        # Stored with microsecond precision on both SQLite and PostgreSQL, so the
        # hash recomputed from the stored row matches.
        created_at=(now or utcnow()).astimezone(UTC),
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    session.execute(
        update(Learner)
        .where(col(Learner.id) == learner_id)
        .values(ledger_seq=seq, ledger_head=entry.hash)
    )
    return entry


def entries(session: Session, learner_id: int) -> list[LedgerEntry]:
    """The learner's entries in chain order."""
    statement = (
        select(LedgerEntry)
        .where(LedgerEntry.learner_id == learner_id)
        .order_by(col(LedgerEntry.seq))
    )
    return list(session.exec(statement))


def totals(session: Session, learner_id: int) -> dict[str, dict[str, int]]:
    """Half-credits by domain and entry kind, ``{domain: {kind: half_credits}}``, summed
    by the database (the entries themselves are not loaded)."""
    statement = (
        select(col(LedgerEntry.domain), col(LedgerEntry.kind), func.sum(LedgerEntry.half_credits))
        .where(col(LedgerEntry.learner_id) == learner_id)
        .group_by(col(LedgerEntry.domain), col(LedgerEntry.kind))
        .order_by(col(LedgerEntry.domain), col(LedgerEntry.kind))
    )
    result: dict[str, dict[str, int]] = {}
    for domain, kind, half in session.exec(statement):
        result.setdefault(domain, {})[kind] = int(half)
    return result


def seqs(session: Session, entry_ids: list[int]) -> dict[int, int]:
    """The account numbering (``seq``) of the entries ``entry_ids``: ``{id: seq}``."""
    if not entry_ids:
        return {}
    statement = select(col(LedgerEntry.id), col(LedgerEntry.seq)).where(
        col(LedgerEntry.id).in_(entry_ids)
    )
    return {entry_id: seq for entry_id, seq in session.exec(statement) if entry_id is not None}


def page(session: Session, learner_id: int, query: EntryQuery) -> list[LedgerEntry]:
    """Up to ``query.limit`` entries after ``query.after`` (a ``seq``), in chain order,
    of the kind, domain and dates asked for."""
    statement = select(LedgerEntry).where(
        col(LedgerEntry.learner_id) == learner_id, col(LedgerEntry.seq) > query.after
    )
    if query.domain is not None:
        statement = statement.where(col(LedgerEntry.domain) == query.domain)
    if query.kind is not None:
        statement = statement.where(col(LedgerEntry.kind) == query.kind)
    if query.since is not None:
        start = datetime.combine(query.since, time.min, UTC)
        statement = statement.where(col(LedgerEntry.created_at) >= start)
    if query.until is not None:
        end = datetime.combine(query.until + timedelta(days=1), time.min, UTC)
        statement = statement.where(col(LedgerEntry.created_at) < end)
    return list(session.exec(statement.order_by(col(LedgerEntry.seq)).limit(query.limit)))


def verify_chain(session: Session, learner_id: int) -> None:
    """Check every link of the learner's chain; raise :class:`LedgerCorrupt` at the first break."""
    expected_prev, position = GENESIS_HASH, 0
    for position, entry in enumerate(entries(session, learner_id), start=1):
        assert entry.id is not None
        if entry.seq != position:
            raise LedgerCorrupt(entry.id, f"sequence {entry.seq} where {position} was expected")
        if entry.prev_hash != expected_prev:
            raise LedgerCorrupt(entry.id, "prev_hash does not match the previous entry")
        if entry_hash(entry) != entry.hash:
            raise LedgerCorrupt(entry.id, "content does not match its hash")
        expected_prev = entry.hash
    head = session.exec(
        select(Learner.ledger_seq, Learner.ledger_head).where(col(Learner.id) == learner_id)
    ).first()
    if head is not None:
        check_head(learner_id, head[0], head[1], position, expected_prev)


def check_head(learner_id: int, head_seq: int, head_hash: str, seq: int, tail_hash: str) -> None:
    """Raise :class:`LedgerCorrupt` unless a chain ending at (seq, tail_hash) reaches its head."""
    if (seq, tail_hash) != (head_seq, head_hash):
        raise LedgerCorrupt(
            None,
            f"learner {learner_id}: the chain ends at seq {seq} but the account's head is "
            f"seq {head_seq}; its last entries were deleted or the head was changed",
        )
