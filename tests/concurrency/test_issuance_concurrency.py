"""Concurrent issuance and the published trust bundle, against ``creditbank serve --workers 4``.

Issuers take status-list slots at the same moment (on PostgreSQL from a sequence, with
no row they queue on): every one is answered, no two get the same slot. A revocation is
in the next bundle fetch on every worker, not only on the worker that made it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from tests.concurrency.server import Server, burst
from tests.concurrency.test_concurrency import _course, _institution, _learner, _ok, _statuses
from verifier import Revoked, TrustBundle
from verifier.rules import check_status

pytestmark = pytest.mark.concurrency

ISSUERS = 16


def _deposit(server: Server, inst: dict[str, Any], n: int) -> tuple[int, int]:
    learner = _learner(server, inst)
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        body = _ok(
            client.post(f"/learners/{learner}/courses", json=_course(n), headers=inst["headers"])
        )
    return learner, int(body["entry"]["id"])


def _anchor(server: Server) -> dict[str, Any]:
    page = httpx2.get(f"{server.base_url}/v1", timeout=30).text
    block = page.partition('<script type="application/json" id="cb-config">')[2]
    anchor: dict[str, Any] = json.loads(block.partition("</script>")[0])["anchor"]
    return anchor


def test_16_concurrent_issuances_and_a_revocation_every_worker_shows(server: Server) -> None:
    inst = _institution(server)
    deposits = [_deposit(server, inst, n) for n in range(ISSUERS)]
    responses = burst(
        ISSUERS,
        lambda c, i: c.post(
            f"/learners/{deposits[i][0]}/credentials",
            json={"entry_ids": [deposits[i][1]]},
            headers=server.admin,
        ),
        server,
    )
    # No 5xx, and no serialization failure answered as a conflict either: all issued.
    assert _statuses(responses) == {201: ISSUERS}
    slots = [(r.json()["status_list"], r.json()["status_index"]) for r in responses]
    assert len(set(slots)) == ISSUERS
    sql = "SELECT count(DISTINCT status_list_id || ':' || status_index) FROM credential"
    assert server.count(sql) == server.count("SELECT count(*) FROM credential")

    revoked = responses[0].json()
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        client.get("/trust-bundle")  # published before the change
        _ok(
            client.post(
                f"/credentials/{revoked['jti']}/status",
                json={"status": "revoked", "reason": "concurrency test"},
                headers=server.admin,
            ),
            200,
        )
    anchor = _anchor(server)
    fetched = burst(8, lambda c, _i: c.get("/trust-bundle"), server)
    assert _statuses(fetched) == {200: 8}
    assert len({r.content for r in fetched}) == 1
    for response in fetched:
        trust = TrustBundle.from_bytes(response.content, anchor)
        with pytest.raises(Revoked):
            check_status(trust, *trust.issuers, revoked["status_list"], revoked["status_index"])
