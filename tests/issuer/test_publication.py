"""The trust bundle and the status lists are published: stored as signed text with an
ETag, served as stored, built again when what they show changes (a status, a key, a new
list) or when they have aged, one builder at a time."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

import keys
from issuer.core.settings import Settings
from issuer.credentials import publication
from issuer.models import PublishedDocument
from tests.issuer.committee_factories import deposit, signed_in_learner
from verifier import Revoked, Suspended, TrustBundle
from verifier.formats import page_bundle, token_status_list
from verifier.rules import check_status

pytestmark = pytest.mark.db


def issue(client: TestClient, admin: dict[str, str], inst: dict[str, Any]) -> dict[str, Any]:
    learner = signed_in_learner(client, admin)
    entry = deposit(client, inst, learner["id"])
    issued = client.post(
        f"/learners/{learner['id']}/credentials", json={"entry_ids": [entry["id"]]}, headers=admin
    )
    assert issued.status_code == 201, issued.text
    credential: dict[str, Any] = issued.json()
    return credential


def set_status(client: TestClient, admin: dict[str, str], jti: str, status: str) -> None:
    changed = client.post(
        f"/credentials/{jti}/status", json={"status": status, "reason": "test"}, headers=admin
    )
    assert changed.status_code == 200, changed.text


def embedded_bundle(page: str) -> str:
    block = page.partition('<script type="application/json" id="cb-config">')[2]
    bundle: str = json.loads(block.partition("</script>")[0])["bundle"]
    return bundle


def bundle_of(app: FastAPI, text: bytes) -> TrustBundle:
    return TrustBundle.from_bytes(text, app.state.keystore.anchor_jwk())


def test_bundle_is_served_as_stored_with_etag_and_304(client: TestClient) -> None:
    first = client.get("/trust-bundle")
    second = client.get("/trust-bundle")
    assert first.status_code == second.status_code == 200
    # Nothing changed in between: the same bytes, not a bundle built again.
    assert first.content == second.content
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag == second.headers["ETag"]
    cache = first.headers["Cache-Control"]
    assert cache.startswith("public, max-age=300, stale-while-revalidate=")
    lifetime = int(cache.rpartition("stale-if-error=")[2])
    assert 0 < lifetime <= 24 * 3600
    again = client.get("/trust-bundle", headers={"If-None-Match": f'"other", W/{etag}'})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    other = client.get("/trust-bundle", headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.content == first.content


def test_revocation_is_in_the_next_bundle_fetch(
    client: TestClient, app: FastAPI, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    credential = issue(client, admin, inst_a)
    before = client.get("/trust-bundle")
    issuer_id = app.state.settings.issuer_id
    check_status(
        bundle_of(app, before.content),
        issuer_id,
        credential["status_list"],
        credential["status_index"],
    )
    set_status(client, admin, credential["jti"], "revoked")
    after = client.get("/trust-bundle", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    with pytest.raises(Revoked) as raised:
        check_status(
            bundle_of(app, after.content),
            issuer_id,
            credential["status_list"],
            credential["status_index"],
        )
    assert raised.value.code == "revoked"
    # The verify page embeds the page bundle built with it: same moment, and a directory
    # whose digest of the list is that of the list the page fetches (test_page_bundle.py).
    page = page_bundle.open_page_bundle(
        embedded_bundle(client.get("/v1").text), app.state.keystore.anchor_jwk()
    )
    assert page["generated_at"] == json.loads(bundle_payload(after.text))["generated_at"]


def bundle_payload(text: str) -> bytes:
    return keys.b64url_decode(json.loads(text)["payload"])


def test_status_list_token_is_published_and_follows_a_suspension(
    client: TestClient, app: FastAPI, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    credential = issue(client, admin, inst_a)
    url = f"/status-lists/{credential['status_list']}"
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/statuslist+jwt")
    assert client.get(url).content == first.content
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    set_status(client, admin, credential["jti"], "suspended")
    after = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    _, _, listed = token_status_list.decode(after.text)
    assert listed.get(credential["status_index"]) == 2
    with pytest.raises(Suspended):
        check_status(
            bundle_of(app, client.get("/trust-bundle").content),
            app.state.settings.issuer_id,
            credential["status_list"],
            credential["status_index"],
        )
    for form in ("bitstring", "revocation", "suspension"):
        published = client.get(f"{url}/{form}")
        assert published.status_code == 200, form
        tag = published.headers["ETag"]
        assert client.get(f"{url}/{form}", headers={"If-None-Match": tag}).status_code == 304


def test_unknown_list_is_not_found(client: TestClient, engine: Engine) -> None:
    response = client.get("/status-lists/no-such-list")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    with Session(engine) as session:
        assert session.get(PublishedDocument, "status-list:no-such-list:token") is None


def test_key_event_builds_the_bundle_again(client: TestClient, app: FastAPI) -> None:
    before = client.get("/trust-bundle")
    # A pending key: a key event that changes nothing else for the other tests.
    added = app.state.keystore.generate("ES256", "badge")
    after = client.get("/trust-bundle", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    kids = {key.kid for key in bundle_of(app, after.content).keys}
    assert added.kid in kids


def test_an_aged_document_is_built_again(engine: Engine, app: FastAPI) -> None:
    settings: Settings = app.state.settings
    keystore = app.state.keystore
    builds: list[int] = []

    def build(_session: Session) -> tuple[str, str]:
        builds.append(1)
        return f"body {len(builds)}", "text/plain"

    first = publication.publish(engine, keystore, settings, "test:aged", build)
    same = publication.publish(engine, keystore, settings, "test:aged", build)
    assert same == first and len(builds) == 1
    later = datetime.now(UTC) + timedelta(hours=settings.trust_bundle_validity_hours / 2 + 1)
    aged = publication.publish(engine, keystore, settings, "test:aged", build, now=later)
    assert aged.body == "body 2" and aged.etag != first.etag


def test_concurrent_requests_after_a_change_build_once(
    engine: Engine, app: FastAPI, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    settings: Settings = app.state.settings
    keystore = app.state.keystore
    builds: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)
    served: list[str] = []
    errors: list[BaseException] = []

    def build(_session: Session) -> tuple[str, str]:
        with lock:
            builds.append(1)
        return f"built {len(builds)}", "text/plain"

    publication.publish(engine, keystore, settings, "test:herd", build)
    credential = issue(client, admin, inst_a)
    set_status(client, admin, credential["jti"], "revoked")  # the source changes

    def reader() -> None:
        try:
            barrier.wait()
            body = publication.publish(engine, keystore, settings, "test:herd", build).body
            with lock:
                served.append(body)
        except BaseException as exc:  # reported below; a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # One build before the change, one after it, whatever the number of readers.
    assert len(builds) == 2
    assert served == ["built 2"] * 6


def test_verify_page_has_an_etag(client: TestClient) -> None:
    page = client.get("/v1")
    assert page.status_code == 200
    etag = page.headers["ETag"]
    again = client.get("/v1", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/v1").text == page.text
