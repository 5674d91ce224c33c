"""Verifying every account's chain at once, fast enough for millions of entries.

``creditbank ledger verify`` uses :func:`verify_all`. It streams the raw rows ordered
by (learner_id, seq) through a server-side cursor (PostgreSQL) or the SQLite cursor,
rebuilds each entry's canonical bytes with the byte-for-byte same layout as
:func:`issuer.bank.ledger.canonical_bytes` (a test holds them equal) and checks sequence,
link and hash. It raises :class:`LedgerCorrupt` naming the first broken entry.

What it shows: an edited row (its hash or its successor's link no longer matches), a
deleted row (a gap in the sequence) and deleted last entries (the chain no longer
reaches the head that the learner row records, updated with every append).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import Engine, text

from issuer.bank.ledger import check_head
from issuer.core.errors import LedgerCorrupt
from issuer.models import GENESIS_HASH

__all__ = ["HEADS_FROM_CHAINS_SQL", "AuditReport", "verify_all"]

#: Sets every learner's head to the current tail of its chain: for bulk loads that write
#: ledger rows directly (never for repairing a chain that failed verification).
HEADS_FROM_CHAINS_SQL = (
    "UPDATE learner SET "
    "ledger_seq = (SELECT max(seq) FROM ledger_entry WHERE learner_id = learner.id), "
    "ledger_head = (SELECT hash FROM ledger_entry WHERE learner_id = learner.id "
    "ORDER BY seq DESC LIMIT 1) "
    "WHERE EXISTS (SELECT 1 FROM ledger_entry WHERE learner_id = learner.id)"
)

Progress = Callable[[int, int], None]

_COLUMNS = (
    "id, learner_id, seq, kind, half_credits, achievement_id, domain, standard, rule, "
    "explanation, {created_at}, prev_hash, hash"
)
# PostgreSQL formats the timestamp itself, already in the canonical form: turning a
# million timestamptz values into Python datetimes and back costs more than hashing.
_PG_CREATED_AT = """to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
_ORDER = " FROM ledger_entry ORDER BY learner_id, seq"


# SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; any other text goes to Python as is.
_SQLITE_CREATED_AT = (
    "CASE WHEN length(created_at) = 26 THEN "
    "substr(created_at, 1, 10) || 'T' || substr(created_at, 12) || 'Z' ELSE created_at END"
)


def _query(dialect: str) -> str:
    created_at = _PG_CREATED_AT if dialect == "postgresql" else _SQLITE_CREATED_AT
    return "SELECT " + _COLUMNS.format(created_at=created_at) + _ORDER


_QUERY = _query("sqlite")
_BATCH = 20_000
_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class AuditReport:
    """What :func:`verify_all` checked."""

    chains: int
    entries: int
    seconds: float


def _timestamp(value: Any) -> str:
    """The canonical ``…T…Z`` form of a raw ``created_at`` value from either database."""
    if isinstance(value, str):
        if len(value) == 27 and value[10] == "T" and value[26] == "Z":
            return value  # formatted by PostgreSQL (see _PG_CREATED_AT)
        # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff", already in UTC (see UTCDateTime).
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
    assert isinstance(value, datetime)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _template(domain: str, explanation: str, kind: str, rule: str, standard: str) -> str:
    """A %-template of the canonical form with the five string fields filled in."""

    def enc(value: str) -> str:
        return str(encode_basestring(value)).replace("%", "%%")

    return (
        '{"achievement_id":%s,"created_at":"%s",'
        f'"domain":{enc(domain)},"explanation":{enc(explanation)},"half_credits":%d,'
        f'"kind":{enc(kind)},"learner_id":%d,"prev_hash":"%s","rule":{enc(rule)},'
        f'"seq":%d,"standard":{enc(standard)}}}'
    )


def _canonical(row: tuple[Any, ...], cache: dict[tuple[str, ...], str] | None = None) -> bytes:
    """The canonical bytes of a raw row, as :func:`issuer.bank.ledger.canonical_bytes` makes them.

    Sorted keys, minified, non-ASCII kept: what ``json.dumps(sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`` produces for the same fields. The
    string fields repeat a lot (domain, explanation, kind, rule, standard), so a
    template per combination is memoised in ``cache``. ``prev_hash`` is written
    unescaped: it is only hashed after it has been checked equal to the previous
    entry's hex hash (or the genesis hash).
    """
    if cache is None:
        cache = {}
    key = (row[6], row[9], row[3], row[8], row[7])
    template = cache.get(key)
    if template is None:
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        template = cache[key] = _template(*key)
    stamp = row[10]
    if not (isinstance(stamp, str) and len(stamp) == 27 and stamp[26] == "Z"):
        stamp = _timestamp(stamp)
    achievement_id = "null" if row[5] is None else int(row[5])
    values = (achievement_id, stamp, row[4], row[1], row[11], row[2])
    return (template % values).encode()


def _broken(row: tuple[Any, ...], detail: str) -> LedgerCorrupt:
    return LedgerCorrupt(row[0], f"learner {row[1]} seq {row[2]}: {detail}")


def _cursor(connection: Any, dialect: str) -> Any:
    raw = connection.connection.driver_connection
    if dialect == "postgresql":
        # A named (server-side) cursor streams instead of loading every row at once.
        cursor = raw.cursor(name="creditbank_ledger_verify")
        cursor.itersize = _BATCH
        return cursor
    return raw.cursor()


def verify_all(engine: Engine, *, progress: Progress | None = None) -> AuditReport:
    """Check every chain; raise :class:`LedgerCorrupt` at the first broken entry."""
    started = time.perf_counter()
    sha256 = hashlib.sha256
    chains = done = 0
    cache: dict[tuple[str, ...], str] = {}
    with engine.connect() as connection:
        total = int(connection.execute(text("SELECT count(*) FROM ledger_entry")).scalar_one())
        cursor = _cursor(connection, engine.dialect.name)
        try:
            cursor.execute(_query(engine.dialect.name))
            learner: Any = None
            expected_seq, expected_prev = 1, GENESIS_HASH
            tails: dict[Any, tuple[int, str]] = {}
            while batch := cursor.fetchmany(_BATCH):
                for row in batch:
                    if row[1] != learner:
                        if learner is not None:
                            tails[learner] = (expected_seq - 1, expected_prev)
                        learner, expected_seq, expected_prev = row[1], 1, GENESIS_HASH
                        chains += 1
                    if row[2] != expected_seq:
                        raise _broken(row, f"sequence {row[2]} where {expected_seq} was expected")
                    if row[11] != expected_prev:
                        raise _broken(row, "prev_hash does not match the previous entry")
                    if sha256(_canonical(row, cache)).hexdigest() != row[12]:
                        raise _broken(row, "content does not match its hash")
                    expected_seq += 1
                    expected_prev = row[12]
                done += len(batch)
                if progress is not None:
                    progress(done, total)
        finally:
            cursor.close()
        if learner is not None:
            tails[learner] = (expected_seq - 1, expected_prev)
        _check_heads(connection, tails)
    return AuditReport(chains, done, time.perf_counter() - started)


def _check_heads(connection: Any, tails: dict[Any, tuple[int, str]]) -> None:
    """Every account's chain must end at the head its learner row records."""
    heads = connection.execute(text("SELECT id, ledger_seq, ledger_head FROM learner ORDER BY id"))
    for learner_id, head_seq, head_hash in heads:
        seq, tail_hash = tails.get(learner_id, (0, GENESIS_HASH))
        check_head(learner_id, head_seq, head_hash, seq, tail_hash)
