"""Messages to learners by email, through the SMTP server the operator configures.

``CREDITBANK_SMTP_HOST`` (and port, sender, STARTTLS, user and password) in settings;
without a host no mail is sent and the portal says to ask a certification centre.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from issuer.core.settings import Settings

__all__ = ["enabled", "send"]


def enabled(settings: Settings) -> bool:
    """Whether an SMTP server is configured."""
    return bool(settings.smtp_host)


def send(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send one plain-text message (UTF-8); raises ``OSError``/``smtplib.SMTPException``."""
    assert settings.smtp_host is not None
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
