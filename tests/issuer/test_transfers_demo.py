"""The university's story on the demo files: check three credentials, record once, refused twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from issuer.app import create_app
from issuer.cli._commands import export_trust
from issuer.core import migrate
from issuer.core.settings import Settings
from issuer.demo.story import run_story
from issuer.demo.transfers import demo_step
from tests.issuer.factories import problem
from verifier.cli import run

pytestmark = pytest.mark.db


def test_demo_transfer_story(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'creditbank.db'}",
    )
    migrate.upgrade(settings.db_url)
    result = run_story(settings)
    (tmp_path / "credential-1.txt").write_text(result.credential["qr_text"] + "\n", "ascii")
    written = demo_step(settings, tmp_path, result)
    export_trust(settings, tmp_path / "trust-bundle.json", tmp_path / "trust-anchor.jwk")
    assert (tmp_path / "certificate-1.pdf").read_bytes().startswith(b"%PDF")

    files = [str(tmp_path / name) for name in written["credentials"]]
    code = run(
        [
            "transfer",
            "--policy",
            str(tmp_path / written["policy"]),
            "--trust",
            str(tmp_path / "trust-bundle.json"),
            "--anchor",
            str(tmp_path / "trust-anchor.jwk"),
            "--json",
            *files,
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["totals"]["accepted_credits"] == result.account["balance"]
    assert [d["reason"] for d in report["rejected"]] == ["duplicate", "duplicate"]

    key = (tmp_path / written["university_api_key_file"]).read_text("ascii").strip()
    university = {"Authorization": f"Bearer {key}"}
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            # Without the learner's consent the university records nothing.
            refused = client.post("/transfers", json=report["request"], headers=university)
            problem(refused, 403, "consent_required")
            application = int((tmp_path / written["application_file"]).read_text("ascii"))
            assert application == written["application_id"]
            body = {**report["request"], "application_id": application}
            first = client.post("/transfers", json=body, headers=university)
            assert first.status_code == 201, first.text
            assert first.json()["institution"] == "DEMO-U"
            second = client.post("/transfers", json=body, headers=university)
            problem(second, 409, "consent_used")
    finally:
        app.state.engine.dispose()
