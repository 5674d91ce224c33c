"""Production hardening: documentation routes, response headers, file modes, hidden SQL
parameters."""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from issuer.app import create_app
from issuer.core import migrate
from issuer.core.db import make_engine
from issuer.core.errors import DataDirectoryMissing
from issuer.core.settings import DEV_SECRETS, Settings
from tests.issuer.factories import create_learner
from tests.issuer.test_certificate import issue_credential

STRONG = {name: f"{name}-0123456789-abcdefghij-ABCDEFGHIJ" for name in DEV_SECRETS}


def _settings(home: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        home=home,
        **{**STRONG, "env": "production", **overrides},
    )


@pytest.fixture
def production_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    migrate.upgrade(f"sqlite:///{home / 'creditbank.db'}")
    (home / "creditbank.db").chmod(0o644)
    return home


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_production_serves_no_documentation(production_home: Path, path: str) -> None:
    app = create_app(_settings(production_home))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
    app.state.engine.dispose()


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_documentation_can_be_enabled_in_production(production_home: Path, path: str) -> None:
    app = create_app(_settings(production_home, enable_docs=True))
    with TestClient(app) as client:
        assert client.get(path).status_code == 200
    app.state.engine.dispose()


def test_data_directory_is_0700_and_its_files_0600(production_home: Path) -> None:
    app = create_app(_settings(production_home))
    app.state.engine.dispose()
    assert stat.S_IMODE(production_home.stat().st_mode) == 0o700
    assert stat.S_IMODE((production_home / "keys").stat().st_mode) == 0o700
    files = [p for p in [*production_home.iterdir(), *(production_home / "keys").iterdir()]]
    assert (production_home / "creditbank.db") in files
    assert (production_home / "keys" / "keys.json") in files
    for path in files:
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_missing_data_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataDirectoryMissing, match="creditbank db upgrade"):
        create_app(_settings(tmp_path / "nowhere"))
    assert not (tmp_path / "nowhere").exists()


def test_sql_parameters_stay_out_of_errors_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", echo=True)
    secret = "张三-110105199001011234"
    with (
        caplog.at_level(logging.INFO, logger="sqlalchemy.engine"),
        engine.connect() as connection,
        pytest.raises(DBAPIError) as info,
    ):
        connection.execute(text("SELECT no_such_column WHERE :name = 1"), {"name": secret})
    engine.dispose()
    assert "no_such_column" in str(info.value)
    assert secret not in str(info.value)
    assert "hidden due to hide_parameters" in str(info.value)
    assert secret not in caplog.text


def test_personal_responses_are_not_stored_and_not_sniffed(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner, credential = issue_credential(client, admin, inst_a, titles=("数控编程",))
    personal = [
        client.get(f"/learners/{learner['id']}/account", headers=admin),
        client.get(f"/credentials/{credential['jti']}/certificate.pdf", headers=admin),
        client.get("/learners/999999999/account", headers=admin),  # problem+json
        client.post("/learners", json={}, headers=inst_a["headers"]),
    ]
    assert [r.status_code for r in personal] == [200, 200, 404, 422]
    assert personal[1].headers["content-type"] == "application/pdf"
    for response in personal:
        assert response.headers["cache-control"] == "no-store", response.request.url
        assert response.headers["x-content-type-options"] == "nosniff"


def test_public_documents_keep_their_cache_policy(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    _, credential = issue_credential(
        client, admin, inst_a, learner=create_learner(client, inst_a["headers"])
    )
    status_list = client.get(f"/status-lists/{credential['status_list']}")
    assert status_list.status_code == 200, status_list.text
    assert status_list.headers["cache-control"].startswith("public, max-age=")
    assert status_list.headers["x-content-type-options"] == "nosniff"
    context = client.get("/contexts/creditbank-v1.jsonld")
    assert context.headers["cache-control"] == "public, max-age=86400"
