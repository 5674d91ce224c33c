"""The institution workspace in headless Chromium, with a real ``creditbank worker``.

An installation of its own with an institution, its member of staff and twenty learners.
The member signs in (password + TOTP computed with pyotp), records one achievement by the
form and opens one account, then uploads a CSV of 1,000 achievements and watches the
progress bar. The worker is a real ``creditbank worker`` process: the test kills it
(SIGKILL) once the first batch has committed and starts another; the job resumes, the bar
reaches 100 %, the report is fetched by the page, and every row was deposited once. The
workspace pages are shot at 390 and 1280 px in Chinese and English.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("selenium")

from fastapi.testclient import TestClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, func, select

from issuer.app import create_app
from issuer.core import migrate
from issuer.models import Achievement, ImportJob, ImportJobRow, LedgerEntry, Recognition
from tests.browser.conftest import ADMIN_TOKEN, demo_settings, free_port, start_server
from tests.browser.test_console import _fits, _shot, _sign_in
from tests.issuer.factories import new_national_id
from tests.issuer.staff_factories import StaffMember, make_staff

CLI = str(Path(sys.executable).with_name("creditbank"))
ROWS = 1000
LEARNERS = 20


def _worker(settings: Any, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CREDITBANK_ENV": "test",
        "CREDITBANK_HOME": str(settings.home),
        "CREDITBANK_DATABASE_URL": settings.db_url,
        "CREDITBANK_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    with log.open("ab") as out:
        return subprocess.Popen([CLI, "worker"], env=env, stdout=out, stderr=out)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    port = free_port()
    home = tmp_path_factory.mktemp("workspace-home")
    settings = demo_settings(home, port)
    migrate.upgrade(settings.db_url)
    app = create_app(settings)
    server = start_server(app, port)
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    try:
        with TestClient(app) as api:
            made = api.post(
                "/institutions",
                json={
                    "code": "VOC-W",
                    "name_zh": "示范职业学院",
                    "name_en": "Demo Vocational College",
                    "kind": "vocational_school",
                },
                headers=admin,
            )
            assert made.status_code == 201, made.text
            learners = []
            for n in range(LEARNERS):
                opened = api.post(
                    "/learners",
                    json={"name": f"学员{n}", "national_id": new_national_id()},
                    headers=admin,
                )
                assert opened.status_code == 201, opened.text
                learners.append(opened.json()["id"])
        institution = made.json()["id"]
        engine = app.state.engine

        def member() -> StaffMember:
            return make_staff(engine, settings, "institution", institution_id=institution)

        yield {
            "url": server.url,
            "settings": settings,
            "engine": engine,
            "institution": institution,
            "learners": learners,
            "member": member,
            "home": home,
        }
    finally:
        server.stop()
        app.state.engine.dispose()


def _wait_for(browser: WebDriver, element_id: str) -> None:
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, element_id))


def _csv(learners: list[int]) -> Path:
    out = io.StringIO()
    columns = [
        "learner_id",
        "kind",
        "external_ref",
        "title",
        "course_type",
        "hours",
        "domain",
        "grade",
        "completed_on",
    ]
    writer = csv.writer(out)
    writer.writerow(columns)
    for n in range(ROWS):
        learner = learners[n % len(learners)]
        hours = "x" if n % 100 == 7 else "16"  # ten refused rows
        writer.writerow(
            [learner, "course", f"W-{n}", f"课程{n}", "theory", hours, "AM", "85", "2024-06-30"]
        )
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"workspace-{os.getpid()}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _job(engine: Any, job_id: int) -> ImportJob:
    with Session(engine) as session:
        job = session.get(ImportJob, job_id)
        assert job is not None
        return job


def test_staff_record_open_upload_and_watch_a_job_survive_a_worker_restart(
    site: dict[str, Any], browser: WebDriver, screenshots: Path
) -> None:
    url, engine = site["url"], site["engine"]
    browser.set_window_size(1280, 900)
    browser.get(f"{url}/console/language/zh_Hans?next=/console/sign-in")
    _sign_in(browser, url, site["member"]())
    browser.find_element(By.ID, "institution-workspace").click()
    _wait_for(browser, "filters")

    # One achievement by the form: the decision in words.
    browser.find_element(By.ID, "nav-record").click()
    _wait_for(browser, "achievement-form")
    browser.find_element(By.ID, "kind-training").click()
    _wait_for(browser, "f-provider")
    browser.find_element(By.ID, "learner_id").send_keys(str(site["learners"][0]))
    browser.find_element(By.ID, "f-completed_on").send_keys("2024-05-20")
    browser.execute_script("document.getElementById('f-completed_on').value = '2024-05-20';")
    browser.find_element(By.ID, "f-hours").send_keys("40")
    browser.find_element(By.ID, "f-provider").send_keys("郑州市职业技能培训中心")
    browser.find_element(By.ID, "record").click()
    _wait_for(browser, "result")
    assert "培训" in browser.find_element(By.ID, "result").text

    # One account by the form.
    browser.find_element(By.ID, "nav-account").click()
    _wait_for(browser, "account-form")
    browser.find_element(By.ID, "name").send_keys("刘新生")
    browser.find_element(By.ID, "national_id").send_keys(new_national_id())
    browser.find_element(By.ID, "open-account").click()
    _wait_for(browser, "opened")
    assert "刘新生" in browser.find_element(By.ID, "opened").text

    # The CSV, with a worker that is killed after its first committed batch.
    log = site["home"] / "worker.log"
    worker = _worker(site["settings"], log)
    try:
        browser.find_element(By.ID, "nav-imports").click()
        _wait_for(browser, "upload-form")
        browser.find_element(By.ID, "file").send_keys(str(_csv(site["learners"])))
        browser.find_element(By.ID, "upload").click()
        _wait_for(browser, "job-bar")
        job_id = int(browser.current_url.rsplit("/", 1)[1])
        deadline = time.monotonic() + 120
        while _job(engine, job_id).done == 0:
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        cut = _job(engine, job_id)
        assert 0 < cut.done < ROWS and cut.state == "running"
        WebDriverWait(browser, 20).until(
            lambda b: b.find_element(By.ID, "job-done").text == str(cut.done)
        )
        _shot(browser, screenshots / "workspace-job-cut-zh_Hans-1280.png")
        worker = _worker(site["settings"], log)
        WebDriverWait(browser, 180).until(
            lambda b: (
                b.find_element(By.ID, "job-percent").text == "100"
                and b.find_element(By.ID, "report-link").is_displayed()
            )
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
    assert browser.find_element(By.ID, "job-bad").text == "10"
    _shot(browser, screenshots / "workspace-job-done-zh_Hans-1280.png")
    report = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.getElementById('report-link').href).then(r => r.text()).then(done);"
    )
    lines = list(csv.DictReader(io.StringIO(report.lstrip("\ufeff"))))
    assert [int(r["line"]) for r in lines] == list(range(2, ROWS + 2))
    assert sum(r["status"] == "bad" for r in lines) == 10

    with Session(engine) as session:
        job = session.get(ImportJob, job_id)
        assert job is not None and job.state == "done" and job.done == ROWS
        reported = select(func.count(func.distinct(ImportJobRow.line))).where(
            col(ImportJobRow.job_id) == job_id
        )
        assert session.exec(reported).one() == ROWS
        ours = select(Achievement.id).where(col(Achievement.external_ref).like("W-%"))
        achievements = session.exec(ours).all()
        assert len(achievements) == ROWS - 10 == job.recorded + job.pending_review
        # Each recorded row holds one deposit of its own, none shared, none twice.
        deposited = session.exec(
            select(Recognition.ledger_entry_id).where(
                col(Recognition.achievement_id).in_(achievements),
                col(Recognition.ledger_entry_id).is_not(None),
            )
        ).all()
        assert len(deposited) == len(set(deposited)) == job.recorded > 0
        entries = select(func.count()).where(col(LedgerEntry.id).in_(deposited))
        assert session.exec(entries).one() == job.recorded


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_workspace_pages_fit_the_screen(
    site: dict[str, Any],
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
    width: int,
    language: str,
) -> None:
    url, base = site["url"], f"/console/workspace/{site['institution']}"
    browser = browser_factory()
    browser.set_window_size(width, 900)
    browser.get(f"{url}/console/language/{language}?next=/console/sign-in")
    _sign_in(browser, url, site["member"]())
    tag = f"{language}-{width}"
    for name, path in (
        ("home", "/console"),
        ("records", base),
        ("achievement", f"{base}/achievements/new?kind=vocational_cert"),
        ("account", f"{base}/accounts/new"),
        ("imports", f"{base}/imports"),
    ):
        browser.get(f"{url}{path}")
        _fits(browser, name)
        _shot(browser, screenshots / f"workspace-{name}-{tag}.png")
    jobs = browser.find_elements(By.CSS_SELECTOR, "#jobs a")
    if jobs:
        jobs[0].click()
        _wait_for(browser, "job-bar")
        _fits(browser, "job")
        _shot(browser, screenshots / f"workspace-job-{tag}.png")
    browser.get(f"{url}{base}/accounts/new")
    browser.find_element(By.ID, "name").send_keys("王")
    browser.find_element(By.ID, "national_id").send_keys("410105199001011234")
    browser.find_element(By.ID, "open-account").click()
    _wait_for(browser, "error")
    assert browser.find_element(By.ID, "error").get_attribute("data-code") == "invalid_national_id"
    _fits(browser, "refused")
    _shot(browser, screenshots / f"workspace-refused-{tag}.png")
