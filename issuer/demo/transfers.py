"""The demo's transfer and certificate files: ``creditbank demo --out DIR`` adds them.

After the demo story (:func:`issuer.demo.story.run_story`) this step registers a receiving
university, issues two more credentials over the demo deposits (so that a transfer check
over the three finds the same achievements twice), has the demo learner apply to the
university for recognition of all three (the consent the university records the
transfer with: ``application_id``), and writes::

    DIR/certificate-1.pdf            the PDF certificate of credential-1
    DIR/credential-2.txt, .png       a credential over the first deposit again
    DIR/credential-3.txt, .png       a credential over the second deposit again
    DIR/transfer-policy.toml         a sample policy of the university
    DIR/university-api-key.txt       the university's API key (for POST /transfers)
    DIR/transfer-application.txt     the learner's application id (POST /transfers consent)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from issuer.app import create_app
from issuer.core.settings import Settings
from issuer.credentials.certificate import write_demo_certificate
from issuer.credentials.qr_image import render_png
from issuer.demo.story import DEMO_PASSWORD, DemoResult, ok

__all__ = ["DEMO_POLICY", "DEMO_PROGRAMME", "DEMO_UNIVERSITY", "demo_step"]

DEMO_UNIVERSITY = {
    "code": "DEMO-U",
    "name_zh": "示范大学",
    "name_en": "Demo University",
    "kind": "university",
}
#: The programme the demo learner applies to.
DEMO_PROGRAMME = "机械设计制造及其自动化（专升本）/ Mechanical engineering (top-up bachelor)"
#: The sample policy (examples/transfer-policy.toml explains every key).
DEMO_POLICY = """\
version = 1
name = "示范大学 学分转换政策 2026 / Demo University credit transfer policy 2026"
issuers = ["{issuer}"]
domains = ["AM", "AI", "GE"]
standards = ["GE-HOURS", "AM-VOC"]
max_achievement_age_days = 1826
require_holder_binding = false

[limits]
total_credits = 30
domains = {{ AM = 20, AI = 10 }}
"""


def demo_step(settings: Settings, out: Path, result: DemoResult) -> dict[str, Any]:
    """Write the transfer demo files to ``out``; returns what it wrote, for the summary."""
    admin = {"Authorization": f"Bearer {settings.admin_token.get_secret_value()}"}
    app = create_app(settings)
    try:
        with TestClient(app, base_url=settings.verify_base_url) as client:
            university = ok(
                client.post("/institutions", json=DEMO_UNIVERSITY, headers=admin), "university"
            )
            written = []
            jtis = [str(result.credential["jti"])]
            for number, entry_id in enumerate(result.entry_ids[:2], start=2):
                issued = ok(
                    client.post(
                        f"/learners/{result.learner_id}/credentials",
                        json={"entry_ids": [entry_id]},
                        headers=admin,
                    ),
                    f"credential-{number}",
                )
                (out / f"credential-{number}.txt").write_text(issued["qr_text"] + "\n", "ascii")
                (out / f"credential-{number}.png").write_bytes(render_png(issued["qr_text"]))
                written.append(f"credential-{number}.txt")
                jtis.append(str(issued["jti"]))
            application = _apply(client, result.learner_id, jtis)
    finally:
        app.state.engine.dispose()
    write_demo_certificate(settings, str(result.credential["jti"]), out / "certificate-1.pdf")
    (out / "transfer-policy.toml").write_text(
        DEMO_POLICY.format(issuer=settings.issuer_id), "utf-8"
    )
    key_file = out / "university-api-key.txt"
    key_file.write_text(str(university["api_key"]) + "\n", "ascii")
    key_file.chmod(0o600)
    (out / "transfer-application.txt").write_text(f"{application['id']}\n", "ascii")
    return {
        "application_id": application["id"],
        "application_file": "transfer-application.txt",
        "certificate": "certificate-1.pdf",
        "credentials": ["credential-1.txt", *written],
        "policy": "transfer-policy.toml",
        "university_api_key_file": key_file.name,
    }


def _apply(client: TestClient, learner_id: int, jtis: list[str]) -> dict[str, Any]:
    """The demo learner signs in and applies to the demo university for ``jtis``."""
    token = ok(
        client.post("/auth/token", json={"learner_id": learner_id, "password": DEMO_PASSWORD}),
        "learner sign-in",
    )
    learner = {"Authorization": f"Bearer {token['access_token']}"}
    body = {
        "institution": DEMO_UNIVERSITY["code"],
        "programme": DEMO_PROGRAMME,
        "items": [{"jti": jti} for jti in jtis],
    }
    return ok(
        client.post(f"/learners/{learner_id}/transfer-applications", json=body, headers=learner),
        "transfer application",
    )
