"""Limits on what a request may carry, checked before anything parses it (ASGI middleware).

- A body larger than :attr:`InputGuard.max_body_bytes` (1 MiB; no route needs more) is
  refused with 413 ``payload_too_large``: at once when ``Content-Length`` says so, else as
  soon as the bytes read pass the limit. The rest is never read. The one exception is a
  ``multipart/form-data`` upload to a path matching one of ``upload_paths`` (the
  registrar's upload of presented credentials, a learner's evidence files), capped at
  :attr:`max_upload_bytes` or at the limit given with that path. A multipart body is
  files, not JSON: its bytes are not measured as JSON.
- A refusal of a ``multipart/form-data`` post to a path matching one of ``page_paths``
  (an upload form of the learner portal) is answered by ``refusal_page`` (a page in the
  reader's language) instead of problem+json: a person submitted it, not a program.
- JSON nested deeper than :attr:`InputGuard.max_json_depth` (32 levels; the deepest body
  of the API has 3) is refused with 422 ``invalid_request`` and a field error of type
  ``json_too_deep``, before the recursive JSON parser can run out of stack.
- A NUL character, in the path, the query, a form or a JSON string (``\\u0000``), is
  refused with 422 ``invalid_request`` and a field error of type ``nul_character``:
  PostgreSQL cannot store it in text, and no identifier or name of the bank contains it.

The answers are problem+json built by :mod:`issuer.api.problems`. Hand-written because
neither Starlette nor a maintained library caps the nesting of a JSON body before parsing.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from itertools import accumulate

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from issuer.api.problems import problem_response
from issuer.core.errors import CreditBankError, InvalidRequest, PayloadTooLarge

__all__ = ["InputGuard", "json_depth"]

# A JSON string, escapes included: its brackets are text, not nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
# Openers weigh 2 and closers 0, so the running sum minus the position is the depth.
_WEIGHTS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
# The escape \u0000 not preceded by an escaped backslash.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM_TYPES = ("application/x-www-form-urlencoded",)
_MULTIPART = "multipart/form-data"
# Bodies larger than this are measured in a worker thread, off the event loop.
_INLINE_BYTES = 64 * 1024


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in ``body``, without parsing it.

    Strings are cut out first; the rest runs in C (``re``, ``bytes.translate``,
    ``itertools.accumulate``), about 120 ms for 1 MiB of nothing but brackets, the worst
    case the body limit allows. Unclosed brackets count, as they do for a parser.
    """
    weights = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS).translate(_WEIGHTS)
    if not weights:
        return 0
    depths = map(operator.sub, accumulate(weights), range(1, len(weights) + 1))
    return max(0, int(max(depths)))


def _json_depth_exceeds(body: bytes, limit: int) -> bool:
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    return json_depth(body) > limit


def _field_error(where: str, msg: str, kind: str) -> dict[str, object]:
    return {"loc": [where], "msg": msg, "type": kind}


class InputGuard:
    """ASGI middleware enforcing the limits of the module docstring on every HTTP request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = 1 << 20,
        max_json_depth: int = 32,
        upload_paths: tuple[str | tuple[str, int], ...] = (),
        max_upload_bytes: int = 32 << 20,
        page_paths: tuple[str, ...] = (),
        refusal_page: Callable[[Request, CreditBankError], Response] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        self.upload_paths = tuple(
            (re.compile(p), max_upload_bytes) if isinstance(p, str) else (re.compile(p[0]), p[1])
            for p in upload_paths
        )
        self.max_upload_bytes = max_upload_bytes
        self.page_paths = tuple(re.compile(p) for p in page_paths)
        self.refusal_page = refusal_page

    def _limit(self, scope: Scope) -> int:
        path = scope.get("path", "")
        if self._content_type(scope) == _MULTIPART:
            for pattern, limit in self.upload_paths:
                if pattern.match(path):
                    return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = self._nul_in_target(scope)
        if where is not None:
            await self._refuse(scope, receive, send, self._nul(where))
            return
        limit = self._limit(scope)
        declared = self._content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, self._too_large(limit))
            return
        body: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before its body arrived
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, receive, send, self._too_large(limit))
                return
            body.append(chunk)
            more = message.get("more_body", False)
        data = b"".join(body)
        problem = await self._check_body(scope, data)
        if problem is not None:
            await self._refuse(scope, receive, send, problem)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    # -- checks ---------------------------------------------------------------------------

    @staticmethod
    def _nul_in_target(scope: Scope) -> str | None:
        if "\x00" in scope.get("path", ""):
            return "path"
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            return "query"
        return None

    @staticmethod
    def _content_length(scope: Scope) -> int | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    @staticmethod
    def _content_type(scope: Scope) -> str:
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                return str(value.decode("latin-1").split(";")[0].strip().lower())
        return ""

    async def _check_body(
        self, scope: Scope, data: bytes
    ) -> tuple[CreditBankError, list[dict[str, object]]] | None:
        if not data:
            return None
        if self._content_type(scope) in _FORM_TYPES:
            return self._nul("body") if b"%00" in data or b"\x00" in data else None
        if self._content_type(scope) == _MULTIPART:
            return None  # files: their readers check them, each on its own
        if len(data) > _INLINE_BYTES:
            too_deep = await run_in_threadpool(_json_depth_exceeds, data, self.max_json_depth)
        else:
            too_deep = _json_depth_exceeds(data, self.max_json_depth)
        if too_deep:
            error = InvalidRequest(f"the JSON body is nested deeper than {self.max_json_depth}")
            msg = f"nested deeper than {self.max_json_depth} levels"
            return error, [_field_error("body", msg, "json_too_deep")]
        if b"\\u0000" in data and _JSON_NUL.search(data):
            return self._nul("body")
        return None

    # -- answers --------------------------------------------------------------------------

    @staticmethod
    def _too_large(limit: int) -> tuple[CreditBankError, list[dict[str, object]]]:
        return PayloadTooLarge(f"the request body is larger than {limit} bytes"), []

    @staticmethod
    def _nul(where: str) -> tuple[CreditBankError, list[dict[str, object]]]:
        error = InvalidRequest("NUL characters are not accepted")
        return error, [_field_error(where, "NUL character", "nul_character")]

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        problem: tuple[CreditBankError, list[dict[str, object]]],
    ) -> None:
        error, errors = problem
        path = scope.get("path", "")
        response: Response
        from_form = self._content_type(scope) == _MULTIPART  # a browser's upload form
        if (
            self.refusal_page is not None
            and from_form
            and any(p.match(path) for p in self.page_paths)
        ):
            response = self.refusal_page(Request(scope), error)
        else:
            response = problem_response(Request(scope), error, errors=errors or None)
        await response(scope, receive, send)
