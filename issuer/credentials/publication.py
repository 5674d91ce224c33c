"""Published documents: built when what they show changes, stored, served as stored.

The trust bundle and every status list are stored in ``published_document`` as the
signed text that is served, with an ETag and the *source* they were built from: a
digest of the status-change counter (raised in the transaction of every status change,
:func:`count_status_change`), the number of status lists, the institutions, the key
store's keys and states, and the settings the documents print. A request reads the
stored row and the current source (a handful of primary-key lookups, whatever the
number of credentials) and serves the row when the two agree and the row is younger
than its refresh age (half the bundle's validity, so a served bundle always has half its
lifetime before ``next_update``). Otherwise it builds the document again, one builder
at a time per document (``core.db.lock_key``): the others wait for that builder and
then serve what it stored, so a revocation never sets off one build per worker.

Because the counter is raised in the change's own transaction and read before the
build, a document built after a revocation's commit always has the revocation in it:
the next fetch after the change sees it, on every worker.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col

from issuer.core.db import lock_key
from issuer.core.settings import Settings
from issuer.models import Institution, PublicationCounter, PublishedDocument, StatusList
from keys import KeyStore

__all__ = ["Published", "count_status_change", "publish", "publish_group", "source_of", "stored"]

#: What a builder returns: the document's text and its media type.
Builder = Callable[[Session], tuple[str, str]]
#: A builder of documents published together: ``{name: (text, media type)}``.
GroupBuilder = Callable[[Session], dict[str, tuple[str, str]]]


@dataclass(frozen=True)
class Published:
    """A stored document as served."""

    body: str
    etag: str
    media_type: str
    generated_at: datetime


def count_status_change(session: Session) -> None:
    """Raise the status-change counter, in the caller's transaction (which holds the change)."""
    session.execute(
        update(PublicationCounter)
        .where(col(PublicationCounter.name) == "status")
        .values(value=col(PublicationCounter.value) + 1)
    )


def source_of(session: Session, keystore: KeyStore, settings: Settings) -> str:
    """The digest of everything a published document is built from, as of now."""
    counter = session.get(PublicationCounter, "status")
    lists = session.execute(select(func.count()).select_from(StatusList)).scalar_one()
    institutions = session.execute(select(func.count(), func.max(col(Institution.id)))).one()
    keys = [
        [r.kid, r.purpose, r.state, str(r.retired_at), str(r.compromised_since)]
        for r in keystore.records()
    ]
    printed = settings.model_dump(
        mode="json",
        include={
            "issuer_id",
            "issuer_name_zh",
            "issuer_name_en",
            "verify_base_url",
            "trust_bundle_validity_hours",
        },
    )
    material = [
        None if counter is None else counter.value,
        lists,
        list(institutions),
        keys,
        printed,
    ]
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _usable(row: PublishedDocument | None, source: str, now: datetime, refresh: timedelta) -> bool:
    return row is not None and row.source == source and now - row.generated_at < refresh


def _published(row: PublishedDocument) -> Published:
    return Published(row.body, row.etag, row.media_type, row.generated_at)


def publish(
    engine: Engine,
    keystore: KeyStore,
    settings: Settings,
    name: str,
    build: Builder,
    *,
    now: datetime | None = None,
) -> Published:
    """The stored document ``name``, built again first if its source changed or it aged.

    Runs in transactions of its own, not the request's: the build writes, and on SQLite
    it must start its transaction with the write lock so that it reads the newest data.
    """
    return publish_group(
        engine, keystore, settings, name, lambda session: {name: build(session)}, now=now
    )


def publish_group(
    engine: Engine,
    keystore: KeyStore,
    settings: Settings,
    name: str,
    build: GroupBuilder,
    *,
    prune: str | None = None,
    lock: str | None = None,
    now: datetime | None = None,
) -> Published:
    """The stored document ``name``, built again with the others of its group if needed.

    ``build`` returns every document of the group (``name`` among them); they are stored
    in one transaction, so a reader never sees one of them newer than another. A member
    whose text did not change keeps its row (and its ETag) untouched; with ``prune``,
    stored rows whose names start with it and that the build no longer returns are
    deleted. ``name`` decides whether the group is current; ``lock`` names the group's
    one builder lock (default ``name``), the same whichever member is asked for.
    """
    moment = now or datetime.now(UTC)
    refresh = timedelta(hours=settings.trust_bundle_validity_hours) / 2
    with Session(engine) as session:
        source = source_of(session, keystore, settings)
        row = session.get(PublishedDocument, name)
        if _usable(row, source, moment, refresh):
            assert row is not None
            return _published(row)
    with Session(engine) as session:
        lock_key(session, f"publish:{lock or name}")
        # Read again under the lock: another builder may have stored it meanwhile.
        source = source_of(session, keystore, settings)
        row = session.get(PublishedDocument, name)
        if _usable(row, source, moment, refresh):
            assert row is not None
            return _published(row)
        documents = build(session)
        built_at = datetime.now(UTC)
        for member, (body, media_type) in documents.items():
            _store(session, member, body, media_type, source, built_at, always=member == name)
        if prune is not None:
            stale = (
                session.execute(
                    select(PublishedDocument).where(col(PublishedDocument.name).startswith(prune))
                )
                .scalars()
                .all()
            )
            for old in stale:
                if old.name not in documents:
                    session.delete(old)
        row = session.get(PublishedDocument, name)
        assert row is not None
        published = _published(row)
        session.commit()
        return published


def _store(
    session: Session,
    name: str,
    body: str,
    media_type: str,
    source: str,
    built_at: datetime,
    *,
    always: bool,
) -> None:
    row = session.get(PublishedDocument, name)
    if row is not None and row.body == body and row.media_type == media_type and not always:
        return
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:40] + '"'
    if row is None:
        row = PublishedDocument(
            name=name, source=source, etag=etag, media_type=media_type, body=body
        )
    row.source, row.etag, row.media_type, row.body = source, etag, media_type, body
    row.generated_at = built_at
    session.add(row)


def stored(engine: Engine, name: str) -> Published | None:
    """The stored row ``name`` as it is, without asking whether it is current."""
    with Session(engine) as session:
        row = session.get(PublishedDocument, name)
        return None if row is None else _published(row)
