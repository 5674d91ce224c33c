"""Concurrent issuance on PostgreSQL: slots from the sequence against the open list's row.

Eight threads issue at once, each transaction as an issuance runs it: take a status-list
slot, write the credential row, commit. Baseline, in the same run and on the same
database: the slot counted in the open list's row (``allocate_counted``, how every
issuer took its slot before), which keeps that row locked until commit, so the issuers
queue on it. Reported: issuances per second of each and the ratio; duplicates are
counted (must be 0). Skipped without ``CREDITBANK_BENCH_PG_URL``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

THREADS = 8
PER_THREAD = 60


def _issue_all(engine: Any, settings: Any, take: Callable[..., tuple[str, int]]) -> float:
    from sqlalchemy import text
    from sqlmodel import Session

    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def issuer() -> None:
        try:
            barrier.wait()
            for _ in range(PER_THREAD):
                with Session(engine) as session:
                    list_id, index = take(session, settings)
                    session.execute(
                        text(
                            "INSERT INTO credential (jti, format, learner_id, token, "
                            "status_list_id, status_index, status, issued_at) VALUES "
                            "(:jti, 'cbqr', 1, 'x', :list, :index, 'active', now())"
                        ),
                        {"jti": uuid.uuid4().hex, "list": list_id, "index": index},
                    )
                    session.commit()
        except BaseException as exc:  # reported below; a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=issuer) for _ in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return THREADS * PER_THREAD / elapsed


def run() -> dict[str, Any]:
    """Issuances per second with the sequence and with the counted row, on PostgreSQL."""
    from benchmarks._postgres import server_url, temporary_database

    server = server_url()
    if server is None:
        return {"status_slots_skipped": "no PostgreSQL (CREDITBANK_BENCH_PG_URL)"}
    from sqlalchemy import text

    from issuer.core import migrate
    from issuer.core.db import make_engine
    from issuer.core.settings import Settings
    from issuer.credentials import status_slots

    takers = {"counted": status_slots.allocate_counted, "sequence": status_slots.allocate}
    rounds: dict[str, list[float]] = {name: [] for name in takers}
    duplicates = 0
    # One database each: the two ways number the lists differently and must not meet.
    with temporary_database(server) as counted_url, temporary_database(server) as sequence_url:
        engines = {}
        for name, url in (("counted", counted_url), ("sequence", sequence_url)):
            migrate.upgrade(url)
            engines[name] = make_engine(url, pool_size=THREADS + 2)
            with engines[name].begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO learner (id, name, national_id_hmac, national_id_masked, "
                        "created_at) VALUES (1, '基准学员', :h, '4101**********0000', now())"
                    ),
                    {"h": "e" * 64},
                )
        settings = Settings(_env_file=None, env="test")  # type: ignore[call-arg]
        try:
            for _ in range(3):  # alternating rounds: the machine's load moves
                for name, take in takers.items():
                    rounds[name].append(_issue_all(engines[name], settings, take))
            for engine in engines.values():
                with engine.connect() as connection:
                    slots, distinct = connection.execute(
                        text(
                            "SELECT count(*), count(DISTINCT (status_list_id, status_index)) "
                            "FROM credential"
                        )
                    ).one()
                duplicates += int(slots) - int(distinct)
        finally:
            for engine in engines.values():
                engine.dispose()
    sequence, counted = max(rounds["sequence"]), max(rounds["counted"])
    return {
        "status_slots_pg_sequence_per_s": round(sequence, 1),
        "status_slots_pg_counted_row_per_s": round(counted, 1),
        "status_slots_pg_speedup": round(sequence / counted, 2),
        "status_slots_pg_duplicates": duplicates,
        "status_slots_threads": THREADS,
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:<42} {value}")
