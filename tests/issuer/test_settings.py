from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from issuer.core.settings import DEV_SECRETS, Settings

REAL = {name: f"real-{name}-value-0123456789-abcdefghij" for name in DEV_SECRETS}


def test_development_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.env == "development"
    assert settings.db_url == f"sqlite:///{Path('./var') / 'creditbank.db'}"
    assert settings.keys_dir == Path("./var/keys")
    assert settings.admin_token.get_secret_value() == "dev-admin-token"


def test_database_url_wins_over_derived() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert Settings(_env_file=None, database_url=url).db_url == url  # type: ignore[call-arg]


@pytest.mark.parametrize("name", sorted(DEV_SECRETS))
def test_production_refuses_each_dev_secret(name: str) -> None:
    values: dict[str, object] = {**REAL}
    del values[name]
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None, env="production", **values)  # type: ignore[call-arg, arg-type]
    assert f"CREDITBANK_{name.upper()}" in str(info.value)


def test_production_accepts_real_secrets() -> None:
    settings = Settings(_env_file=None, env="production", **REAL)  # type: ignore[call-arg, arg-type]
    assert settings.env == "production"


def test_reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITBANK_ISSUER_ID", "CB-TEST")
    monkeypatch.setenv("CREDITBANK_CREDENTIAL_VALIDITY_DAYS", "30")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.issuer_id == "CB-TEST"
    assert settings.credential_validity_days == 30


@pytest.mark.parametrize("name", sorted(DEV_SECRETS))
@pytest.mark.parametrize(
    "weak",
    ["x", "", "x" * 32, "passwordpasswordpasswordpassword", "短密钥" * 3],
    ids=["x", "empty", "x-times-32", "repeated-word", "short-cjk"],
)
def test_production_refuses_weak_secrets_by_name(name: str, weak: str) -> None:
    values: dict[str, object] = {**REAL, name: weak}
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None, env="production", **values)  # type: ignore[call-arg, arg-type]
    message = str(info.value)
    assert f"CREDITBANK_{name.upper()}" in message
    others = set(DEV_SECRETS) - {name}
    assert not any(f"CREDITBANK_{other.upper()}" in message for other in others)


def test_weak_secrets_are_allowed_outside_production() -> None:
    settings = Settings(_env_file=None, env="development", admin_token="x")  # type: ignore[call-arg, arg-type]
    assert settings.admin_token.get_secret_value() == "x"


def test_docs_are_off_in_production_unless_enabled() -> None:
    assert Settings(_env_file=None).docs_enabled  # type: ignore[call-arg]
    production = Settings(_env_file=None, env="production", **REAL)  # type: ignore[call-arg, arg-type]
    assert not production.docs_enabled
    enabled = Settings(_env_file=None, env="production", enable_docs=True, **REAL)  # type: ignore[call-arg, arg-type]
    assert enabled.docs_enabled
