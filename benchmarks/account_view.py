"""``GET /learners/{id}/account`` of an account with 10 entries beside one with 10,000.

Both list one page of 10 entries. One app (the real ``create_app``) on a SQLite file,
called in-process through the ASGI test client; the entries are appended through the
ledger. Reported: requests/s of
both, in alternating rounds, and their ratio (target ≤ 2: the view sums the balances in
the database and reads one page of entries, whatever the account holds).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from benchmarks._timing import compare
from issuer.app import create_app
from issuer.bank import ledger
from issuer.core import migrate
from issuer.core.settings import Settings
from tests.issuer.factories import create_learner

SMALL, LARGE = 10, 10_000
#: Both views list one page of this many entries (all of the small account's).
PAGE = SMALL
TARGET = 2.0
ADMIN = "bench-admin-token"


def _fill(session: Session, learner: int, count: int) -> None:
    for n in range(count):
        ledger.append(
            session,
            learner_id=learner,
            kind="deposit",
            half_credits=2,
            domain=("AM", "AI", "AG")[n % 3],
            standard="GE-HOURS@1",
            rule="theory-16h",
            explanation="基准 bench",
        )
    session.commit()


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        (Path(tmp) / "home").mkdir()
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            env="test",
            home=Path(tmp) / "home",
            database_url=url,
            admin_token=ADMIN,  # type: ignore[arg-type]
        )
        app = create_app(settings)
        admin = {"Authorization": f"Bearer {ADMIN}"}
        with TestClient(app) as client:
            small, large = create_learner(client, admin)["id"], create_learner(client, admin)["id"]
            with Session(app.state.engine) as session:
                _fill(session, small, SMALL)
                _fill(session, large, LARGE)

            def view(learner: int) -> None:
                response = client.get(
                    f"/learners/{learner}/account", params={"limit": PAGE}, headers=admin
                )
                assert response.status_code == 200, response.text

            result = compare(lambda: view(large), lambda: view(small), loops=20, rounds=9)
        app.state.engine.dispose()
    return {
        "account_view_small_entries": SMALL,
        "account_view_large_entries": LARGE,
        "account_view_page_entries": PAGE,
        "account_view_small_per_s": round(result.baseline, 1),
        "account_view_large_per_s": round(result.ours, 1),
        "account_view_large_to_small_time_ratio": round(1 / result.ratio, 2),
        "account_view_ratio_target": TARGET,
    }
