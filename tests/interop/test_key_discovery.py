"""Key discovery over real HTTP, by software we did not write.

A real ``creditbank serve`` process (tests/concurrency/server.py) issues credentials whose
URLs point at itself. Then:

- the npm ``jose`` library (tests/interop/js, installed from its lock file with
  ``npm ci``) verifies every Open Badges / CLR JWT, and every badge enveloped in the CLR,
  with only the JWK it fetched from the JWT's ``kid`` URL — as OB 3.0 §8.2 and the 1EdTech
  validator do;
- the OpenWallet Foundation's ``sd-jwt`` library verifies an SD-JWT VC presentation with
  the issuer key found through ``/.well-known/jwt-vc-issuer`` (SD-JWT VC draft, JWT VC
  Issuer Metadata), and the ``vct`` URL returns Type Metadata matching ``vct#integrity``.

Skipped only when node is not installed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier

from tests.concurrency.server import Server, running_server
from tests.issuer.factories import course, create_institution, create_learner
from verifier.formats import sd_jwt
from verifier.formats.holder_key import holder_public_jwk, holder_signer, new_holder_jwk

pytestmark = pytest.mark.db

JS = Path(__file__).resolve().parent / "js"
AUD, NONCE = "https://hr.example.com", "discovery-nonce-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("discovery"), "sqlite", workers=1) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=server.base_url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def holder() -> dict[str, Any]:
    return new_holder_jwk()


@pytest.fixture(scope="module")
def issued(server: Server, http: httpx2.Client, holder: dict[str, Any]) -> dict[str, Any]:
    """One learner with two deposits and an OB 3.0, a CLR and an SD-JWT VC, over HTTP."""
    inst = create_institution(http, server.admin)
    learner = create_learner(http, server.admin)
    entries = []
    for title in ("人工智能导论", "机器学习实践"):
        response = http.post(
            f"/learners/{learner['id']}/courses",
            json=course(title=title, domain="AI"),
            headers=inst["headers"],
        )
        assert response.status_code == 201, response.text
        entries.append(response.json()["entry"]["id"])
    base = f"/learners/{learner['id']}/credentials"
    out: dict[str, Any] = {}
    for kind, body in (
        ("ob3", {"entry_id": entries[0]}),
        ("clr", {}),
        ("sd-jwt", {"entry_ids": entries, "holder_jwk": holder_public_jwk(holder)}),
    ):
        response = http.post(f"{base}/{kind}", json=body, headers=server.admin)
        assert response.status_code == 201, response.text
        out[kind] = response.json()["token"]
    return out


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed")
    if not (JS / "node_modules" / "jose" / "package.json").exists():
        npm = shutil.which("npm")
        assert npm is not None, "node without npm: install npm to run the jose interop test"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, capture_output=True
        )
    return found


def _jose(node: str, tokens: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [node, str(JS / "verify_kid.mjs")],
        input=json.dumps(tokens),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def test_jose_verifies_every_ob_and_clr_jwt_with_the_key_from_its_kid(
    server: Server, issued: dict[str, Any], node: str
) -> None:
    badge, transcript = _jose(node, [issued["ob3"], issued["clr"]])
    for result in (badge, transcript):
        assert "error" not in result, result
        assert result["kid"].startswith(f"{server.base_url}/issuer/keys/")
        assert result["alg"] == "RS256" and result["key_status"] == "active"
        assert result["iss"] == f"{server.base_url}/issuer"
    assert "OpenBadgeCredential" in badge["types"] and badge["nested"] == []
    assert "ClrCredential" in transcript["types"]
    assert len(transcript["nested"]) == 2
    for inner in transcript["nested"]:
        assert "error" not in inner, inner
        assert inner["context"] == "https://www.w3.org/ns/credentials/v2"
        assert "OpenBadgeCredential" in inner["types"] and inner["alg"] == "RS256"


def test_jose_refuses_a_tampered_jwt_and_an_unknown_kid(
    server: Server, issued: dict[str, Any], node: str
) -> None:
    head, body, sig = issued["ob3"].split(".")
    forged = body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    header["kid"] = f"{server.base_url}/issuer/keys/not-a-key"
    unknown = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    tampered, missing = _jose(node, [f"{head}.{forged}.{sig}", f"{unknown}.{body}.{sig}"])
    assert "signature verification failed" in tampered["error"]
    assert missing["error"] == "kid URL answered 404"


def test_a_retired_badge_key_still_resolves_and_verifies(
    server: Server, issued: dict[str, Any], node: str
) -> None:
    rotated = server.cli("keys", "rotate", "--purpose", "badge")
    assert rotated.returncode == 0, rotated.stderr
    assert "RS256" in rotated.stdout and "badge" in rotated.stdout
    (badge,) = _jose(node, [issued["ob3"]])
    assert "error" not in badge and badge["key_status"] == "retired"


def _well_known(issuer: str) -> str:
    # SD-JWT VC draft: /.well-known/jwt-vc-issuer goes between the host and the path of iss.
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}/.well-known/jwt-vc-issuer{parts.path.rstrip('/')}"


def test_owf_sd_jwt_finds_the_issuer_key_through_jwt_vc_issuer(
    server: Server, issued: dict[str, Any], holder: dict[str, Any]
) -> None:
    fetched: list[str] = []

    def issuer_key(issuer: str, header: dict[str, Any]) -> JWK:
        url = _well_known(issuer)
        fetched.append(url)
        metadata = httpx2.get(url, timeout=30).json()
        assert metadata["issuer"] == issuer
        (jwk,) = [k for k in metadata["jwks"]["keys"] if k["kid"] == header["kid"]]
        return JWK.from_json(json.dumps(jwk))

    presentation = sd_jwt.present(
        issued["sd-jwt"],
        ["name", "credits"],
        holder_signer(holder),
        aud=AUD,
        nonce=NONCE,
        iat=int(time.time()),
    )
    verifier = SDJWTVerifier(presentation, issuer_key, expected_aud=AUD, expected_nonce=NONCE)
    claims = verifier.get_verified_payload()
    assert fetched == [f"{server.base_url}/.well-known/jwt-vc-issuer"]
    assert claims["iss"] == server.base_url and claims["name"] and claims["credits"] == 4
    # The vct is a URL whose Type Metadata is the document vct#integrity names.
    response = httpx2.get(claims["vct"], timeout=30)
    digest = base64.b64encode(hashlib.sha256(response.content).digest()).decode()
    assert claims["vct#integrity"] == f"sha256-{digest}"
    assert {d["locale"] for d in response.json()["display"]} == {"zh-CN", "en"}
