"""Loading settings, the database and the key store at the CLI edge, with a readable
message instead of a traceback."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import Engine

from issuer.core.db import make_engine, require_migrated, require_reachable
from issuer.core.files import require_home
from issuer.core.settings import Settings
from keys import KeyStore


class ConfigError(Exception):
    """The configuration cannot be used (exit status 2)."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise ConfigError(f"invalid configuration: {messages}") from None


def open_keystore(settings: Settings) -> KeyStore:
    return KeyStore(settings.keys_dir, settings.key_passphrase.get_secret_value().encode())


def open_database(settings: Settings, *, migrated: bool = True) -> Engine:
    """An engine for the installation's database, after checking what a command needs.

    The data directory must exist, the database must answer and (unless ``migrated`` is
    false) be at the latest revision; each failure is one
    :class:`~issuer.core.errors.CreditBankError` naming the problem and its fix.
    """
    require_home(settings.home)
    engine = make_engine(settings.db_url)
    try:
        if migrated:
            require_migrated(engine)
        else:
            require_reachable(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_installed_keystore(settings: Settings) -> KeyStore:
    """The key store of an existing data directory."""
    require_home(settings.home)
    return open_keystore(settings)
