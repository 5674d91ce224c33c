"""The one place where errors become HTTP responses: RFC 9457 ``application/problem+json``.

Domain errors (:class:`issuer.core.errors.CreditBankError`) carry their own code and status;
errors of the libraries below keep their own code (:class:`keys.KeysError`, e.g.
``unsupported_alg`` or ``unknown_key``, with the status of :data:`_KEYS_STATUS`, and
:class:`verifier.VerificationError`, 422); request validation errors become
``invalid_request`` with the field errors (never the submitted values, which may hold a
national ID); unknown routes ``not_found``; wrong methods ``method_not_allowed``; anything
unexpected ``internal_error``, logged here with its traceback and answered without one.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

import keys
import verifier
from issuer.api import learner_refusals
from issuer.core import i18n
from issuer.core.db import is_retryable
from issuer.core.errors import (
    CreditBankError,
    DatabaseBusy,
    DatabaseUnreachable,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from issuer.core.i18n import N_

__all__ = ["PROBLEM_MEDIA_TYPE", "install", "library_error", "problem_response"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_PREFIX = "urn:creditbank:problem:"

logger = logging.getLogger("issuer.api.problems")

_BY_STATUS: dict[int, type[CreditBankError]] = {
    401: Unauthenticated,
    404: NotFound,
    405: MethodNotAllowed,
}


# What each key-store error means to a caller: an algorithm asked for that no key signs
# with is the caller's; a missing, wrongly stated or unreadable key is the installation's.
_KEYS_STATUS: dict[type[keys.KeysError], tuple[int, str]] = {
    keys.UnsupportedAlgorithm: (422, N_("Unsupported algorithm")),
    keys.KeyNotFound: (503, N_("No usable signing key")),
    keys.KeyStateError: (409, N_("Key state conflict")),
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem_response(
    request: Request,
    error: CreditBankError,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    """The problem document for ``error``, its title and detail in the reader's language.

    The language is negotiated as the portal's is (the ``cb_lang`` cookie, else
    ``Accept-Language``; Simplified Chinese by default); ``code`` and ``type`` never change.
    """
    locale = i18n.negotiate(
        request.headers.get("accept-language"), request.cookies.get(i18n.COOKIE)
    )
    title, detail = error.in_language(i18n.translations(locale).gettext)
    body: dict[str, Any] = {
        "type": _TYPE_PREFIX + error.code,
        "title": title,
        "status": error.status,
        "detail": detail,
        "code": error.code,
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = errors
    if error.status == 401:
        headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
    headers = {"Content-Language": i18n.html_lang(locale), **(headers or {})}
    return ProblemResponse(body, status_code=error.status, headers=headers)


async def _on_domain_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, CreditBankError)
    if exc.status >= 500:
        logger.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc.detail)
    await learner_refusals.after_api_refusal(request, exc)
    if isinstance(exc, TooManyAttempts):
        return problem_response(request, exc, headers={"Retry-After": str(exc.retry_after)})
    return problem_response(request, exc, errors=exc.errors)


def library_error(exc: keys.KeysError | verifier.VerificationError) -> CreditBankError:
    """The domain error that stands for an error of ``keys`` or ``verifier``, same code."""
    if isinstance(exc, verifier.VerificationError):
        status, title = 422, N_("Credential not valid")
    else:
        status, title = next(
            (v for k, v in _KEYS_STATUS.items() if isinstance(exc, k)),
            (500, N_("Key store error")),
        )
    error = CreditBankError(str(exc))
    error.code, error.status, error.title = exc.code, status, title
    return error


async def _on_library_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, keys.KeysError | verifier.VerificationError)
    return await _on_domain_error(request, library_error(exc))


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only where and why: the submitted input is left out so it is never echoed back.
    return [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": err.get("type")}
        for err in exc.errors()
    ]


async def _on_validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(
        request,
        InvalidRequest("the request does not match the schema"),
        errors=_field_errors(exc),
    )


async def _on_http_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    error_type = _BY_STATUS.get(exc.status_code)
    if error_type is not None:
        error: CreditBankError = error_type()
    else:
        error = CreditBankError(str(exc.detail))
        error.status = exc.status_code
        error.code = "http_error"
        error.title = str(exc.detail)
    return problem_response(request, error, headers=dict(exc.headers or {}))


async def _on_unexpected(request: Request, exc: Exception) -> ProblemResponse:
    if is_retryable(exc):
        # issuer.api.retry ran the request again and again; tell the client to wait a little.
        logger.error("database busy on %s %s after retries", request.method, request.url.path)
        return problem_response(request, DatabaseBusy(), headers={"Retry-After": "1"})
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        # The database went away in the middle of the request (restart, failover, a killed
        # connection): nothing was committed, and the pool reconnects on the next request.
        logger.error("database connection lost on %s %s", request.method, request.url.path)
        unreachable = DatabaseUnreachable("the database connection was lost; try again")
        return problem_response(request, unreachable, headers={"Retry-After": "1"})
    logger.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, CreditBankError("an unexpected error occurred"))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(CreditBankError, _on_domain_error)
    app.add_exception_handler(keys.KeysError, _on_library_error)
    app.add_exception_handler(verifier.VerificationError, _on_library_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
