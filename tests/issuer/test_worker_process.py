"""``creditbank serve`` runs ``creditbank worker`` as a child process, which runs jobs and
stops with it; ``--no-worker`` starts none. Real processes, a real SQLite installation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from sqlmodel import Session, select

from issuer.bank.accounts import create_institution
from issuer.core import migrate
from issuer.core.db import make_engine
from issuer.core.settings import Settings
from issuer.jobs import import_jobs, queue
from issuer.models import ImportJob, Institution, InstitutionCreate
from tests.browser.conftest import free_port
from tests.issuer.factories import new_national_id
from tests.issuer.staff_factories import make_staff

CLI = str(Path(sys.executable).with_name("creditbank"))
TOKEN = "worker-test-admin-token"


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _serve(home: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITBANK_")}
    env.update(
        CREDITBANK_ENV="test",
        CREDITBANK_HOME=str(home),
        CREDITBANK_ADMIN_TOKEN=TOKEN,
    )
    with (home / "serve.log").open("ab") as log:
        process = subprocess.Popen(
            [CLI, "serve", "--port", str(port), *extra], env=env, stdout=log, stderr=log
        )
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (home / "serve.log").read_text()
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx2.TransportError:
            pass
        assert time.monotonic() < deadline, (home / "serve.log").read_text()
        time.sleep(0.2)


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    migrate.upgrade(f"sqlite:///{tmp_path / 'creditbank.db'}")
    return tmp_path


def _wait_for_child(pid: int) -> list[int]:
    deadline = time.monotonic() + 30
    while not (children := _children(pid)):
        assert time.monotonic() < deadline, "serve started no worker"
        time.sleep(0.1)
    return children


def test_serve_runs_a_worker_that_runs_jobs_and_stops_with_it(home: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=home,
        admin_token=TOKEN,  # type: ignore[arg-type]
    )
    server = _serve(home, free_port())
    try:
        (worker,) = _wait_for_child(server.pid)
        assert "worker" in Path(f"/proc/{worker}/cmdline").read_text()
        engine = make_engine(settings.db_url)
        with Session(engine) as session:
            create_institution(
                session,
                InstitutionCreate(code="WRK", name_zh="测试", name_en="Test", kind="enterprise"),
            )
            session.commit()
            institution = session.exec(select(Institution)).one()
        member = make_staff(engine, settings, "institution", institution_id=institution.id)
        with Session(engine) as session:
            content = f"name,national_id\n王,{new_national_id()}\n李,bad\n".encode()
            job = import_jobs.create_job(
                session, institution, "learners", "a.csv", content, staff_id=member.id, actor="t"
            )
            session.commit()
            job_id = job.id
        assert job_id is not None
        queue.enqueue_import(settings, job_id)
        deadline = time.monotonic() + 60
        while True:
            with Session(engine) as session:
                done = session.get(ImportJob, job_id)
                assert done is not None
                if done.state == "done":
                    break
            assert time.monotonic() < deadline, (home / "serve.log").read_text()
            time.sleep(0.2)
        assert (done.recorded, done.bad) == (1, 1)
        engine.dispose()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    assert server.returncode == 0
    assert not _alive(worker), "the worker outlived serve"


def test_serve_no_worker_starts_none(home: Path) -> None:
    server = _serve(home, free_port(), "--no-worker")
    try:
        time.sleep(1)
        assert _children(server.pid) == []
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_the_worker_stops_when_serve_is_terminated_or_killed(home: Path, how: int) -> None:
    # uvicorn ends the process on SIGTERM without running serve's cleanup, and SIGKILL runs
    # none: the worker notices that serve is gone and stops by itself.
    server = _serve(home, free_port())
    (worker,) = _wait_for_child(server.pid)
    server.send_signal(how)
    server.wait(30)
    deadline = time.monotonic() + 20
    while _alive(worker):
        assert time.monotonic() < deadline, "the worker outlived serve"
        time.sleep(0.2)
