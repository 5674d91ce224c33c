"""The wallet's operations over its store: receive into it, present from it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import httpx2

from wallet._client import Received, receive
from wallet._errors import BadUsage
from wallet._present import present
from wallet._store import StoredCredential, WalletStore

__all__ = ["present_credential", "receive_into"]


def receive_into(
    store: WalletStore,
    offer_uri: str,
    *,
    tx_code: str | None,
    now: datetime,
    client: httpx2.Client | None = None,
) -> list[StoredCredential]:
    """Receive every credential of the offer with the store's holder key.

    Each credential is saved as soon as it arrives, so one already issued is kept even if
    a later request of the same offer fails (the issuer would not issue it again).
    """
    if not store.path.exists():
        store.save()  # the new holder key is on disk before any proof is signed with it
    added: list[StoredCredential] = []

    def keep(item: Received) -> None:
        added.append(
            store.add(
                StoredCredential(
                    id="",
                    format=item.format,
                    configuration_id=item.configuration_id,
                    issuer=item.issuer,
                    credential=item.credential,
                    received_at=now.isoformat(),
                )
            )
        )
        store.save()

    receive(offer_uri, store.holder, tx_code=tx_code, now=now, client=client, on_credential=keep)
    return added


def present_credential(
    store: WalletStore,
    credential_id: str,
    disclose: Iterable[str],
    *,
    audience: str,
    nonce: str,
    now: datetime,
) -> str:
    """The SD-JWT presentation of a stored ``dc+sd-jwt`` credential."""
    item = store.get(credential_id)
    if item.format != "dc+sd-jwt":
        raise BadUsage(f"credential {credential_id} is {item.format}; only dc+sd-jwt is presented")
    return present(item.credential, store.holder, disclose, audience=audience, nonce=nonce, now=now)
