"""Response headers every answer carries: ``nosniff`` always, ``no-store`` by default.

Most responses are personal (accounts, credentials, PDFs, problem details that name a
learner), so a response that does not say how it may be cached gets
``Cache-Control: no-store``; public documents that may be cached (status lists, the
JSON-LD context, the verify page's assets) set their own ``Cache-Control`` and keep it.
A pure ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``, which would buffer
every body and cost each request a task.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeaders"]


class SecurityHeaders:
    """Add ``X-Content-Type-Options: nosniff`` and a default ``Cache-Control: no-store``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
