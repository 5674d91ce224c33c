"""CSV import: rows into one account against the same rows spread over many accounts.

Each measurement runs in a process of its own (its peak memory is its own): a new,
migrated database (SQLite file; PostgreSQL too when ``CREDITBANK_BENCH_PG_URL``
answers), one institution, the accounts, a CSV of course rows, then
:func:`issuer.conversion.csv_import.import_achievements` exactly as ``creditbank import
achievements`` calls it. Reported: rows/s into one account and spread over one account
per row, their ratio (target ≤ 1.5: a row costs the same whatever the account already
holds), and the peak memory of importing 10k and 100k rows (target ratio ≤ 1.5).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._postgres import server_url, temporary_database

ROWS = 10_000
RATIO_TARGET = 1.5
ROWS_PER_SECOND_GOAL_PG = 1_000


def _write_csv(path: Path, learners: list[int], rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "learner_id,kind,external_ref,completed_on,title,course_type,hours,domain,grade\n"
        )
        for n in range(rows):
            learner = learners[n % len(learners)]
            out.write(f"{learner},course,BENCH-{n},2025-06-30,课程 {n},theory,16,AM,合格\n")


def _worker(url: str, rows: int, accounts: int) -> dict[str, Any]:
    """One import in this process: set up, import, report seconds and peak memory."""
    from sqlmodel import Session

    from issuer.bank.accounts import create_institution, create_learner
    from issuer.conversion.csv_import import import_achievements
    from issuer.core import migrate
    from issuer.core.db import make_engine
    from issuer.core.settings import Settings
    from issuer.models import InstitutionCreate, LearnerCreate
    from tests.issuer.factories import new_national_id

    home = Path(tempfile.mkdtemp())
    migrate.upgrade(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=home,
        database_url=url,
        admin_token="bench-admin-token",  # type: ignore[arg-type]
    )
    engine = make_engine(url)
    with Session(engine) as session:
        create_institution(
            session,
            InstitutionCreate(code="BENCH", name_zh="基准", name_en="Bench", kind="university"),
        )
        learners = [
            create_learner(
                session, settings, LearnerCreate(name="基准", national_id=new_national_id())
            ).id
            for _ in range(accounts)
        ]
        session.commit()
    path = home / "rows.csv"
    _write_csv(path, learners, rows)
    started, cpu = time.perf_counter(), time.process_time()
    report = import_achievements(engine, settings, "BENCH", path)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    assert report.count("recorded") == rows, report.bad[:3]
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows_per_second": rows / seconds,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _import_in_a_process(url: str, rows: int, accounts: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.imports", url, str(rows), str(accounts)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _measure(backend: str, rows: int, accounts: int) -> dict[str, Any]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return _import_in_a_process(f"sqlite:///{Path(tmp) / 'bench.db'}", rows, accounts)
    server = server_url()
    assert server is not None
    with temporary_database(server) as url:
        return _import_in_a_process(url, rows, accounts)


def run() -> dict[str, Any]:
    results: dict[str, Any] = {"imports_rows": ROWS}
    small: dict[str, Any] = {}
    backends = ["sqlite"] + (["postgresql"] if server_url() else [])
    for backend in backends:
        one = _measure(backend, ROWS, 1)
        spread = _measure(backend, ROWS, ROWS)
        results[f"imports_{backend}_one_account_rows_per_s"] = round(one["rows_per_second"], 1)
        results[f"imports_{backend}_spread_rows_per_s"] = round(spread["rows_per_second"], 1)
        results[f"imports_{backend}_one_to_spread_time_ratio"] = round(
            one["seconds"] / spread["seconds"], 2
        )
        # CPU time of the importing process: what the rows cost, whatever else the shared
        # machine was running at the time.
        results[f"imports_{backend}_one_to_spread_cpu_ratio"] = round(
            one["cpu_seconds"] / spread["cpu_seconds"], 2
        )
        if backend == "sqlite":
            small = spread  # the memory of 10k rows, beside 100k rows below
    results["imports_ratio_target"] = RATIO_TARGET
    results["imports_rows_per_s_goal_postgresql"] = ROWS_PER_SECOND_GOAL_PG
    large = _measure("sqlite", 10 * ROWS, 100)
    results["imports_peak_mib_10k_rows"] = round(small["peak_mib"], 1)
    results["imports_peak_mib_100k_rows"] = round(large["peak_mib"], 1)
    results["imports_peak_memory_ratio"] = round(large["peak_mib"] / small["peak_mib"], 2)
    return results


if __name__ == "__main__":
    print(json.dumps(_worker(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
