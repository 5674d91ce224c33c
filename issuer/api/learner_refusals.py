"""A learner's refused attempts, audited: one path for the portal's forms and the learner API.

A refused attempt changes nothing of what it tried (its transaction is rolled back) and
leaves one audit event, committed alone through :func:`issuer.core.audit.record_refusal`:
action ``learner.refused.<attempt>``, the learner as actor and subject, the error's code as
``reason``, and where it came from (``portal`` or ``api``) in ``details``.

- The portal's routes catch their refusals to show them as pages, so they call
  :func:`record` (or :func:`record_apart` where the work ran in a session of its own).
- The JSON API's refusals all pass :mod:`issuer.api.problems`, which calls
  :func:`after_api_refusal`: a refusal of a route in :data:`API_ATTEMPTS` is recorded when
  the caller signed in as a learner (the operator's own refusals on the same routes are
  not the learner's attempts).
- Sign-in and password-reset attempts come from someone not signed in: their actor is
  ``anonymous`` and their subject the account number given, existing or not.
- ``too_many_attempts`` is not recorded per attempt: the throttle records the lock once
  (``signin.locked``), and a flood of locked attempts must not fill the trail.

The learner's own consent history does not list these events: a refused attempt gave
no consent and used none (see :func:`issuer.bank.transfer_view.consent_events`).
"""

from __future__ import annotations

from typing import Final

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from issuer.core import audit
from issuer.core.errors import CreditBankError, TooManyAttempts

__all__ = [
    "API_ATTEMPTS",
    "ATTEMPTS",
    "PREFIX",
    "after_api_refusal",
    "mark_account",
    "record",
    "record_apart",
]

PREFIX: Final = "learner.refused."
#: Every attempt a learner can make and have refused, by its name in the audit action.
ATTEMPTS: Final = frozenset(
    {
        "sign_in",
        "password_change",
        "password_reset",
        "dispute",
        "redeem",
        "certificate",
        "issue_certificate",
        "recognition",
        "material",
        "transfer_application",
        "withdraw",
        "wallet_offer",
    }
)
#: The learner API's routes (method, path template) and the attempt each one makes.
API_ATTEMPTS: Final = {
    ("POST", "/auth/token"): "sign_in",
    ("POST", "/learners/{learner_id}/password-change"): "password_change",
    ("POST", "/password-resets"): "password_reset",
    ("POST", "/learners/{learner_id}/disputes"): "dispute",
    ("POST", "/learners/{learner_id}/qualifications/{pathway_id}/redemptions"): "redeem",
    ("GET", "/credentials/{jti}/certificate.pdf"): "certificate",
    ("POST", "/learners/{learner_id}/credentials"): "issue_certificate",
    ("POST", "/learners/{learner_id}/credentials/ob3"): "issue_certificate",
    ("POST", "/learners/{learner_id}/credentials/clr"): "issue_certificate",
    ("POST", "/learners/{learner_id}/credentials/sd-jwt"): "issue_certificate",
    ("POST", "/learners/{learner_id}/recognition-applications"): "recognition",
    (
        "POST",
        "/learners/{learner_id}/recognition-applications/{application_id}/material",
    ): "material",
    ("POST", "/learners/{learner_id}/transfer-applications"): "transfer_application",
    (
        "POST",
        "/learners/{learner_id}/transfer-applications/{application_id}/withdraw",
    ): "withdraw",
    ("POST", "/learners/{learner_id}/credential-offers"): "wallet_offer",
}
#: Attempts made before anyone is signed in.
_ANONYMOUS: Final = frozenset({"sign_in", "password_reset"})


def _event(attempt: str, code: str, detail: str, learner_id: int, via: str) -> dict[str, object]:
    if attempt not in ATTEMPTS:
        raise ValueError(f"unknown learner attempt {attempt!r}")
    return {
        "actor": "anonymous" if attempt in _ANONYMOUS else f"learner:{learner_id}",
        "action": PREFIX + attempt,
        "subject": f"learner:{learner_id}",
        "payload": {"code": code, "detail": detail, "via": via},
        "summary": f"refused: {attempt} ({code})",
        "reason": code,
        "details": {"via": via},
    }


def record(
    session: Session,
    attempt: str,
    code: str,
    detail: str = "",
    *,
    learner_id: int,
    via: str = "portal",
) -> None:
    """Roll back what ``session`` holds of the refused ``attempt``, then commit its event."""
    if code == TooManyAttempts.code:
        session.rollback()
        return
    audit.record_refusal(session, **_event(attempt, code, detail, learner_id, via))


def record_apart(
    engine: Engine,
    attempt: str,
    code: str,
    detail: str = "",
    *,
    learner_id: int,
    via: str = "portal",
) -> None:
    """:func:`record` in a session of its own (the attempt's work had its own session)."""
    with Session(engine) as session:
        record(session, attempt, code, detail, learner_id=learner_id, via=via)


def mark_account(request: Request, learner_id: int) -> None:
    """Name the account an anonymous API attempt (sign-in, reset) is made for."""
    request.state.attempted_account = learner_id


async def after_api_refusal(request: Request, error: CreditBankError) -> None:
    """Record ``error`` if it refused a learner's attempt on a route of :data:`API_ATTEMPTS`.

    Called by the API's error handler, after the request's own transaction was rolled back.
    """
    if error.status >= 500:
        return
    route = request.scope.get("route")
    attempt = API_ATTEMPTS.get((request.method, getattr(route, "path", "")))
    if attempt is None:
        return
    if attempt in _ANONYMOUS:
        learner_id = getattr(request.state, "attempted_account", None)
    else:
        learner_id = getattr(request.state, "learner_id", None)  # set for learner tokens
    if not isinstance(learner_id, int):
        return
    engine: Engine = request.app.state.engine
    await run_in_threadpool(
        record_apart, engine, attempt, error.code, error.detail, learner_id=learner_id, via="api"
    )
