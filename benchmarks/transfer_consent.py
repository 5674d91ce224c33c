"""``POST /transfers`` with each form of consent: an application, or an SD-JWT VC presentation.

In-process (``TestClient``) over a fresh SQLite installation. Each round records one
transfer for a learner of its own: with an application (the baseline: a row lookup) and
with a presentation (the verifier checks issuer signature, holder binding, audience,
nonce and status against the bank's current trust data, which is assembled per request).
Reported: the median milliseconds of each and the ratio. No target in the issue; the
figure shows what a presentation costs the university's request.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from issuer.app import create_app
from issuer.core import migrate
from issuer.core.settings import Settings
from tests.issuer.factories import course, learner_headers, new_national_id
from verifier.formats import sd_jwt
from verifier.formats.holder_key import holder_public_jwk, holder_signer, new_holder_jwk

ROUNDS = 20
ADMIN = {"Authorization": "Bearer bench-admin-token"}


def _institution(client: TestClient, code: str, kind: str) -> dict[str, str]:
    body = {"code": code, "name_zh": f"机构{code}", "name_en": f"Body {code}", "kind": kind}
    created = client.post("/institutions", json=body, headers=ADMIN).json()
    return {"Authorization": f"Bearer {created['api_key']}"}


def _deposit(client: TestClient, school: dict[str, str]) -> tuple[dict[str, Any], int]:
    learner = client.post(
        "/learners", json={"name": "基准", "national_id": new_national_id()}, headers=school
    ).json()
    recorded = client.post(
        f"/learners/{learner['id']}/courses", json=course(), headers=school
    ).json()
    return learner, int(recorded["entry"]["id"])


def _timed(client: TestClient, body: dict[str, Any], university: dict[str, str]) -> float:
    started = time.perf_counter()
    response = client.post("/transfers", json=body, headers=university)
    elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"{response.status_code} {response.text}")
    return elapsed


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            env="test",
            home=home,
            database_url=f"sqlite:///{home / 'bench.db'}",
            admin_token="bench-admin-token",  # type: ignore[arg-type]
        )
        migrate.upgrade(settings.db_url)
        app = create_app(settings)
        try:
            with TestClient(app) as client:
                school = _institution(client, "BENCH-S", "vocational_school")
                university = _institution(client, "BENCH-U", "university")
                code = "BENCH-U"
                by_application: list[float] = []
                by_presentation: list[float] = []
                for _ in range(ROUNDS):
                    learner, entry = _deposit(client, school)
                    cred = client.post(
                        f"/learners/{learner['id']}/credentials",
                        json={"entry_ids": [entry]},
                        headers=ADMIN,
                    ).json()
                    applied = client.post(
                        f"/learners/{learner['id']}/transfer-applications",
                        json={
                            "institution": code,
                            "programme": "bench",
                            "items": [{"jti": cred["jti"]}],
                        },
                        headers=learner_headers(client, ADMIN, learner),
                    ).json()
                    body = {"items": [{"jti": cred["jti"]}], "application_id": applied["id"]}
                    by_application.append(_timed(client, body, university))

                    holder = new_holder_jwk()
                    learner, entry = _deposit(client, school)
                    issued = client.post(
                        f"/learners/{learner['id']}/credentials/sd-jwt",
                        json={"entry_ids": [entry], "holder_jwk": holder_public_jwk(holder)},
                        headers=ADMIN,
                    ).json()
                    given = client.post("/transfers/nonces", headers=university).json()
                    presentation = sd_jwt.present(
                        issued["token"],
                        ["name"],
                        holder_signer(holder),
                        aud=given["audience"],
                        nonce=given["nonce"],
                        iat=int(time.time()),
                    )
                    body = {"items": [{"jti": issued["jti"]}], "presentation": presentation}
                    by_presentation.append(_timed(client, body, university))
        finally:
            app.state.engine.dispose()
    application_ms = statistics.median(by_application) * 1000
    presentation_ms = statistics.median(by_presentation) * 1000
    figures = {
        "transfer_consent_application_ms": round(application_ms, 1),
        "transfer_consent_presentation_ms": round(presentation_ms, 1),
        "transfer_consent_presentation_ratio": round(presentation_ms / application_ms, 2),
        "transfer_consent_rounds": ROUNDS,
    }
    for name, value in figures.items():
        print(f"{name}: {value}")
    return figures
