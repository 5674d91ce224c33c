"""An institution's CSV jobs over the API: ``POST /imports``, its status document, the list,
the report, refusals with nothing queued and the attempt audited, another's jobs hidden.

The end-to-end test is an installation of its own (SQLite, its own huey queue file) with a
real ``creditbank worker`` process: one job sent with the institution's API key and one
with a member of staff's token, polled over the API until done, their reports read.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from issuer.app import create_app
from issuer.core import migrate, security
from issuer.core.settings import Settings
from issuer.models import AuditEvent, ImportJob, LedgerEntry
from tests.issuer.factories import create_institution, create_learner, new_national_id, problem
from tests.issuer.staff_factories import csrf_of, make_staff, sign_in

CLI = str(Path(sys.executable).with_name("creditbank"))
TOKEN = "imports-api-admin-token"
COLUMNS = ["learner_id", "kind", "external_ref", "title", "course_type", "hours", "domain"]


def _achievements(learners: list[int], rows: int, prefix: str, bad: set[int]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, "grade", "completed_on"])
    for n in range(rows):
        hours = "x" if n in bad else "16"
        learner = learners[n % len(learners)]
        writer.writerow(
            [
                learner,
                "course",
                f"{prefix}-{n}",
                f"课程{n}",
                "theory",
                hours,
                "AM",
                "85",
                "2024-06-30",
            ]
        )
    return out.getvalue().encode("utf-8")


def _upload(
    client: TestClient, headers: dict[str, str], kind: str, data: bytes, **extra: str
) -> Any:
    return client.post(
        "/imports",
        data={"kind": kind, **extra},
        files=[("file", ("upload.csv", data, "text/csv"))],
        headers=headers,
    )


def _report(client: TestClient, headers: dict[str, str], job_id: int) -> list[dict[str, str]]:
    got = client.get(f"/imports/{job_id}/report.csv", headers=headers)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))


# -- end to end, with a real worker ------------------------------------------------------


@pytest.fixture()
def installation(tmp_path: Path) -> Iterator[dict[str, Any]]:
    migrate.upgrade(f"sqlite:///{tmp_path / 'creditbank.db'}")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=tmp_path,
        admin_token=TOKEN,  # type: ignore[arg-type]
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            yield {"app": app, "client": client, "settings": settings, "home": tmp_path}
    finally:
        app.state.engine.dispose()


def _start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITBANK_")}
    env.update(
        CREDITBANK_ENV="test",
        CREDITBANK_HOME=str(settings.home),
        CREDITBANK_DATABASE_URL=settings.db_url,
        CREDITBANK_ADMIN_TOKEN=TOKEN,
    )
    with log.open("ab") as out:
        return subprocess.Popen([CLI, "worker"], env=env, stdout=out, stderr=out)


def _wait_done(client: TestClient, headers: dict[str, str], job_id: int, log: Path) -> Any:
    deadline = time.monotonic() + 90
    while True:
        status = client.get(f"/imports/{job_id}", headers=headers)
        assert status.status_code == 200, status.text
        if status.json()["state"] in ("done", "failed"):
            return status.json()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def test_jobs_sent_over_the_api_are_run_by_a_real_worker(installation: dict[str, Any]) -> None:
    client: TestClient = installation["client"]
    settings: Settings = installation["settings"]
    engine: Engine = installation["app"].state.engine
    admin = {"Authorization": f"Bearer {TOKEN}"}
    school = create_institution(client, admin)
    learners = [create_learner(client, admin, f"学员{n}")["id"] for n in range(3)]
    member = make_staff(engine, settings, "institution", institution_id=school["id"])
    staff = {"Authorization": f"Bearer {security.issue_staff_token(settings, member.id)}"}

    # The API key: 40 achievements, two of them refused (hours "x").
    sent = _upload(
        client, school["headers"], "achievements", _achievements(learners, 40, "E", {5, 17})
    )
    assert sent.status_code == 202, sent.text
    job = sent.json()
    assert sent.headers["location"] == f"/imports/{job['id']}"
    assert (job["state"], job["kind"], job["total"], job["done"]) == (
        "queued",
        "achievements",
        40,
        0,
    )
    # A member of staff's token: two accounts, one with an invalid national ID.
    accounts = f"name,national_id\n王一,{new_national_id()}\n李二,123\n".encode()
    opened = _upload(client, staff, "learners", accounts)
    assert opened.status_code == 202, opened.text
    with Session(engine) as session:
        rows = {j.id: j.staff_id for j in session.exec(select(ImportJob))}
    assert rows == {job["id"]: None, opened.json()["id"]: member.id}

    log = installation["home"] / "worker.log"
    worker = _start_worker(settings, log)
    try:
        done = _wait_done(client, school["headers"], job["id"], log)
        accounts_done = _wait_done(client, staff, opened.json()["id"], log)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(30)
    assert done["state"] == "done", done
    assert (done["done"], done["recorded"], done["bad"], done["percent"]) == (40, 38, 2, 100)
    assert done["finished_at"] is not None
    assert (accounts_done["state"], accounts_done["recorded"], accounts_done["bad"]) == (
        "done",
        1,
        1,
    )
    with Session(engine) as session:
        deposits = session.exec(
            select(func.count()).where(col(LedgerEntry.learner_id).in_(learners))
        ).one()
    assert deposits == 38

    report = _report(client, school["headers"], job["id"])
    assert [int(r["line"]) for r in report] == list(range(2, 42))
    refused = {int(r["line"]): r["detail"] for r in report if r["status"] == "bad"}
    assert sorted(refused) == [7, 19] and all("hours" in d for d in refused.values())
    assert {r["status"] for r in report} == {"recorded", "bad"}
    assert all(float(r["credits"]) > 0 for r in report if r["status"] == "recorded")
    # The staff token and the API key are the same institution: one list of both jobs.
    listed = client.get("/imports", headers=staff, params={"limit": 1}).json()
    assert (listed["total"], len(listed["items"])) == (2, 1)
    assert listed["items"][0]["id"] == opened.json()["id"]  # newest first
    with Session(engine) as session:
        created = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "import_job.created")
        ).all()
    assert sorted(e.actor for e in created) == sorted(
        [f"institution:{school['code']}", f"staff:{member.id}"]
    )
    assert worker.returncode == 0, log.read_text()


# -- refusals and scope, on the shared test database --------------------------------------


def _jobs(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(ImportJob)).one())


def _refusals(engine: Engine, institution: str, code: str) -> list[AuditEvent]:
    with Session(engine) as session:
        query = select(AuditEvent).where(
            col(AuditEvent.action) == f"import_job.refused.{code}",
            col(AuditEvent.subject) == f"institution:{institution}",
        )
        return list(session.exec(query.order_by(col(AuditEvent.id))))


@pytest.mark.db
@pytest.mark.parametrize(
    ("kind", "data", "extra", "status", "code"),
    [
        ("achievements", b"%PDF-1.7\x00\x01binary", {}, 422, "csv_unreadable"),
        ("learners", "姓名,身份证\n张三,1\n".encode("gbk"), {}, 422, "csv_unreadable"),
        ("achievements", b"learner_id,kind\n1,course\n", {}, 422, "csv_header"),
        ("learners", b"name,mobile\nx,1\n", {}, 422, "csv_header"),
        ("accounts", b"name,national_id\n", {}, 422, "invalid_request"),
        ("learners", b"name,national_id\n", {"centre": "1"}, 422, "invalid_request"),
        ("learners", b"", {}, 422, "invalid_request"),
    ],
    ids=["binary", "gbk", "header", "header-accounts", "kind", "unknown-field", "empty"],
)
def test_a_refused_upload_queues_nothing_and_is_audited(
    client: TestClient,
    engine: Engine,
    inst_a: dict[str, Any],
    kind: str,
    data: bytes,
    extra: dict[str, str],
    status: int,
    code: str,
) -> None:
    before, audited = _jobs(engine), len(_refusals(engine, inst_a["code"], code))
    body = problem(_upload(client, inst_a["headers"], kind, data, **extra), status, code)
    if "centre" in extra:
        assert "centre" in body["detail"]
    assert _jobs(engine) == before
    events = _refusals(engine, inst_a["code"], code)
    assert len(events) == audited + 1
    assert events[-1].actor == f"institution:{inst_a['code']}" and events[-1].reason == code


@pytest.mark.db
def test_a_body_that_is_not_multipart_is_refused_and_audited(
    client: TestClient, engine: Engine, inst_a: dict[str, Any]
) -> None:
    before = _jobs(engine)
    sent = client.post(
        "/imports",
        content=b"name,national_id\n",
        headers={**inst_a["headers"], "Content-Type": "text/csv"},
    )
    problem(sent, 422, "invalid_request")
    assert _jobs(engine) == before
    assert _refusals(engine, inst_a["code"], "invalid_request")


@pytest.mark.db
def test_an_upload_may_pass_the_api_body_limit_up_to_the_jobs_own(
    client: TestClient, engine: Engine, inst_a: dict[str, Any]
) -> None:
    # 2 MiB: past the 1 MiB of every other body of the API, well within a job's 16 MiB.
    row = "学员-{:06d}-" + "x" * 24 + ",410105199001011234\n"
    big = ("name,national_id\n" + "".join(row.format(n) for n in range(42_000))).encode()
    assert len(big) > 2 << 20
    queued = _upload(client, inst_a["headers"], "learners", big)
    assert queued.status_code == 202, queued.text
    assert queued.json()["total"] == 42_000
    # Past the job's limit (and the form's room): refused before it is read, nothing queued.
    before = _jobs(engine)
    huge = b"name,national_id\n" + b"x" * (17 << 20)
    problem(_upload(client, inst_a["headers"], "learners", huge), 413, "payload_too_large")
    assert _jobs(engine) == before


@pytest.mark.db
def test_another_institutions_jobs_are_not_found(
    client: TestClient, engine: Engine, inst_a: dict[str, Any], inst_b: dict[str, Any]
) -> None:
    queued = _upload(
        client,
        inst_a["headers"],
        "learners",
        f"name,national_id\n王,{new_national_id()}\n".encode(),
    )
    assert queued.status_code == 202, queued.text
    job_id = queued.json()["id"]
    assert client.get(f"/imports/{job_id}", headers=inst_a["headers"]).json()["state"] == "queued"
    problem(client.get(f"/imports/{job_id}", headers=inst_b["headers"]), 404, "not_found")
    problem(
        client.get(f"/imports/{job_id}/report.csv", headers=inst_b["headers"]), 404, "not_found"
    )
    theirs = client.get("/imports", headers=inst_b["headers"], params={"limit": 200}).json()
    assert job_id not in [j["id"] for j in theirs["items"]]
    ours = client.get("/imports", headers=inst_a["headers"], params={"limit": 200}).json()
    assert job_id in [j["id"] for j in ours["items"]]
    # Before the worker has run it, the report has its header only.
    assert _report(client, inst_a["headers"], job_id) == []


@pytest.mark.db
def test_only_institutions_queue_imports(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    problem(_upload(client, admin, "learners", b"name,national_id\n"), 403, "forbidden")
    expert = make_staff(engine, settings, "committee")
    staff = {"Authorization": f"Bearer {security.issue_staff_token(settings, expert.id)}"}
    problem(client.get("/imports", headers=staff), 403, "forbidden")
    problem(client.get("/imports"), 401, "unauthenticated")


@pytest.mark.db
def test_the_workspace_form_audits_a_refused_upload_too(
    app: FastAPI, engine: Engine, settings: Settings, inst_a: dict[str, Any]
) -> None:
    member = make_staff(engine, settings, "institution", institution_id=inst_a["id"])
    browser = TestClient(app)
    sign_in(browser, member)
    base = f"/console/workspace/{inst_a['id']}/imports"
    before = len(_refusals(engine, inst_a["code"], "csv_header"))
    refused = browser.post(
        base,
        data={"csrf": csrf_of(browser.get(base).text), "kind": "learners"},
        files=[("file", ("a.csv", b"name,mobile\nx,1\n", "text/csv"))],
    )
    assert refused.status_code == 422 and 'data-code="csv_header"' in refused.text
    events = _refusals(engine, inst_a["code"], "csv_header")
    assert len(events) == before + 1 and events[-1].actor == f"staff:{member.id}"
