"""The institution workspace's 10,000-row CSV job beside the same rows imported by the CLI.

Two fresh, migrated SQLite installations with the same institution and 100 accounts; the
same CSV of 10,000 course rows goes (a) through the workspace: a staff member signed in
(password + TOTP) uploads it to ``/console/workspace/{id}/imports`` and a real
``creditbank worker`` process, started beforehand, runs the job; timed from the upload
to the job's ``done`` state, seen by reading the job's row every 0.2 s; and (b) through
``creditbank import achievements FILE --institution CODE``, timed as a process from start
to exit. Reported: both times, rows/s and the ratio job/CLI (the cost of the job's
report lines, its counts and the queue).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROWS = 10_000
ACCOUNTS = 100
CLI = str(Path(sys.executable).with_name("creditbank"))
TOKEN = "bench-admin-token"


def _write_csv(path: Path, learners: list[int]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "learner_id,kind,external_ref,completed_on,title,course_type,hours,domain,grade\n"
        )
        for n in range(ROWS):
            learner = learners[n % len(learners)]
            out.write(f"{learner},course,JOB-{n},2025-06-30,课程 {n},theory,16,AM,合格\n")


def _installation(home: Path) -> tuple[Any, Any, list[int], int, dict[str, str]]:
    from sqlmodel import Session

    from issuer.bank.accounts import create_institution, create_learner
    from issuer.core import migrate
    from issuer.core.db import make_engine
    from issuer.core.settings import Settings
    from issuer.models import InstitutionCreate, LearnerCreate
    from tests.issuer.factories import new_national_id

    url = f"sqlite:///{home / 'creditbank.db'}"
    migrate.upgrade(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=home,
        database_url=url,
        admin_token=TOKEN,  # type: ignore[arg-type]
    )
    engine = make_engine(url)
    with Session(engine) as session:
        institution = create_institution(
            session,
            InstitutionCreate(code="BENCH", name_zh="基准", name_en="Bench", kind="university"),
        )
        learners = [
            create_learner(
                session, settings, LearnerCreate(name="基准", national_id=new_national_id())
            ).id
            for _ in range(ACCOUNTS)
        ]
        session.commit()
    env = {
        **os.environ,
        "CREDITBANK_ENV": "test",
        "CREDITBANK_HOME": str(home),
        "CREDITBANK_DATABASE_URL": url,
        "CREDITBANK_ADMIN_TOKEN": TOKEN,
    }
    return settings, engine, learners, institution.id, env


def _through_the_workspace(home: Path) -> float:
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from issuer.app import create_app
    from issuer.models import ImportJob
    from tests.issuer.staff_factories import csrf_of, make_staff, sign_in

    settings, engine, learners, institution, env = _installation(home)
    path = home / "rows.csv"
    _write_csv(path, learners)
    app = create_app(settings)
    member = make_staff(engine, settings, "institution", institution_id=institution)
    worker = subprocess.Popen(
        [CLI, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        with TestClient(app) as browser:
            sign_in(browser, member)
            base = f"/console/workspace/{institution}/imports"
            csrf = csrf_of(browser.get(base).text)
            started = time.perf_counter()
            posted = browser.post(
                base,
                data={"csrf": csrf, "kind": "achievements"},
                files=[("file", ("rows.csv", path.read_bytes(), "text/csv"))],
                follow_redirects=False,
            )
            assert posted.status_code == 303, posted.text[:500]
            job_id = int(posted.headers["location"].rsplit("/", 1)[1])
            while True:
                with Session(engine) as session:
                    job = session.get(ImportJob, job_id)
                    assert job is not None
                    if job.state in ("done", "failed"):
                        break
                time.sleep(0.2)
            seconds = time.perf_counter() - started
            assert job.state == "done" and job.recorded == ROWS, (job.state, job.error)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
        app.state.engine.dispose()
        engine.dispose()
    return seconds


def _through_the_cli(home: Path) -> float:
    _, engine, learners, _, env = _installation(home)
    engine.dispose()
    path = home / "rows.csv"
    _write_csv(path, learners)
    started = time.perf_counter()
    subprocess.run(
        [CLI, "import", "achievements", str(path), "--institution", "BENCH"],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        job = _through_the_workspace(Path(one))
        cli = _through_the_cli(Path(two))
    return {
        "workspace_job_rows": ROWS,
        "workspace_job_sqlite_seconds": round(job, 1),
        "workspace_job_sqlite_rows_per_s": round(ROWS / job, 1),
        "workspace_cli_import_sqlite_seconds": round(cli, 1),
        "workspace_cli_import_sqlite_rows_per_s": round(ROWS / cli, 1),
        "workspace_job_to_cli_time_ratio": round(job / cli, 2),
    }


if __name__ == "__main__":
    print(run())
