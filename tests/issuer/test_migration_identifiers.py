"""Migration 0008 rewrites stored certificates to their canonical form, duplicates aside."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from issuer.core import identifiers, migrate

pytestmark = pytest.mark.db

_ROWS = [
    # id, certificate number, certifying body, as a client sent them before canonical forms
    (1, "cb-0001 ", "某市\u3000鉴定中心"),  # → CB-0001 / 某市鉴定中心
    (2, "CB-0001", "某市鉴定中心"),  # already canonical: keeps it, row 1 is its duplicate
    (3, "ｃｂ－０００２\u200b", " Huawei  Technologies "),  # → CB-0002 / Huawei Technologies
    (4, "CB-0003", "某培训评价组织"),  # untouched
]


def test_stored_certificates_are_rewritten_and_duplicates_left(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = migrate.alembic_config(url)
    command.upgrade(config, "0007")
    engine = create_engine(url)
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
            for row_id, number, body in _ROWS:
                connection.execute(
                    text(
                        "INSERT INTO achievement (id, learner_id, institution_id, kind, title,"
                        " domain, completed_on, evidence, certificate_number, certifying_body,"
                        " created_at) VALUES (:id, 1, 1, 'vocational_cert', 't', 'AM',"
                        " '2025-01-01', '{}', :number, :body, '2025-01-01')"
                    ),
                    {"id": row_id, "number": number, "body": body},
                )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            stored = connection.execute(
                text("SELECT id, certificate_number, certifying_body FROM achievement ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in stored] == [
        (1, "cb-0001 ", "某市\u3000鉴定中心"),
        (2, "CB-0001", "某市鉴定中心"),
        (3, "CB-0002", "Huawei Technologies"),
        (4, "CB-0003", "某培训评价组织"),
    ]
    assert "achievement 1 is a certificate already stored" in caplog.text
    # The migration's copy of the rules agrees with the service's.
    for _, number, body in _ROWS:
        row = [r for r in stored if r[1] == identifiers.certificate_number(number)]
        assert row and row[0][2] == identifiers.name(body)
