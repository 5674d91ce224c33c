"""Request-scoped dependencies: settings, key store and one database session per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.core.db import session_scope
from issuer.core.settings import Settings
from keys import KeyStore

__all__ = ["EngineDep", "KeyStoreDep", "SessionDep", "SettingsDep"]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_keystore(request: Request) -> KeyStore:
    keystore: KeyStore = request.app.state.keystore
    return keystore


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
KeyStoreDep = Annotated[KeyStore, Depends(get_keystore)]


def get_session(engine: EngineDep) -> Iterator[Session]:
    """One transaction per request, committed when the route returns, else rolled back."""
    yield from session_scope(engine)


# scope="function": the commit happens when the route returns, before the response is
# sent, so a failing commit becomes an error response instead of a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
