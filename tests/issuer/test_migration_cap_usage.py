"""The cap totals migration fills ``cap_usage`` from the recognitions that count."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlmodel import Session

from issuer.conversion import recognitions
from issuer.conversion.engine import Facts
from issuer.core import migrate
from tests.issuer.conftest import _create_pg_database, _drop_pg_database

pytestmark = pytest.mark.db

# id, status, kind, source, year, half-credits, standard
_RECOGNITIONS = [
    (1, "recognised", "training", "机构甲", 2024, 6, "GE-TCE@1"),
    (2, "pending_review", "training", "机构甲", 2024, 4, "GE-TCE@2"),  # same standard id
    (3, "rejected", "training", "机构甲", 2024, 8, "GE-TCE@2"),  # does not count
    (4, "recognised", "award", "机构乙", 2025, 2, "GE-AWD@1"),
]


def _before_cap_usage() -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    for revision in script.walk_revisions():
        if Path(revision.path).stem.endswith("_cap_usage"):
            assert isinstance(revision.down_revision, str)
            return revision.down_revision
    raise AssertionError("no cap_usage revision")


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server = os.environ.get("CREDITBANK_TEST_DATABASE_URL")
    if not server:
        pytest.skip("PostgreSQL runs in CI (CREDITBANK_TEST_DATABASE_URL)")
    name, url = _create_pg_database(server)
    try:
        yield url
    finally:
        _drop_pg_database(server, name)


def test_totals_are_filled_from_the_recognitions_that_count(old_database: str) -> None:
    config = migrate.alembic_config(old_database)
    command.upgrade(config, _before_cap_usage())
    engine = create_engine(old_database)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO institution (id, code, name_zh, name_en, kind, api_key_hash,"
                    " created_at) VALUES (1, 'I1', '院', 'I', 'university', 'h', '2025-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO learner (id, name, national_id_hmac, national_id_masked,"
                    " created_at) VALUES (1, '张三', 'x', 'm', '2025-01-01')"
                )
            )
            for rid, status, kind, source, year, half, standard in _RECOGNITIONS:
                connection.execute(
                    text(
                        "INSERT INTO achievement (id, learner_id, institution_id, kind, title,"
                        " domain, completed_on, evidence, created_at) VALUES (:id, 1, 1, :kind,"
                        " 't', 'GE', '2024-05-01', '{}', '2025-01-01')"
                    ),
                    {"id": rid, "kind": kind},
                )
                connection.execute(
                    text(
                        "INSERT INTO recognition (id, achievement_id, learner_id, status, kind,"
                        " source, year, domain, half_credits, standard, rule, explanation_zh,"
                        " explanation_en, caps_applied, created_at) VALUES (:id, :id, 1,"
                        " :status, :kind, :source, :year, 'GE', :half, :standard, 'r', 'z',"
                        " 'e', '[]', '2025-01-01')"
                    ),
                    {
                        "id": rid,
                        "status": status,
                        "kind": kind,
                        "source": source,
                        "year": year,
                        "half": half,
                        "standard": standard,
                    },
                )
        command.upgrade(config, "head")
        with Session(engine) as session:
            training = recognitions.history(
                session, 1, Facts("training", {}, date(2024, 9, 1), "机构甲")
            )
            award = recognitions.history(session, 1, Facts("award", {}, date(2025, 9, 1), "机构乙"))
    finally:
        engine.dispose()
    assert training.per_year == {("GE-TCE", 2024): 10}
    assert training.per_kind == {("GE-TCE", "training"): 10}
    assert training.per_source == {("GE-TCE", "机构甲"): 10}
    assert (award.per_year, award.per_kind, award.per_source) == (
        {("GE-AWD", 2025): 2},
        {("GE-AWD", "award"): 2},
        {("GE-AWD", "机构乙"): 2},
    )
