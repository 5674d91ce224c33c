"""Concurrent requests against ``creditbank serve --workers 4`` over real HTTP.

Each case sends one burst of simultaneous requests that race for the same account, key,
deposit, certificate, offer or case, then asserts: no 5xx, exactly the rows the rules
allow, and a clean ``creditbank ledger verify`` (the real CLI). Runs on SQLite and, with
``CREDITBANK_TEST_DATABASE_URL``, on PostgreSQL (``.ci/run``).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.concurrency.server import CLI, Server, burst, running_server
from tests.issuer.factories import new_code, new_national_id
from verifier.formats import sd_jwt
from verifier.formats.holder_key import holder_public_jwk, holder_signer, new_holder_jwk

pytestmark = pytest.mark.concurrency

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def _ok(response: httpx2.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _statuses(responses: list[httpx2.Response]) -> Counter[int]:
    counts = Counter(r.status_code for r in responses)
    assert not [s for s in counts if s >= 500], {r.status_code: r.text for r in responses}
    return counts


def _codes(responses: list[httpx2.Response]) -> Counter[str]:
    return Counter(
        r.json()["code"] for r in responses if r.status_code >= 400 and "code" in r.json()
    )


def _ledger_intact(server: Server) -> None:
    done = server.cli("ledger", "verify", "--json", "--quiet")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["ok"] is True


def _institution(server: Server, kind: str = "university") -> dict[str, Any]:
    code = new_code("C")
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        body = _ok(
            client.post(
                "/institutions",
                json={
                    "code": code,
                    "name_zh": f"并发{code}",
                    "name_en": f"Conc {code}",
                    "kind": kind,
                },
                headers=server.admin,
            )
        )
    body["headers"] = {"Authorization": f"Bearer {body['api_key']}"}
    return dict(body)


def _learner(server: Server, institution: dict[str, Any]) -> int:
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        body = _ok(
            client.post(
                "/learners",
                json={"name": "并发学员", "national_id": new_national_id()},
                headers=institution["headers"],
            )
        )
    return int(body["id"])


def _course(n: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "title": f"并发课程 {n}",
        "course_type": "theory",
        "hours": 32,
        "domain": "AM",
        "completed_on": "2024-06-30",
        "external_ref": f"CONC-{new_code('R')}-{n}",
    }
    body.update(overrides)
    return body


def test_32_deposits_into_one_account(server: Server) -> None:
    inst = _institution(server)
    learner = _learner(server, inst)
    bodies = [_course(n) for n in range(32)]
    responses = burst(
        32,
        lambda c, i: c.post(
            f"/learners/{learner}/courses", json=bodies[i], headers=inst["headers"]
        ),
        server,
    )
    assert _statuses(responses) == {201: 32}
    sql = "SELECT count(*) FROM ledger_entry WHERE learner_id = :id"
    assert server.count(sql, id=learner) == 32
    assert (
        server.count("SELECT max(seq) FROM ledger_entry WHERE learner_id = :id", id=learner) == 32
    )
    _ledger_intact(server)


def test_the_same_idempotency_key_16_times(server: Server) -> None:
    inst = _institution(server)
    learner = _learner(server, inst)
    body = _course(0)
    headers = {**inst["headers"], "Idempotency-Key": f"conc-{learner}"}
    responses = burst(
        16, lambda c, i: c.post(f"/learners/{learner}/courses", json=body, headers=headers), server
    )
    counts = _statuses(responses)
    assert set(counts) <= {201, 409}, counts
    assert set(_codes(responses)) <= {"request_in_progress"}
    entries = {r.json()["entry"]["id"] for r in responses if r.status_code == 201}
    assert len(entries) == 1, "every 201 is the replay of the one deposit"
    assert server.count("SELECT count(*) FROM ledger_entry WHERE learner_id = :id", id=learner) == 1
    assert server.count("SELECT count(*) FROM achievement WHERE learner_id = :id", id=learner) == 1
    _ledger_intact(server)


def test_the_same_redemption_8_times(server: Server) -> None:
    inst = _institution(server)
    learner = _learner(server, inst)
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        for n, (domain, hours) in enumerate((("AM", 800), ("GE", 480))):
            path = f"/learners/{learner}/courses"
            _ok(
                client.post(
                    path, json=_course(n, domain=domain, hours=hours), headers=inst["headers"]
                )
            )
    path = f"/learners/{learner}/qualifications/AM-ASSOC/redemptions"
    responses = burst(8, lambda c, i: c.post(path, headers=server.admin), server)
    assert _statuses(responses) == {201: 1, 409: 7}
    assert _codes(responses) == {"already_redeemed": 7}
    assert server.count("SELECT count(*) FROM redemption WHERE learner_id = :id", id=learner) == 1
    kinds = "SELECT count(*) FROM ledger_entry WHERE learner_id = :id AND kind = 'redemption'"
    assert server.count(kinds, id=learner) == 2  # one entry per domain (AM, GE)
    _ledger_intact(server)


def _learner_token(client: httpx2.Client, server: Server, learner: int) -> dict[str, str]:
    password = {"password": "concurrency-password"}
    path = f"/learners/{learner}/password"
    assert client.put(path, json=password, headers=server.admin).status_code == 204
    token = _ok(client.post("/auth/token", json={"learner_id": learner, **password}), 200)
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_the_same_transfer_16_times(server: Server) -> None:
    inst = _institution(server, "training_body")
    university = _institution(server)
    learner = _learner(server, inst)
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        path = f"/learners/{learner}/courses"
        entry = _ok(client.post(path, json=_course(0), headers=inst["headers"]))["entry"]
        credential = _ok(
            client.post(
                f"/learners/{learner}/credentials",
                json={"entry_ids": [entry["id"]]},
                headers=server.admin,
            )
        )
        items = [{"jti": credential["jti"]}]
        # Two applications to the university for the same credential: one consent each.
        applications = [
            _ok(
                client.post(
                    f"/learners/{learner}/transfer-applications",
                    json={"institution": university["code"], "programme": "p", "items": items},
                    headers=_learner_token(client, server, learner),
                )
            )
            for _ in range(2)
        ]

    def post(c: httpx2.Client, i: int) -> httpx2.Response:
        body = {
            "policy": "concurrency",
            "items": items,
            "application_id": applications[i % 2]["id"],
        }
        return c.post("/transfers", json=body, headers=university["headers"])

    responses = burst(16, post, server)
    assert _statuses(responses) == {201: 1, 409: 15}
    # The other requests of the winning application find it used; those of the other
    # application find the deposit gone.
    assert _codes(responses) == {"consent_used": 7, "already_transferred": 8}
    sql = "SELECT count(*) FROM transfer_item WHERE ledger_entry_id = :id"
    assert server.count(sql, id=entry["id"]) == 1
    outs = "SELECT count(*) FROM ledger_entry WHERE learner_id = :id AND kind = 'transfer_out'"
    assert server.count(outs, id=learner) == 1
    _ledger_intact(server)


def test_the_same_presentation_16_times(server: Server) -> None:
    """A replayed presentation nonce is refused even when the requests race."""
    inst = _institution(server, "training_body")
    university = _institution(server)
    learner = _learner(server, inst)
    holder = new_holder_jwk()
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        path = f"/learners/{learner}/courses"
        entry = _ok(client.post(path, json=_course(0), headers=inst["headers"]))["entry"]
        issued = _ok(
            client.post(
                f"/learners/{learner}/credentials/sd-jwt",
                json={"entry_ids": [entry["id"]], "holder_jwk": holder_public_jwk(holder)},
                headers=server.admin,
            )
        )
        given = _ok(client.post("/transfers/nonces", headers=university["headers"]))
    presentation = sd_jwt.present(
        issued["token"],
        ["name"],
        holder_signer(holder),
        aud=given["audience"],
        nonce=given["nonce"],
        iat=int(time.time()),
    )
    body = {"items": [{"jti": issued["jti"]}], "presentation": presentation}
    responses = burst(
        16, lambda c, i: c.post("/transfers", json=body, headers=university["headers"]), server
    )
    assert _statuses(responses) == {201: 1, 409: 15}
    assert _codes(responses) == {"consent_used": 15}
    sql = "SELECT count(*) FROM transfer_consent WHERE nonce_id IS NOT NULL AND transfer_id IN "
    sql += "(SELECT id FROM transfer WHERE learner_id = :id)"
    assert server.count(sql, id=learner) == 1
    _ledger_intact(server)


def test_the_same_certificate_into_two_accounts(server: Server) -> None:
    inst = _institution(server, "certifying_body")
    learners = [_learner(server, inst), _learner(server, inst)]
    number = f"CONC-VC-{new_code('N')}"

    def post(client: httpx2.Client, i: int) -> httpx2.Response:
        body = {
            "kind": "vocational_cert",
            "occupation_name": "工业机器人系统运维员",
            "occupation_code": "6-31-01-10",
            "level": "四级",
            "certificate_number": number,
            "certifying_body": "并发职业技能鉴定中心",
            "completed_on": "2025-05-20",
            "external_ref": f"{number}-{i}",
        }
        return client.post(
            f"/learners/{learners[i % 2]}/achievements", json=body, headers=inst["headers"]
        )

    responses = burst(8, post, server)
    assert _statuses(responses) == {201: 1, 409: 7}
    assert _codes(responses) == {"duplicate_certificate": 7}
    sql = "SELECT count(*) FROM achievement WHERE certificate_number = :n"
    assert server.count(sql, n=number) == 1
    _ledger_intact(server)


def test_40_concurrent_pin_guesses(server: Server) -> None:
    inst = _institution(server)
    learner = _learner(server, inst)
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        _ok(client.post(f"/learners/{learner}/courses", json=_course(0), headers=inst["headers"]))
        offer = _ok(
            client.post(f"/learners/{learner}/credential-offers", json={}, headers=server.admin)
        )
    query = httpx2.URL(offer["offer_uri"]).params["credential_offer"]
    code = json.loads(query)["grants"][PRE_AUTH]["pre-authorized_code"]
    wrong = f"{(int(offer['tx_code']) + 1) % 10**6:06d}"
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": code, "tx_code": wrong}
    responses = burst(40, lambda c, i: c.post("/oid4vci/token", data=form), server)
    assert _statuses(responses) == {400: 40}
    reasons = Counter(r.json().get("reason") for r in responses)
    assert reasons == {"wrong_tx_code": 5, "tx_code_locked": 35}, reasons
    sql = "SELECT tx_attempts FROM oid4vci_offer WHERE id = :id"
    assert server.count(sql, id=offer["offer_id"]) == 5
    tokens = "SELECT count(*) FROM oid4vci_access_token WHERE offer_id = :id"
    assert server.count(tokens, id=offer["offer_id"]) == 0


def _review_panel(server: Server) -> list[dict[str, str]]:
    """A review panel of three members; returns their request headers."""
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        members = []
        for category in ("education", "industry", "enterprise"):
            spec = {"name": f"委员 {category}", "category": category}
            members.append(_ok(client.post("/committee/members", json=spec, headers=server.admin)))
        ids = [m["id"] for m in members]
        panel = {"name": "并发评审组", "purpose": "review", "member_ids": ids}
        _ok(client.post("/committee/panels", json=panel, headers=server.admin))
    return [{"Authorization": f"Bearer {m['token']}"} for m in members]


def _pending_recognition(server: Server, inst: dict[str, Any], learner: int) -> dict[str, Any]:
    work = {
        "kind": "work_experience",
        "occupation_name": "工业机器人系统操作员",
        "months": 18,
        "employer": "并发智能装备有限公司",
        "attestation": "在职证明",
        "completed_on": "2025-02-28",
        "external_ref": f"CONC-WORK-{learner}",
    }
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        recorded = _ok(
            client.post(f"/learners/{learner}/achievements", json=work, headers=inst["headers"])
        )
    recognition: dict[str, Any] = recorded["recognition"]
    assert recognition["status"] == "pending_review"
    return recognition


def _open_case_of(server: Server, recognition: dict[str, Any]) -> dict[str, Any]:
    """The quality-review case opened when the recognition was recorded."""
    subject = f"recognition:{recognition['id']}"
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        for offset in range(0, 10_000, 200):
            page = _ok(
                client.get(
                    "/committee/cases",
                    params={"status": "open", "limit": 200, "offset": offset},
                    headers=server.admin,
                ),
                200,
            )
            found = [c for c in page["items"] if c["subject"] == subject]
            if found or not page["items"]:
                break
    assert len(found) == 1, f"no open case on {subject}"
    case: dict[str, Any] = found[0]
    return case


def test_8_concurrent_review_openings(server: Server) -> None:
    """The recording opened the case; 8 openings by hand at once all find it open."""
    inst = _institution(server, "enterprise")
    learner = _learner(server, inst)
    _review_panel(server)
    recognition = _pending_recognition(server, inst, learner)
    _open_case_of(server, recognition)
    path = f"/committee/recognitions/{recognition['id']}/review"
    responses = burst(8, lambda c, i: c.post(path, json={}, headers=server.admin), server)
    assert _statuses(responses) == {409: 8}
    assert _codes(responses) == {"conflict": 8}
    sql = "SELECT count(*) FROM committee_case WHERE subject = :s AND status = 'open'"
    assert server.count(sql, s=f"recognition:{recognition['id']}") == 1
    _ledger_intact(server)


def test_two_concurrent_imports_of_one_file(server: Server, tmp_path: Path) -> None:
    inst = _institution(server, "training_body")
    learners = [_learner(server, inst) for _ in range(3)]
    rows = ["learner_id,kind,title,course_type,hours,domain,grade,completed_on,external_ref"]
    rows += [
        f"{learners[n % 3]},course,导入课程 {n},theory,32,AM,合格,2024-06-30,IMP-{inst['id']}-{n}"
        for n in range(12)
    ]
    csv = tmp_path / "rows.csv"
    csv.write_text("\n".join(rows) + "\n", "utf-8")
    command = [CLI, "import", "achievements", str(csv), "--institution", inst["code"], "--json"]
    imports = [
        subprocess.Popen(
            command,
            env=server.env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in imports]
    assert [p.returncode for p in imports] == [0, 0], results
    statuses = Counter(
        json.loads(line)["status"] for out, _ in results for line in out.splitlines()
    )
    assert statuses == {"recorded": 12, "skipped": 12}, statuses
    sql = "SELECT count(*) FROM achievement WHERE institution_id = :id"
    assert server.count(sql, id=inst["id"]) == 12
    _ledger_intact(server)


def test_36_trainings_in_one_year_keep_the_yearly_cap(server: Server) -> None:
    """GE-LIFELONG caps a year at 10 credits: 36 trainings at once deposit exactly that."""
    inst = _institution(server, "training_body")
    learner = _learner(server, inst)

    def post(client: httpx2.Client, i: int) -> httpx2.Response:
        body = {
            "kind": "training",
            "hours": 40,
            "provider": f"并发培训学校 {i}",  # distinct, so only the yearly cap binds
            "completed_on": "2025-03-01",
            "external_ref": f"CONC-TRAIN-{learner}-{i}",
        }
        return client.post(f"/learners/{learner}/achievements", json=body, headers=inst["headers"])

    responses = burst(36, post, server)
    assert _statuses(responses) == {201: 36}
    total = "SELECT coalesce(sum(half_credits), 0) FROM ledger_entry WHERE learner_id = :id"
    assert server.count(total, id=learner) == 20
    assert server.count("SELECT count(*) FROM achievement WHERE learner_id = :id", id=learner) == 36
    _ledger_intact(server)


def test_three_votes_at_once_decide_the_case_once(server: Server) -> None:
    """The quorum is reached by votes cast at the same moment: one decision, one deposit."""
    inst = _institution(server, "enterprise")
    learner = _learner(server, inst)
    members = _review_panel(server)
    recognition = _pending_recognition(server, inst, learner)
    case = _open_case_of(server, recognition)
    votes = f"/committee/cases/{case['id']}/votes"
    responses = burst(
        3, lambda c, i: c.post(votes, json={"choice": "approve"}, headers=members[i]), server
    )
    assert _statuses(responses) == {201: 3}
    assert {r.json()["status"] for r in responses} <= {"open", "approve"}
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        decided = _ok(client.get(f"/committee/cases/{case['id']}", headers=server.admin), 200)
    assert decided["status"] == "approve"
    deposits = "SELECT count(*) FROM ledger_entry WHERE learner_id = :id AND kind = 'deposit'"
    assert server.count(deposits, id=learner) == 1
    _ledger_intact(server)


def test_8_disputes_of_one_entry_at_once_open_one_case(server: Server) -> None:
    """A learner who taps "dispute" eight times at once: one dispute and one committee case."""
    inst = _institution(server)
    learner = _learner(server, inst)
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        ids = []
        for category in ("education", "industry", "enterprise"):
            spec = {"name": f"仲裁委员 {category}", "category": category}
            ids.append(
                _ok(client.post("/committee/members", json=spec, headers=server.admin))["id"]
            )
        panel = {"name": "并发仲裁组", "purpose": "disputes", "member_ids": ids}
        _ok(client.post("/committee/panels", json=panel, headers=server.admin))
        path = f"/learners/{learner}/courses"
        entry = _ok(client.post(path, json=_course(0), headers=inst["headers"]))["entry"]
        headers = _learner_token(client, server, learner)
    grounds = {"ledger_entry_id": entry["id"], "grounds": "学时记录不完整，实际完成 48 学时"}
    path = f"/learners/{learner}/disputes"
    responses = burst(8, lambda c, i: c.post(path, json=grounds, headers=headers), server)
    assert _statuses(responses) == {201: 1, 409: 7}
    assert _codes(responses) == {"dispute_open": 7}
    assert server.count("SELECT count(*) FROM dispute WHERE learner_id = :id", id=learner) == 1
    case = "SELECT count(*) FROM committee_case WHERE subject = :s AND kind = 'dispute'"
    assert server.count(case, s=f"ledger_entry:{entry['id']}") == 1
    _ledger_intact(server)


def test_workers_start_from_inside_their_data_directory(tmp_path: Path) -> None:
    """Started with its working directory inside CREDITBANK_HOME, whose keys/ folder has
    the name of the keys package, every worker still imports the package and serves."""
    with running_server(tmp_path, "sqlite", workers=2, cwd_in_home=True) as server:
        assert (server.home / "keys").is_dir()
        with httpx2.Client(base_url=server.base_url, timeout=30) as client:
            for _ in range(8):  # the requests meet both workers
                assert client.get("/healthz").status_code == 200
                assert client.get("/trust-bundle").status_code == 200
