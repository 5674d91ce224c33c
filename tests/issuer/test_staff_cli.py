"""``creditbank staff create`` and the demo staff of ``seed-demo``, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
from fastapi.testclient import TestClient

from issuer.app import create_app
from issuer.core.settings import Settings
from tests.issuer.staff_factories import StaffMember, sign_in
from tests.issuer.test_cli_operational import clean_env, run_cli


def test_seed_demo_prints_staff_and_staff_create_makes_a_first_operator(tmp_path: Path) -> None:
    env = clean_env(CREDITBANK_HOME=str(tmp_path / "home"))
    assert run_cli(["db", "upgrade"], env, tmp_path).returncode == 0
    seeded = run_cli(["seed-demo"], env, tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert "zz.reviewer" in seeded.stdout and "CBDEMOZHENGZHOUREVIEWER" in seeded.stdout
    created = run_cli(
        ["staff", "create", "--role", "operator", "--login", "first.op", "--json"], env, tmp_path
    )
    assert created.returncode == 0, created.stderr
    body = json.loads(created.stdout)
    assert body["login"] == "first.op" and body["sign_in"].endswith("/console/sign-in")
    taken = run_cli(["staff", "create", "--role", "operator", "--login", "first.op"], env, tmp_path)
    assert taken.returncode == 1 and "staff_exists" in taken.stderr
    nowhere = run_cli(
        ["staff", "create", "--role", "reviewer", "--login", "r.x", "--centre", "NOPE"],
        env,
        tmp_path,
    )
    assert nowhere.returncode == 1 and "invalid_request" in nowhere.stderr

    # The demo operator signs in with the printed password and TOTP secret.
    demo = json.loads((tmp_path / "home" / "demo-staff.json").read_text("utf-8"))
    operator = next(m for m in demo["staff"] if m["role"] == "operator")
    settings = Settings(_env_file=None, home=tmp_path / "home", env="development")  # type: ignore[call-arg]
    app = create_app(settings)
    try:
        browser = TestClient(app)
        sign_in(
            browser, StaffMember(0, operator["login"], demo["password"], operator["totp_secret"])
        )
        assert pyotp.TOTP(operator["totp_secret"]).now().isdigit()
        home = browser.get("/console")
        assert home.status_code == 200 and "赵运营" in home.text

        # A demo committee member signs in as the member of the same name.
        expert = next(m for m in demo["staff"] if m["login"] == "wang.expert")
        member = TestClient(app)
        sign_in(member, StaffMember(0, expert["login"], demo["password"], expert["totp_secret"]))
        workspace = member.get("/console/committee")
        assert workspace.status_code == 200 and "王教授" in workspace.text
    finally:
        app.state.engine.dispose()
