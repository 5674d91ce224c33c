"""Qualification pathways: progress, eligibility with reasons, redemption, signed statement."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from issuer.bank import ledger, pathways, qualifications
from issuer.bank.qualifications import Pathway, Unit
from issuer.models import Achievement, Redemption
from keys import b64url, b64url_decode, load_public_jwk
from tests.issuer.committee_factories import panel, signed_in_learner, trio
from tests.issuer.factories import problem
from verifier import BadSignature, MalformedCredential
from verifier.formats import redemption as statement_format

pytestmark = pytest.mark.db

AM_ASSOC = qualifications.pathways()["AM-ASSOC"]


def _units(*spec: tuple[str, str, int]) -> list[Unit]:
    return [Unit(f"a:{i}", domain, kind, half) for i, (domain, kind, half) in enumerate(spec)]


# -- the selection, as a pure function ---------------------------------------------------


def test_shipped_pathways() -> None:
    found = qualifications.pathways()
    assert {"AM-ASSOC", "AI-BACH", "AG-ASSOC"} <= found.keys()
    assert AM_ASSOC.total == 160
    assert AM_ASSOC.minimums == {"AM": 90, "GE": 30}
    assert AM_ASSOC.non_academic_share == Fraction(1, 2)
    assert AM_ASSOC.non_academic_cap == 80
    assert found["AI-BACH"].total == 280


def test_academic_credits_meet_the_pathway() -> None:
    chosen, reasons = qualifications.select_units(
        AM_ASSOC, _units(("AM", "course", 100), ("GE", "course", 30), ("AI", "course", 40))
    )
    assert reasons == []
    assert sum(u.half_credits for u in chosen) == 170


def test_non_academic_share_is_capped() -> None:
    units = _units(("AM", "vocational_cert", 100), ("GE", "course", 30), ("AM", "training", 40))
    chosen, reasons = qualifications.select_units(AM_ASSOC, units)
    assert sum(u.half_credits for u in chosen if not u.academic) <= AM_ASSOC.non_academic_cap
    assert [r.code for r in reasons] == ["domain_minimum:AM", "total"]
    assert "非学历学习至多计入 40" in reasons[-1].zh
    assert "at most 40 from non-academic learning" in reasons[-1].en


def test_domain_minimum_reasons_in_both_languages() -> None:
    _, reasons = qualifications.select_units(
        AM_ASSOC, _units(("AM", "course", 200), ("GE", "course", 10))
    )
    assert [r.code for r in reasons] == ["domain_minimum:GE"]
    # The domain is named in words, never by its code.
    assert reasons[0].zh == "通用领域学分 5，至少需要 15"
    assert reasons[0].en == "5 credits in General, at least 15 needed"


def test_selection_is_deterministic_and_prefers_academic() -> None:
    units = _units(("AM", "award", 90), ("AM", "course", 90), ("GE", "course", 30))
    first, _ = qualifications.select_units(AM_ASSOC, units)
    again, _ = qualifications.select_units(AM_ASSOC, list(reversed(units)))
    assert first == again
    assert first[0].kind == "course"


def test_half_credits_in_definitions() -> None:
    pathway = pathways.load(
        {
            "id": "X",
            "level": "associate",
            "level_zh": "专科",
            "title_zh": "x",
            "title_en": "x",
            "total_credits": 10.5,
            "max_non_academic_share": "1/3",
        }
    )
    assert isinstance(pathway, Pathway)
    assert pathway.total == 21
    with pytest.raises(ValueError, match="half"):
        pathways.load({**pathway.__dict__, "total_credits": 10.25})


# -- through the API ----------------------------------------------------------------------


def _credit(
    engine: Engine, inst: dict[str, Any], learner_id: int, domain: str, kind: str, half: int
) -> None:
    """An achievement of ``kind`` and its deposit, written directly for speed."""
    with Session(engine) as session:
        achievement = Achievement(
            learner_id=learner_id,
            institution_id=inst["id"],
            kind=kind,
            title=f"{domain} {kind}",
            domain=domain,
            completed_on=date(2025, 1, 1),
        )
        session.add(achievement)
        session.flush()
        ledger.append(
            session,
            learner_id=learner_id,
            kind="deposit",
            half_credits=half,
            domain=domain,
            standard="AM-VOC@1",
            rule="test",
            explanation="test deposit",
            achievement_id=achievement.id,
        )
        session.commit()


def _eligible_learner(
    client: TestClient, admin: dict[str, str], engine: Engine, inst: dict[str, Any]
) -> dict[str, Any]:
    learner = signed_in_learner(client, admin)
    _credit(engine, inst, learner["id"], "AM", "course", 60)
    _credit(engine, inst, learner["id"], "AM", "vocational_cert", 40)
    _credit(engine, inst, learner["id"], "GE", "course", 30)
    _credit(engine, inst, learner["id"], "AI", "online_course", 40)
    return learner


def test_progress_and_redemption(
    client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    learner = _eligible_learner(client, admin, engine, inst_a)
    base = f"/learners/{learner['id']}"
    progress = {
        p["pathway_id"]: p
        for p in client.get(f"{base}/qualifications", headers=learner["headers"]).json()
    }
    am = progress["AM-ASSOC"]
    assert am["eligible"] is True and am["reasons"] == []
    assert am["counted_credits"] == 85
    assert am["non_academic_credits"] == 40
    assert progress["AI-BACH"]["eligible"] is False
    assert {r["code"] for r in progress["AI-BACH"]["reasons"]} == {
        "domain_minimum:AI",
        "domain_minimum:GE",
        "total",
    }

    response = client.post(
        f"{base}/qualifications/AM-ASSOC/redemptions", headers=learner["headers"]
    )
    assert response.status_code == 201, response.text
    redemption = response.json()
    assert redemption["credits"] == 85
    assert len(redemption["ledger_entry_ids"]) == 3  # AI, AM, GE

    public, alg = _statement_key(client, redemption["statement"])
    claims = statement_format.decode(redemption["statement"], public, alg)
    assert claims["pathway"]["id"] == "AM-ASSOC"
    assert claims["credits"] == 85
    assert claims["ledger"] == redemption["ledger_entry_ids"]
    assert claims["nid"].count("*") >= 10

    account = client.get(f"{base}/account", headers=learner["headers"]).json()
    assert account["balance"] == 0
    assert {e["kind"] for e in account["entries"][-3:]} == {"redemption"}
    with Session(engine) as session:
        ledger.verify_chain(session, learner["id"])

    problem(
        client.post(f"{base}/qualifications/AM-ASSOC/redemptions", headers=learner["headers"]),
        409,
        "already_redeemed",
    )
    # The same credits cannot count toward a second qualification.
    problem(
        client.post(f"{base}/qualifications/AG-ASSOC/redemptions", headers=learner["headers"]),
        409,
        "insufficient_credits",
    )
    after = {p["pathway_id"]: p for p in client.get(f"{base}/qualifications", headers=admin).json()}
    assert after["AM-ASSOC"]["redeemed"] is True
    assert after["AG-ASSOC"]["counted_credits"] == 0
    # Redeemed credits can no longer be disputed.
    members = trio(client, admin)
    panel(client, admin, "disputes", members)
    redeemed_entry = next(e for e in account["entries"] if e["kind"] == "deposit")
    response = client.post(
        f"{base}/disputes",
        json={"ledger_entry_id": redeemed_entry["id"], "grounds": "grounds long enough"},
        headers={**learner["headers"], "Accept-Language": "en"},
    )
    assert "redeemed" in problem(response, 409, "conflict")["detail"]
    listed = client.get(f"{base}/redemptions", headers=learner["headers"]).json()
    assert [r["id"] for r in listed["items"]] == [redemption["id"]]
    assert listed["total"] == 1


def _statement_key(client: TestClient, statement: str) -> Any:
    """The published key the statement's header names (earlier tests may add keys)."""
    kid = json.loads(b64url_decode(statement.split(".")[0]))["kid"]
    (jwk,) = [k for k in client.get("/.well-known/jwks.json").json()["keys"] if k["kid"] == kid]
    return load_public_jwk(jwk)


def test_tampered_statement_fails_verification(
    client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    learner = _eligible_learner(client, admin, engine, inst_a)
    statement = client.post(
        f"/learners/{learner['id']}/qualifications/AM-ASSOC/redemptions", headers=admin
    ).json()["statement"]
    head, _body, sig = statement.split(".")
    claims = statement_format.unverified_claims(statement)
    claims["credits"] = 160
    forged = f"{head}.{b64url(json.dumps(claims).encode())}.{sig}"
    public, alg = _statement_key(client, statement)
    with pytest.raises(BadSignature):
        statement_format.decode(forged, public, alg)


def test_insufficient_credits(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    learner = signed_in_learner(client, admin)
    _credit(engine, inst_a, learner["id"], "AM", "course", 10)
    body = problem(
        client.post(
            f"/learners/{learner['id']}/qualifications/AM-ASSOC/redemptions",
            headers=learner["headers"],
        ),
        409,
        "insufficient_credits",
    )
    assert "at least 45 needed" in body["detail"]
    problem(
        client.post(
            f"/learners/{learner['id']}/qualifications/NOPE/redemptions", headers=learner["headers"]
        ),
        404,
        "not_found",
    )


def test_idempotent_redemption(
    client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    learner = _eligible_learner(client, admin, engine, inst_a)
    path = f"/learners/{learner['id']}/qualifications/AM-ASSOC/redemptions"
    headers = {**learner["headers"], "Idempotency-Key": "redeem-1"}
    first = client.post(path, headers=headers)
    again = client.post(path, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    with Session(engine) as session:
        count = session.exec(
            select(func.count())
            .select_from(Redemption)
            .where(col(Redemption.learner_id) == learner["id"])
        ).one()
    assert count == 1


def test_pathways_are_public_and_progress_is_private(
    client: TestClient, admin: dict[str, str]
) -> None:
    listed = client.get("/qualifications").json()
    am = next(p for p in listed if p["id"] == "AM-ASSOC")
    assert am["level_zh"] == "专科" and am["total_credits"] == 80
    assert am["requirements"] == {"AM": 45, "GE": 15}
    alice, bob = signed_in_learner(client, admin), signed_in_learner(client, admin)
    problem(
        client.get(f"/learners/{alice['id']}/qualifications", headers=bob["headers"]),
        403,
        "forbidden",
    )
    problem(
        client.post(
            f"/learners/{alice['id']}/qualifications/AM-ASSOC/redemptions", headers=bob["headers"]
        ),
        403,
        "forbidden",
    )


def test_statement_decoder_checks_typ_and_alg(client: TestClient) -> None:
    public, alg = load_public_jwk(client.get("/.well-known/jwks.json").json()["keys"][0])
    other_typ = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    with pytest.raises(MalformedCredential, match="typ"):
        statement_format.decode(f"{other_typ}.e30.AAAA", public, alg)
    other_alg = b64url(json.dumps({"alg": "none", "typ": statement_format.TYP}).encode())
    with pytest.raises(MalformedCredential, match="algorithm"):
        statement_format.decode(f"{other_alg}.e30.AAAA", public, alg)
