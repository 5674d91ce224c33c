"""One multi-worker server per database backend for the whole concurrency run.

SQLite always; PostgreSQL too when ``CREDITBANK_TEST_DATABASE_URL`` names a server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.concurrency.server import Server, running_server

_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("CREDITBANK_TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session", params=_BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp(f"conc-{request.param}"), request.param) as srv:
        yield srv
