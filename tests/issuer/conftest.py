"""Fixtures of the issuer tests: one migrated database and one app per test session.

SQLite in a temporary file by default. With ``CREDITBANK_TEST_DATABASE_URL`` set to a
PostgreSQL server (``postgresql+psycopg://postgres@127.0.0.1:5432/test``), a fresh,
uniquely named database is created on it, migrated, and dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from issuer.app import create_app
from issuer.core import migrate
from issuer.core.settings import Settings
from tests.issuer.committee_factories import panel, trio
from tests.issuer.factories import create_institution

ADMIN_TOKEN = "test-admin-token"


def _create_pg_database(server_url: str) -> tuple[str, str]:
    name = f"creditbank_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a migrated, empty database for this test session."""
    server_url = os.environ.get("CREDITBANK_TEST_DATABASE_URL")
    if not server_url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'creditbank.db'}"
        migrate.upgrade(url)
        yield url
        return
    name, url = _create_pg_database(server_url)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        _drop_pg_database(server_url, name)


@pytest.fixture(scope="session")
def settings(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=tmp_path_factory.mktemp("home"),
        database_url=db_url,
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        verify_base_url="https://verify.creditbank.test",
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture(scope="session")
def engine(app: FastAPI) -> Engine:
    result: Engine = app.state.engine
    return result


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def inst_a(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    return create_institution(client, admin)


@pytest.fixture(scope="session")
def inst_b(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    return create_institution(client, admin)


@pytest.fixture()
def dispute_panel(client: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    """Three members (education, industry, enterprise) on a fresh disputes panel."""
    members = trio(client, admin)
    panel(client, admin, "disputes", members)
    return members
