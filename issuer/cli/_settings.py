"""Loading settings at the CLI edge, with a readable message instead of a traceback."""

from __future__ import annotations

from pydantic import ValidationError

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
