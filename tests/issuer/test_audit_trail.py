"""The readable audit trail: what is recorded, the filters, the CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.issuer.committee_factories import deposit, signed_in_learner
from tests.issuer.factories import create_institution, new_national_id, problem, with_consent
from tests.issuer.test_certificate import issue_credential

pytestmark = pytest.mark.db


def _trail(client: TestClient, admin: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/audit", params={"limit": 200, **params}, headers=admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_institution_learner_issuance_transfer_and_revocation_are_readable(
    client: TestClient, admin: dict[str, str]
) -> None:
    school = create_institution(client, admin)
    university = create_institution(client, admin)
    (created,) = _trail(client, admin, subject=f"institution:{school['code']}")
    assert (created["actor"], created["action"]) == ("admin", "institution.create")
    assert created["details"]["kind"] == "university"
    assert "api_key" not in str(created)

    national_id = new_national_id()
    learner = client.post(
        "/learners", json={"name": "李四光", "national_id": national_id}, headers=school["headers"]
    ).json()
    (opened,) = _trail(client, admin, subject=f"learner:{learner['id']}")
    assert (opened["actor"], opened["action"]) == (
        f"institution:{school['code']}",
        "learner.create",
    )
    # Neither the name nor the number reaches the trail.
    assert national_id not in str(opened) and "李四光" not in str(opened)

    _, cred = issue_credential(client, admin, school, learner=learner)
    (issued,) = _trail(client, admin, subject=f"credential:{cred['jti']}")
    assert (issued["actor"], issued["action"]) == ("admin", "credential.issue")
    assert issued["details"]["format"] == "cbqr"
    assert issued["details"]["learner_id"] == learner["id"]

    body = {
        "items": [{"jti": cred["jti"], "position": 0}],
        "policy": "示范大学 2026",
        "reference": "ZJ-2026-7",
    }
    moved = client.post(
        "/transfers",
        json=with_consent(client, admin, learner, university, body),
        headers=university["headers"],
    )
    assert moved.status_code == 201, moved.text
    # The learner is the subject: the trail of their account shows the consent used.
    (recorded,) = _trail(
        client, admin, subject=f"learner:{learner['id']}", action="transfer.record"
    )
    assert recorded["details"]["transfer_id"] == moved.json()["id"]
    assert recorded["actor"] == f"institution:{university['code']}"
    assert recorded["action"] == "transfer.record"
    assert recorded["reason"] == "示范大学 2026" and recorded["case"] == "reference:ZJ-2026-7"

    revoked = client.post(
        f"/credentials/{cred['jti']}/status",
        json={"status": "revoked", "reason": "证书信息录入错误 / entered wrongly"},
        headers=admin,
    )
    assert revoked.status_code == 200, revoked.text
    events = _trail(client, admin, subject=f"credential:{cred['jti']}", action="credential.revoked")
    assert [e["reason"] for e in events] == ["证书信息录入错误 / entered wrongly"]
    assert events[0]["details"] == {"from": "active", "to": "revoked", "format": "cbqr"}
    # A family of actions: every credential action on this credential.
    family = _trail(client, admin, subject=f"credential:{cred['jti']}", action="credential.")
    assert [e["action"] for e in family] == ["credential.issue", "credential.revoked"]


def test_filters_by_actor_and_date(client: TestClient, admin: dict[str, str]) -> None:
    school = create_institution(client, admin)
    client.post(
        "/learners",
        json={"name": "王五", "national_id": new_national_id()},
        headers=school["headers"],
    )
    mine = _trail(client, admin, actor=f"institution:{school['code']}")
    assert [e["action"] for e in mine] == ["learner.create"]
    day = mine[0]["at"][:10]
    assert _trail(client, admin, actor=f"institution:{school['code']}", **{"from": day, "to": day})
    assert not _trail(client, admin, actor=f"institution:{school['code']}", **{"to": "2020-01-01"})


@pytest.mark.parametrize(
    "params",
    [{"from": "2026-13-01"}, {"to": "yesterday"}, {"from": "2026-03-02", "to": "2026-03-01"}],
)
def test_bad_dates_are_invalid_filter(
    client: TestClient, admin: dict[str, str], params: dict[str, str]
) -> None:
    problem(client.get("/audit", params=params, headers=admin), 422, "invalid_filter")
    problem(client.get("/audit.csv", params=params, headers=admin), 422, "invalid_filter")


def test_csv_export_has_bom_columns_and_defused_formulas(
    client: TestClient, admin: dict[str, str]
) -> None:
    school = create_institution(client, admin)
    learner = client.post(
        "/learners",
        json={"name": "赵六", "national_id": new_national_id()},
        headers=school["headers"],
    ).json()
    _, cred = issue_credential(client, admin, school, learner=learner)
    client.post(
        f"/credentials/{cred['jti']}/status",
        json={"status": "suspended", "reason": '=HYPERLINK("x") 待核实'},
        headers=admin,
    )
    response = client.get(
        "/audit.csv", params={"subject": f"credential:{cred['jti']}"}, headers=admin
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "id",
        "at",
        "actor",
        "action",
        "subject",
        "summary",
        "reason",
        "case",
        "details",
        "payload_hash",
    ]
    assert [r[3] for r in rows[1:]] == ["credential.issue", "credential.suspended"]
    assert rows[2][6] == '\'=HYPERLINK("x") 待核实'
    problem(client.get("/audit.csv", headers=school["headers"]), 403, "forbidden")


def test_vc_issuance_is_audited_with_its_format_and_caller(
    client: TestClient, admin: dict[str, str]
) -> None:
    school = create_institution(client, admin)
    learner = signed_in_learner(client, admin)
    entry = deposit(client, school, learner["id"])
    response = client.post(
        f"/learners/{learner['id']}/credentials/ob3",
        json={"entry_id": entry["id"]},
        headers=learner["headers"],
    )
    assert response.status_code == 201, response.text
    (issued,) = _trail(client, admin, subject=f"credential:{response.json()['jti']}")
    assert (issued["actor"], issued["action"]) == (f"learner:{learner['id']}", "credential.issue")
    assert issued["details"] == {
        "format": "ob3+jwt",
        "learner_id": learner["id"],
        "entry_ids": [entry["id"]],
    }


def test_unauthenticated_is_refused_before_filters_are_read(client: TestClient) -> None:
    problem(client.get("/audit", params={"from": "bad"}), 401, "unauthenticated")
