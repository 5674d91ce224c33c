"""The registrar's presented files, kept between pages until the transfer is recorded.

Each upload adds its files to ``registrar_upload`` for the application and the staff
member (:func:`keep`): the same bytes again (by SHA-256) are a duplicate, named and not
counted twice. An SD-JWT presentation is checked when it arrives
(:mod:`issuer.credentials.transfer_presentations`) and its nonce kept with it. The
application's page then checks everything kept (:func:`presented`) — so the registrar
may upload in several rounds, leave the page and decide later. Rows expire after
:data:`KEEP_FOR`; recording the transfer clears them (:func:`clear`). Nothing kept is a
recorded transfer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.credentials import transfer_presentations
from issuer.credentials.transfer_check import Item
from issuer.credentials.transfer_files import Presented
from issuer.models import Institution, RegistrarUpload, TransferNonce
from verifier import TrustBundle
from verifier.transfer import PresentedCredential

__all__ = ["KEEP_FOR", "Kept", "clear", "keep", "presented"]

#: How long presented files stay with an application when nothing is recorded.
KEEP_FOR = timedelta(hours=24)


@dataclass(slots=True)
class Kept:
    """The kept files of one application, ready for the check."""

    items: list[Item] = field(default_factory=list)
    #: The credential ``jti`` of each valid presentation, and the nonce it was made for.
    presentations: dict[str, TransferNonce] = field(default_factory=dict)


def _rows(
    session: Session, application_id: int, staff_id: int, now: datetime
) -> list[RegistrarUpload]:
    return list(
        session.exec(
            select(RegistrarUpload)
            .where(
                col(RegistrarUpload.application_id) == application_id,
                col(RegistrarUpload.staff_id) == staff_id,
                col(RegistrarUpload.expires_at) > now,
            )
            .order_by(col(RegistrarUpload.id))
        )
    )


def keep(
    session: Session,
    application_id: int,
    staff_id: int,
    files: list[Presented],
    now: datetime,
) -> list[str]:
    """Add ``files`` to the application's kept files; the names of the duplicates."""
    session.execute(delete(RegistrarUpload).where(col(RegistrarUpload.expires_at) <= now))
    known = {row.sha256: row.name for row in _rows(session, application_id, staff_id, now)}
    duplicates: list[str] = []
    for file in files:
        if file.sha256 in known:
            duplicates.append(file.name)
            continue
        known[file.sha256] = file.name
        text, code, detail = file.text, file.code, file.detail
        if text is not None and "\x00" in text:
            # No credential text holds NUL, and PostgreSQL text cannot store it.
            text, code, detail = None, "bad_encoding", "the file holds NUL characters"
        session.add(
            RegistrarUpload(
                application_id=application_id,
                staff_id=staff_id,
                name=file.name.replace("\x00", ""),
                sha256=file.sha256,
                text=text,
                code=code,
                detail=None if detail is None else detail.replace("\x00", "")[:500],
                created_at=now,
                expires_at=now + KEEP_FOR,
            )
        )
    session.flush()
    return duplicates


def presented(
    session: Session,
    trust: Callable[[], TrustBundle],
    settings: Settings,
    institution: Institution,
    application_id: int,
    learner_id: int,
    staff_id: int,
    now: datetime,
) -> Kept:
    """The kept files of the application, each presentation checked as of its upload.

    ``trust`` gives the bank's trust data; it is asked for only when a presentation is kept.
    """
    kept = Kept()
    for row in _rows(session, application_id, staff_id, now):
        item, nonce = transfer_presentations.item_of(
            session,
            trust,
            settings,
            institution,
            learner_id,
            (row.name, row.text, row.code, row.detail),
            row.created_at,
        )
        kept.items.append(item)
        if nonce is None:
            continue
        assert isinstance(item[1], PresentedCredential)
        kept.presentations[item[1].jti] = nonce
        if row.nonce_id is None:
            row.nonce_id = nonce.id
            session.add(row)
    return kept


def clear(session: Session, application_id: int, staff_id: int) -> None:
    """Forget the application's kept files (after the transfer was recorded)."""
    session.execute(
        delete(RegistrarUpload).where(
            col(RegistrarUpload.application_id) == application_id,
            col(RegistrarUpload.staff_id) == staff_id,
        )
    )
