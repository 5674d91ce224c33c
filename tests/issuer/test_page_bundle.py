"""The verify page's bundle: the trust bundle's keys and issuers with a directory of the
status lists, each list fetched from ``GET /v1/status-lists/{id}`` and checked against
the digest the anchor signed (docs/formats.md §3.6)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.models import PublishedDocument
from tests.issuer.test_publication import bundle_of, embedded_bundle, issue, set_status
from verifier import MalformedTrustBundle, Revoked, StatusUnavailable, TrustBundle
from verifier.formats import page_bundle, status_list, trust_bundle
from verifier.rules import check_status

pytestmark = pytest.mark.db


def page_document(app: FastAPI, client: TestClient) -> dict[str, Any]:
    text = embedded_bundle(client.get("/v1").text)
    return page_bundle.open_page_bundle(text, app.state.keystore.anchor_jwk())


def directory_entry(document: dict[str, Any], list_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(e for e in document["list_directory"] if e["id"] == list_id)
    return entry


def fetched_list(client: TestClient, entry: dict[str, Any]) -> status_list.StatusList:
    response = client.get(entry["url"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return page_bundle.read_list(entry, response.content)


def test_page_embeds_a_directory_not_the_lists(
    client: TestClient, app: FastAPI, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    credential = issue(client, admin, inst_a)
    document = page_document(app, client)
    full = bundle_of(app, client.get("/trust-bundle").content)
    assert "status_lists" not in document
    assert document["type"] == "CreditBankPageBundle"
    # Built with the trust bundle from one document: same moment, keys and issuers.
    assert document["generated_at"] == full.generated_at.isoformat().replace("+00:00", "Z")
    entry = directory_entry(document, credential["status_list"])
    assert entry["url"] == f"/v1/status-lists/{credential['status_list']}"
    assert set(entry) == {"id", "issuer", "bits", "size", "url", "sha256"}
    served = client.get(entry["url"])
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"] == "no-cache"
    assert "default-src 'self'" in served.headers["content-security-policy"]
    listed = fetched_list(client, entry)
    # The bytes served are the trust bundle's own list entry.
    assert listed == full.status_lists[(listed.issuer, listed.id)]
    assert hashlib.sha256(client.get(entry["url"]).content).hexdigest() == entry["sha256"]


def test_revocation_changes_the_lists_digest_and_only_its(
    client: TestClient, app: FastAPI, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    credential = issue(client, admin, inst_a)
    list_id, index = credential["status_list"], credential["status_index"]
    before = directory_entry(page_document(app, client), list_id)
    first = client.get(before["url"])
    set_status(client, admin, credential["jti"], "revoked")
    after = directory_entry(page_document(app, client), list_id)
    assert after["sha256"] != before["sha256"]
    # The list fetched now is the new one: the old digest no longer matches it.
    with pytest.raises(StatusUnavailable) as stale:
        page_bundle.read_list(before, client.get(before["url"]).content)
    assert stale.value.code == "status_unavailable"
    assert fetched_list(client, after).get(index) == status_list.REVOKED
    revalidated = client.get(after["url"], headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 200
    again = client.get(after["url"], headers={"If-None-Match": revalidated.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    with pytest.raises(Revoked):
        check_status(
            bundle_of(app, client.get("/trust-bundle").content),
            listed_issuer(after),
            list_id,
            index,
        )


def listed_issuer(entry: dict[str, Any]) -> str:
    issuer: str = entry["issuer"]
    return issuer


def test_an_unchanged_list_keeps_its_bytes_and_etag(
    client: TestClient, app: FastAPI, engine: Engine, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    credential = issue(client, admin, inst_a)
    entry = directory_entry(page_document(app, client), credential["status_list"])
    first = client.get(entry["url"])
    # A key event builds the bundles again; the list's statuses did not change.
    app.state.keystore.rotate()
    document = page_document(app, client)
    assert directory_entry(document, credential["status_list"])["sha256"] == entry["sha256"]
    second = client.get(entry["url"])
    assert second.content == first.content
    assert second.headers["ETag"] == first.headers["ETag"]


def test_unknown_page_list_is_404(client: TestClient, engine: Engine) -> None:
    for list_id in ("no-such-list", "x" * 200):
        response = client.get(f"/v1/status-lists/{list_id}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "not_found"
    with Session(engine) as session:
        assert session.get(PublishedDocument, "page-list:no-such-list") is None


def test_a_swapped_list_is_refused(
    client: TestClient, app: FastAPI, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    credential = issue(client, admin, inst_a)
    entry = directory_entry(page_document(app, client), credential["status_list"])
    body = json.loads(client.get(entry["url"]).content)
    forged = status_list.build(body["id"], body["issuer"], body["size"], {}).to_json()
    with pytest.raises(StatusUnavailable):
        page_bundle.read_list(entry, page_bundle.list_document(forged))
    # Right digest, wrong list: the entry names another id than the bytes hold.
    other = {**entry, "id": "L-other"}
    with pytest.raises(MalformedTrustBundle):
        page_bundle.read_list(other, client.get(entry["url"]).content)


def test_page_bundle_and_trust_bundle_are_not_interchangeable(
    client: TestClient, app: FastAPI
) -> None:
    anchor = app.state.keystore.anchor_jwk()
    page = embedded_bundle(client.get("/v1").text)
    full = client.get("/trust-bundle").text
    with pytest.raises(MalformedTrustBundle) as refused:
        TrustBundle.from_bytes(page, anchor)
    assert refused.value.code == "malformed_trust_bundle"
    with pytest.raises(MalformedTrustBundle):
        page_bundle.open_page_bundle(full, anchor)
    assert trust_bundle.open_bundle(full, anchor)["type"] == "CreditBankTrustBundle"
