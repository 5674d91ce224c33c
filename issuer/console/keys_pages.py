"""The operator's keys page: every key's purpose, algorithm, state and age; the trust bundle.

The trust bundle is the published one
(:func:`issuer.credentials.trust.published_trust_bundle`: stored signed, built again when
what it holds changes), so the page shows when it was generated, its ETag, when it should be
replaced (``next_update``) and how old a verifier lets it get before refusing it. Each
download is audited (``trust_bundle.exported``). No private key is ever read here: the
store's records hold public facts only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from babel import dates
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from issuer.api.deps import EngineDep, KeyStoreDep, SessionDep, SettingsDep
from issuer.console.auth import OperatorDep
from issuer.console.render import ConsoleRoute, page
from issuer.core import audit, i18n
from issuer.core.i18n import N_
from issuer.credentials.publication import Published
from issuer.credentials.trust import published_trust_bundle
from issuer.portal.pages import locale_of

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

PURPOSES = {
    "signing": N_("Credentials and status lists"),
    "badge": N_("Open Badges and transcripts"),
    "proof": N_("Data Integrity proofs"),
    "anchor": N_("Trust bundle (trust anchor)"),
}
STATES = {
    "pending": N_("Published, not yet signing"),
    "active": N_("Signing"),
    "retired": N_("Retired: verifies what it signed"),
    "compromised": N_("Compromised"),
}


def _words(delta: timedelta, locale: str) -> str:
    return dates.format_timedelta(delta, locale=locale, threshold=1.1, format="long")


def _published(
    session: SessionDep, engine: EngineDep, keystore: KeyStoreDep, settings: SettingsDep
) -> Published:
    # The request's own transaction (the console session's touch) ends first: publishing
    # may build the bundle again in a transaction of its own, which on SQLite would wait
    # for this one's write lock.
    session.commit()
    return published_trust_bundle(engine, keystore, settings)


@router.get("/keys")
def keys_page(
    request: Request,
    session: SessionDep,
    current: OperatorDep,
    engine: EngineDep,
    keystore: KeyStoreDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The key records and the published trust bundle's timing."""
    locale = locale_of(request)
    now = datetime.now(UTC)
    bundle = _published(session, engine, keystore, settings)
    records = sorted(keystore.records(), key=lambda r: (r.purpose, r.created_at))
    validity = timedelta(hours=settings.trust_bundle_validity_hours)
    max_age = timedelta(hours=settings.trust_bundle_max_age_hours)
    return page(
        request,
        "keys.html",
        staff=current,
        csrf=current.csrf,
        keys=[{"record": r, "age": _words(now - r.created_at, locale)} for r in records],
        purposes=PURPOSES,
        states=STATES,
        generated_at=i18n.format_datetime(bundle.generated_at, locale),
        generated_ago=_words(now - bundle.generated_at, locale),
        etag=bundle.etag,
        next_update=i18n.format_datetime(bundle.generated_at + validity, locale),
        validity=_words(bundle.generated_at + validity - now, locale),
        max_age=_words(max_age, locale),
    )


@router.get("/keys/trust-bundle.json")
def trust_bundle_download(
    session: SessionDep,
    current: OperatorDep,
    engine: EngineDep,
    keystore: KeyStoreDep,
    settings: SettingsDep,
) -> Response:
    """The signed trust bundle as a file, the same document ``GET /trust-bundle`` serves."""
    text = _published(session, engine, keystore, settings).body
    audit.record(
        session,
        actor=current.actor,
        action="trust_bundle.exported",
        subject="trust_bundle",
        payload={"bundle": audit.payload_hash(text)},
        summary="signed trust bundle downloaded from the console",
    )
    return Response(
        text,
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="trust-bundle.json"',
            "Cache-Control": "no-store",
        },
    )
