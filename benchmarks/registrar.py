"""The registrar's check over 200 presented credentials (target ≤ 1 s), beside the CLI.

A demo installation on SQLite in a temporary folder, a university, and 200 distinct
``cbqr`` credentials of the demo learner issued through the API. Timed on the same 200
credential texts in the same run:

- ``registrar_check_seconds``: :func:`issuer.credentials.transfer_check.review`, the check
  the workspace runs (trust data from the database, the university's policy, the
  offline check of ``verifier.transfer``, the rows in words);
- ``registrar_kept_page_seconds``: the application's page opened again later, its 200
  kept files read from the database and checked;
- ``registrar_upload_seconds``: the whole upload of 200 text files over HTTP (multipart
  parsing, reading, the check, the page), as the workspace answers it;
- ``registrar_api_check_seconds``: the same 200 files sent to ``POST
  /transfer-applications/{id}/checks`` with the registrar's staff token (the same check,
  the JSON report instead of the page, nothing kept);
- ``registrar_cli_seconds``: ``creditbank-verify transfer`` on the same 200 files, with
  the signed trust bundle and pinned anchor (in process, output discarded).
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from issuer.app import create_app
from issuer.bank import transfer_policies
from issuer.core import migrate
from issuer.core.settings import Settings
from issuer.credentials import transfer_check as registrar_check
from issuer.demo.story import run_story
from issuer.models import Institution, utcnow
from verifier import cli

ADMIN = "bench-admin-token-0123456789abcdef"


def _issue(
    api: TestClient, admin: dict[str, str], inst: dict[str, str], learner: int, n: int
) -> str:
    return str(_issued(api, admin, inst, learner, n)["qr_text"])


def _issued(
    api: TestClient, admin: dict[str, str], inst: dict[str, str], learner: int, n: int
) -> dict[str, Any]:
    """A course of the learner's, deposited by ``inst``, and its ``cbqr`` credential."""
    course = {
        "title": f"课程 {n:03d} 工业机器人",
        "course_type": "theory",
        "hours": 32,
        "domain": "AM",
        "completed_on": "2025-06-30",
    }
    entry = api.post(f"/learners/{learner}/courses", json=course, headers=inst).json()
    body = {"entry_ids": [entry["entry"]["id"]]}
    made = api.post(f"/learners/{learner}/credentials", json=body, headers=admin)
    assert made.status_code == 201, made.text
    issued: dict[str, Any] = made.json()
    return issued


def run(count: int = 200, rounds: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            env="test",
            home=home,
            database_url=f"sqlite:///{home / 'bench.db'}",
            admin_token=ADMIN,  # type: ignore[arg-type]
        )
        migrate.upgrade(settings.db_url)
        story = run_story(settings)
        app = create_app(settings)
        try:
            return _measure(app, settings, story, home, count, rounds)
        finally:
            app.state.engine.dispose()


def _measure(
    app: Any, settings: Settings, story: Any, home: Path, count: int, rounds: int
) -> dict[str, Any]:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    inst = {"Authorization": f"Bearer {story.institution_api_key}"}
    with TestClient(app) as api:
        university = {"code": "UNI-BENCH", "name_zh": "测试大学", "name_en": "Bench University"}
        made = api.post("/institutions", json={**university, "kind": "university"}, headers=admin)
        texts = [_issue(api, admin, inst, story.learner_id, n) for n in range(count)]
        bundle = home / "trust-bundle.json"
        bundle.write_text(api.get("/trust-bundle").text, encoding="utf-8")
    anchor = home / "anchor.jwk"
    anchor.write_text(json.dumps(app.state.keystore.anchor_jwk()), encoding="utf-8")
    files = []
    for n, text in enumerate(texts):
        path = home / f"credential-{n:03d}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    policy_file = home / "policy.toml"
    policy_file.write_text('version = 1\nname = "bench"\nissuers = ["CB-DEMO"]\n', encoding="utf-8")
    argv = [
        "transfer",
        "--policy",
        str(policy_file),
        "--trust",
        str(bundle),
        "--anchor",
        str(anchor),
    ]
    argv += ["--json", *map(str, files)]
    presented: list[registrar_check.Item] = [
        (p.name, t, None, None) for p, t in zip(files, texts, strict=True)
    ]
    check, cli_times = [], []
    with Session(app.state.engine) as session:
        institution = session.get(Institution, made.json()["id"])
        assert institution is not None
        policy = transfer_policies.policy_of(session, settings, institution)
        for _ in range(rounds):
            start = time.perf_counter()
            review = registrar_check.review(
                session, app.state.keystore, settings, policy, None, presented, utcnow()
            )
            check.append(time.perf_counter() - start)
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                status = cli.run(argv)
            cli_times.append(time.perf_counter() - start)
    assert len(review.rows) == count and all(
        r.accepted or r.reason == "not_in_application" for r in review.rows
    )
    assert status == 0, status
    return {
        "registrar_check_credentials": count,
        "registrar_check_seconds": round(min(check), 4),
        "registrar_check_seconds_median": round(statistics.median(check), 4),
        "registrar_check_seconds_target": 1.0,
        "registrar_cli_seconds": round(min(cli_times), 4),
        "registrar_check_over_cli_ratio": round(min(check) / min(cli_times), 3),
        **_upload(app, story, made.json(), texts, rounds),
    }


def _upload(
    app: Any, story: Any, university: dict[str, Any], texts: list[str], rounds: int
) -> dict[str, Any]:
    """The whole upload over HTTP, signed in as the university's registrar."""
    from tests.issuer.staff_factories import csrf_of, make_staff, sign_in

    settings = app.state.settings
    with TestClient(app) as api:
        admin = {"Authorization": f"Bearer {ADMIN}"}
        learner = {"id": story.learner_id}
        from tests.issuer.factories import apply_for_transfer

        application = apply_for_transfer(
            api, admin, learner, university, [{"jti": str(story.credential["jti"])}]
        )
        member = make_staff(
            app.state.engine, settings, "registrar", institution_id=university["id"]
        )
        browser = TestClient(app)
        sign_in(browser, member)
        path = f"/console/registrar/applications/{application['id']}"
        csrf = csrf_of(browser.get(path).text)
        files = [
            ("files", (f"c{n:03d}.txt", t.encode(), "text/plain")) for n, t in enumerate(texts)
        ]
        times, kept = [], []
        for _ in range(rounds):
            # After the first round the same files are duplicates: named, not kept twice,
            # and the report is of the 200 files kept with the application.
            start = time.perf_counter()
            response = browser.post(f"{path}/upload", data={"csrf": csrf}, files=files)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text[:300]
            start = time.perf_counter()
            again = browser.get(path)  # back on the page later: the kept files checked
            kept.append(time.perf_counter() - start)
            assert f'data-kept="{len(texts)}"' in again.text
        from issuer.core.security import issue_staff_token

        token = {"Authorization": f"Bearer {issue_staff_token(settings, member.id)}"}
        checks = []
        for _ in range(rounds):
            start = time.perf_counter()
            response = api.post(
                f"/transfer-applications/{application['id']}/checks", files=files, headers=token
            )
            checks.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text[:300]
            assert len(response.json()["items"]) == len(texts)
    return {
        "registrar_api_check_seconds": round(min(checks), 4),
        "registrar_api_check_seconds_median": round(statistics.median(checks), 4),
        "registrar_upload_seconds": round(min(times), 4),
        "registrar_upload_seconds_median": round(statistics.median(times), 4),
        "registrar_upload_seconds_target": 2.0,
        "registrar_kept_page_seconds": round(min(kept), 4),
        "registrar_kept_page_seconds_median": round(statistics.median(kept), 4),
    }
