"""Assembly of the signed trust bundle from the database and the key store (docs/formats.md §3),
and the published copies that are served: the bundle (:func:`published_trust_bundle`), the
verify page's bundle with its list directory and the lists the page fetches (§3.6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Engine, text
from sqlmodel import Session

from issuer.core.errors import NotFound
from issuer.credentials.discovery import issuer_profile, key_url, profile_url, proof_method
from issuer.credentials.publication import Published, publish_group, stored
from keys import CREDENTIAL_PURPOSES, KeyRecord, KeyStore
from verifier.formats import page_bundle, status_list, trust_bundle

if TYPE_CHECKING:
    from issuer.core.settings import Settings

#: Longest name of a published document (issuer/models/publication.py).
_NAME_LENGTH = 96
_STATUS_VALUES = {"revoked": status_list.REVOKED, "suspended": status_list.SUSPENDED}


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _key_entry(record: KeyRecord, settings: Settings) -> dict[str, Any]:
    return {
        **record.jwk,
        # The URL the key's JWTs name as kid: the verifier finds the key by it offline.
        "id": key_url(settings, record.kid),
        "status": record.state,
        "retired_at": _iso(record.retired_at) if record.state == "retired" else None,
        "compromised_since": _iso(record.compromised_since),
    }


def _institutions(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(text("SELECT code, name_zh, name_en FROM institution ORDER BY code"))
    return [{"id": code, "name": {"zh": zh, "en": en}} for code, zh, en in rows]


def _status_lists(session: Session, issuer_id: str) -> list[dict[str, Any]]:
    lists = session.execute(text("SELECT id, size FROM status_list ORDER BY id")).all()
    flagged = session.execute(
        text(
            "SELECT status_list_id, status_index, status FROM credential "
            "WHERE status IN ('revoked', 'suspended')"
        )
    ).all()
    by_list: dict[str, dict[int, int]] = {}
    for list_id, index, status in flagged:
        by_list.setdefault(str(list_id), {})[int(index)] = _STATUS_VALUES[status]
    return [
        status_list.build(
            str(list_id), issuer_id, int(size), by_list.get(str(list_id), {})
        ).to_json()
        for list_id, size in lists
    ]


def trust_document(
    session: Session, keystore: KeyStore, settings: Settings, now: datetime | None = None
) -> dict[str, Any]:
    """The unsigned bundle document as of ``now``."""
    moment = now or datetime.now(UTC)
    signing = [r for r in keystore.records() if r.purpose in CREDENTIAL_PURPOSES]
    # Data Integrity keys, each with the verificationMethod its proofs name.
    proof = [
        {
            **_key_entry(r, settings),
            "purpose": "proof",
            "verification_method": proof_method(settings, r.kid),
            "controller": profile_url(settings),
        }
        for r in keystore.records()
        if r.purpose == "proof"
    ]
    return {
        "type": trust_bundle.DOCUMENT_TYPE,
        "version": trust_bundle.VERSION,
        "generated_at": _iso(moment),
        "next_update": _iso(moment + timedelta(hours=settings.trust_bundle_validity_hours)),
        "issuers": [
            {
                "id": settings.issuer_id,
                "name": {"zh": settings.issuer_name_zh, "en": settings.issuer_name_en},
                "institutions": _institutions(session),
                "keys": [_key_entry(r, settings) for r in signing] + proof,
                # The Profile the issuer id returns, so nothing needs to be fetched.
                "profile": issuer_profile(session, settings, keystore),
            }
        ],
        "status_lists": _status_lists(session, settings.issuer_id),
    }


def build_trust_bundle(
    session: Session, keystore: KeyStore, settings: Settings, now: datetime | None = None
) -> str:
    """The trust bundle signed by the trust-anchor key, as JSON text."""
    document = trust_document(session, keystore, settings, now)
    return trust_bundle.sign_bundle(document, keystore.anchor_signer())


#: The names of the published bundle, the page's bundle and each list the page fetches.
BUNDLE_NAME = "trust-bundle"
PAGE_BUNDLE_NAME = "page-bundle"
PAGE_LIST_PREFIX = "page-list:"
#: Where the verify page fetches a list (issuer/api/verify_page.py), on its own origin.
PAGE_LIST_PATH = "/v1/status-lists/"


def page_list_url(list_id: str) -> str:
    """The path the page fetches list ``list_id`` at (the directory's ``url``)."""
    return PAGE_LIST_PATH + quote(list_id, safe="")


def _publish(engine: Engine, keystore: KeyStore, settings: Settings, name: str) -> Published:
    """The trust bundle, the page bundle and the page's lists, built together.

    One document build, one scan of the credentials: the page bundle is the bundle's
    document with a directory of the lists (:mod:`verifier.formats.page_bundle`), and
    the lists the page fetches are the bundle's own list entries, stored in the same
    transaction, so a list served always has the digest of the stored page bundle.
    """

    def build(session: Session) -> dict[str, tuple[str, str]]:
        document = trust_document(session, keystore, settings)
        signer = keystore.anchor_signer()
        page, bodies = page_bundle.page_document(document, page_list_url)
        documents = {
            BUNDLE_NAME: (trust_bundle.sign_bundle(document, signer), "application/json"),
            PAGE_BUNDLE_NAME: (page_bundle.sign_page_bundle(page, signer), "application/json"),
        }
        for list_id, body in bodies.items():
            documents[PAGE_LIST_PREFIX + list_id] = (body.decode(), "application/json")
        return documents

    # One lock name for the group, whichever member was asked for.
    return publish_group(
        engine, keystore, settings, name, build, prune=PAGE_LIST_PREFIX, lock=BUNDLE_NAME
    )


def published_trust_bundle(engine: Engine, keystore: KeyStore, settings: Settings) -> Published:
    """The published trust bundle: stored, and built again only when what it shows changed."""
    return _publish(engine, keystore, settings, BUNDLE_NAME)


def published_page_bundle(engine: Engine, keystore: KeyStore, settings: Settings) -> Published:
    """The published page bundle (the verify page embeds it), current as the trust bundle."""
    return _publish(engine, keystore, settings, PAGE_BUNDLE_NAME)


def published_page_list(
    engine: Engine, keystore: KeyStore, settings: Settings, list_id: str
) -> Published:
    """The stored list ``list_id`` the page fetches; ``NotFound`` when there is none.

    Served as stored, without asking whether it is current: it was stored with the page
    bundle whose directory names its digest, and a page holding an older page bundle
    finds the digest changed and says so. Built first only when nothing is stored yet.
    """
    name = PAGE_LIST_PREFIX + list_id
    found = stored(engine, name)
    if found is None and len(name) <= _NAME_LENGTH:
        published_page_bundle(engine, keystore, settings)
        found = stored(engine, name)
    if found is None:
        raise NotFound(f"no status list {list_id}")
    return found
