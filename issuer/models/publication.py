"""Published documents: the trust bundle and the status lists, stored as the signed bytes
that are served, and the counter that says when they must be built again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = ["PublicationCounter", "PublishedDocument"]


class PublishedDocument(SQLModel, table=True):
    """One published document (``trust-bundle``, ``status-list:<id>:<form>``) as served."""

    __tablename__ = "published_document"

    name: str = Field(primary_key=True, max_length=96)
    # Digest of everything the document was built from (issuer/credentials/publication.py):
    # when it no longer matches the current one, the document is built again.
    source: str = Field(max_length=64)
    etag: str = Field(max_length=72)
    media_type: str = Field(max_length=64)
    body: str = Field(sa_type=Text)
    generated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PublicationCounter(SQLModel, table=True):
    """A counter raised in the transaction of every change a published document shows.

    ``status`` counts credential status changes; it is raised in the same transaction
    as the change, so a document built after the change's commit sees a new value.
    """

    __tablename__ = "publication_counter"

    name: str = Field(primary_key=True, max_length=32)
    value: int = Field(default=0, ge=0)
