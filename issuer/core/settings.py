"""Service settings for the creditbank issuer.

One pydantic-settings class, read from ``CREDITBANK_*`` environment variables (or an
``.env`` file) by the edges only — the CLI and :func:`issuer.app.create_app`. Library
code receives a :class:`Settings` instance and never reads the environment itself.

Every secret has a development default so ``make run`` needs nothing; in production the
validator refuses, by the name of its variable, each of those defaults and every secret
shorter than :data:`MIN_SECRET_BYTES` or with fewer than :data:`MIN_SECRET_SYMBOLS`
different characters (``x`` × 32, an empty admin token). Generate one with
``python -c 'import secrets; print(secrets.token_urlsafe(32))'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import FilePath, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEV_SECRETS", "MIN_SECRET_BYTES", "MIN_SECRET_SYMBOLS", "Settings", "weak_secret"]

#: Development defaults of the secrets. Production refuses all of them.
DEV_SECRETS: dict[str, str] = {
    "key_passphrase": "dev-key-passphrase",
    "admin_token": "dev-admin-token",
    "id_hmac_key": "dev-id-hmac-key",
    "status_key": "dev-status-key",
    "session_key": "dev-session-key",
}

#: A production secret has at least this many bytes (UTF-8) …
MIN_SECRET_BYTES = 32
#: … and at least this many different characters, so a repeated pattern is refused.
MIN_SECRET_SYMBOLS = 10


def weak_secret(value: str, default: str) -> str | None:
    """Why ``value`` is no production secret, or ``None`` when it may be one."""
    if value == default:
        return "still has its development default"
    if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    if len(set(value)) < MIN_SECRET_SYMBOLS:
        return f"has fewer than {MIN_SECRET_SYMBOLS} different characters; it is not random"
    return None


class Settings(BaseSettings):
    """Configuration of one creditbank issuer deployment."""

    model_config = SettingsConfigDict(env_prefix="CREDITBANK_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    home: Path = Path("./var")
    database_url: str | None = None

    key_passphrase: SecretStr = SecretStr(DEV_SECRETS["key_passphrase"])
    admin_token: SecretStr = SecretStr(DEV_SECRETS["admin_token"])
    id_hmac_key: SecretStr = SecretStr(DEV_SECRETS["id_hmac_key"])
    status_key: SecretStr = SecretStr(DEV_SECRETS["status_key"])
    # HMAC key of learner bearer tokens (CREDITBANK_SESSION_KEY).
    session_key: SecretStr = SecretStr(DEV_SECRETS["session_key"])
    learner_token_minutes: int = 30
    #: Console (staff) sessions end after this many minutes without a request, and in any
    #: case this many hours after sign-in; a password without its TOTP code waits at most
    #: ``staff_code_minutes``.
    staff_idle_minutes: float = 30
    staff_session_hours: float = 12
    staff_code_minutes: float = 5
    # Disputes: a learner files within this many days of a decision; the panel decides
    # within the deadline.
    dispute_window_days: int = 30
    dispute_decision_days: int = 30

    verify_base_url: str = "http://127.0.0.1:8000"
    issuer_id: str = "CB-DEMO"
    issuer_name_zh: str = "示范终身学习学分银行"
    issuer_name_en: str = "Demo Lifelong Learning Credit Bank"
    credential_validity_days: int | None = None
    trust_bundle_validity_hours: int = 24
    #: Decisions above this many half-credits (default 10 credits) wait for quality review.
    review_threshold_half_credits: int = 20
    #: The verify page (/v1) refuses a trust bundle older than this (``stale_trust_bundle``).
    trust_bundle_max_age_hours: float = 168
    #: Sign-in throttling (issuer.core.throttle): attempts per account and per client
    #: address before back-off, the first lock and its cap, and how long a key is
    #: remembered; the threads that run sign-ins in each worker (the argon2 hash itself
    #: runs in an idle-priority process, core/password_hashing.py) and how many sign-ins
    #: may wait in a worker before one more is refused (429 ``too_many_attempts``).
    signin_free_attempts: int = 5
    signin_free_attempts_per_address: int = 20
    signin_lock_base_seconds: int = 1
    signin_lock_max_seconds: int = 900
    signin_window_seconds: int = 900
    signin_threads: int = 1
    signin_queue: int = 16
    #: Keep the sign-in throttle in Redis (e.g. redis://127.0.0.1:6379/0) instead of the
    #: database; keys are prefixed with ``redis_prefix``.
    redis_url: str | None = None
    redis_prefix: str = "creditbank"
    #: Mail to learners (password reset codes): the SMTP server, none by default.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "creditbank@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr = SecretStr("")
    #: Minutes a password reset code stays valid (wrong codes are throttled per account
    #: like sign-ins).
    reset_code_minutes: int = 15
    #: /docs, /redoc and /openapi.json: on in development and test, off in production
    #: unless CREDITBANK_ENABLE_DOCS=1.
    enable_docs: bool | None = None
    #: The TrueType CJK font embedded in PDF certificates; unset: Debian's WenQuanYi Zen
    #: Hei (issuer.credentials.certificate_font).
    certificate_font: Path | None = None
    #: The seal image (PNG or JPEG, transparent PNG best) printed on PDF certificates;
    #: unset: the demo seal shipped (issuer.credentials.certificate_seal). Must exist.
    certificate_seal: FilePath | None = None

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.env != "production":
            return self
        for name, default in DEV_SECRETS.items():
            value: SecretStr = getattr(self, name)
            why = weak_secret(value.get_secret_value(), default)
            if why is not None:
                env_name = f"CREDITBANK_{name.upper()}"
                raise ValueError(
                    f"{env_name} {why}; set at least {MIN_SECRET_BYTES} random bytes "
                    "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))') "
                    "before running with CREDITBANK_ENV=production"
                )
        return self

    @property
    def docs_enabled(self) -> bool:
        """Whether the API documentation routes are served."""
        return self.enable_docs if self.enable_docs is not None else self.env != "production"

    @property
    def db_url(self) -> str:
        """The database URL: ``database_url`` or an SQLite file under ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'creditbank.db'}"

    @property
    def keys_dir(self) -> Path:
        """Directory of the encrypted key store."""
        return self.home / "keys"
