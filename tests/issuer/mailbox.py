"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd), and what it received."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """Every message the server accepted, in order."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def last_code(self) -> str:
        """The eight-digit code in the last message's text."""
        body = self.messages[-1].get_payload(decode=True)
        assert isinstance(body, bytes)
        found = re.search(r"\b(\d{8})\b", body.decode("utf-8"))
        assert found, "the message carries a code"
        return found.group(1)


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    """Run an SMTP server on a free 127.0.0.1 port until the block ends."""
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
