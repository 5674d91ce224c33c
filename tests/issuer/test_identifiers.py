"""Canonical identifiers: one certificate, however it is spelt, is deposited once.

Property tests of :mod:`issuer.core.identifiers`, then the spellings that credited a
certificate again (trailing space, U+3000, zero-width spaces, lower case, full-width
digits) refused as ``duplicate_certificate`` on every path that stores one: the HTTP
achievements route and the CSV import; and the same for national IDs at registration.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from issuer.conversion.csv_import import import_achievements
from issuer.core import identifiers, national_id
from issuer.core.settings import Settings
from tests.issuer.factories import create_learner, new_code, new_national_id, problem, row_counts

# Full-width forms of ASCII letters, digits and the hyphen: NFKC maps each back.
_FULL_WIDTH = {chr(c): chr(c - 0x21 + 0xFF01) for c in range(0x21, 0x7F)}

Variant = Callable[[str], str]

VARIANTS: dict[str, Variant] = {
    "trailing space": lambda s: s + " ",
    "leading and trailing spaces": lambda s: f"  {s}\t",
    "ideographic space U+3000": lambda s: s + "\u3000",
    "ideographic space inside": lambda s: s[:2] + "\u3000" + s[2:],
    "zero-width space U+200B": lambda s: s[:1] + "\u200b" + s[1:],
    "byte-order mark U+FEFF": lambda s: "\ufeff" + s,
    "zero-width joiner U+200D": lambda s: s + "\u200d",
    "full-width characters": lambda s: "".join(_FULL_WIDTH.get(c, c) for c in s),
}
CASE_VARIANTS: dict[str, Variant] = {"lower case": str.lower}

certificate_numbers = st.from_regex(r"\A[A-Z0-9][A-Z0-9-]{3,30}\Z")
names = st.text(
    alphabet=st.sampled_from("某市职业技能鉴定中心培训评价组织ABCdef-·() 0123"),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() != "")
variant_names = st.sampled_from(sorted(VARIANTS))


# -- the canonical forms ------------------------------------------------------------------


@given(certificate_numbers, st.sampled_from(sorted(VARIANTS | CASE_VARIANTS)))
def test_every_spelling_of_a_certificate_number_has_one_form(number: str, variant: str) -> None:
    spelt = (VARIANTS | CASE_VARIANTS)[variant](number)
    assume(spelt != number)  # the lower case of an all-digit number is the number
    assert identifiers.certificate_number(spelt) == number


@given(names, variant_names)
def test_every_spelling_of_a_name_has_one_form(raw: str, variant: str) -> None:
    canonical = identifiers.name(raw)
    assert identifiers.name(VARIANTS[variant](raw)) == identifiers.name(
        VARIANTS[variant](canonical)
    )
    assert identifiers.name(VARIANTS[variant](canonical)) == canonical


@given(st.text(max_size=40))
def test_the_forms_are_idempotent_and_free_of_invisibles(raw: str) -> None:
    for form in (identifiers.certificate_number, identifiers.name, identifiers.national_id):
        once = form(raw)
        assert form(once) == once
        assert not {"\u200b", "\ufeff", "\u3000"} & set(once)
        assert once == unicodedata.normalize("NFKC", once)
        assert once == once.strip()


def test_names_keep_case_and_latin_word_spaces() -> None:
    assert identifiers.name("  Huawei\u3000Technologies ") == "HuaweiTechnologies"
    assert identifiers.name("Huawei  Technologies") == "Huawei Technologies"
    assert identifiers.name("某市 职业技能\u200b鉴定中心 ") == "某市职业技能鉴定中心"
    assert identifiers.name("Siemens 中国") == "Siemens中国"
    assert identifiers.name("huawei") != identifiers.name("HUAWEI")


@given(st.sampled_from(sorted(VARIANTS | CASE_VARIANTS)))
def test_every_spelling_of_a_national_id_is_one_number(variant: str) -> None:
    number = "11010519491231002X"
    spelt = (VARIANTS | CASE_VARIANTS)[variant](number)
    assert national_id.parse(spelt).hmac_hex(b"k") == national_id.parse(number).hmac_hex(b"k")


# -- HTTP: POST /learners/{id}/achievements ------------------------------------------------


def _vocational(number: str, body: str) -> dict[str, Any]:
    return {
        "kind": "vocational_cert",
        "occupation_name": "工业机器人系统运维员",
        "occupation_code": "6-31-01-10",
        "level": "四级",
        "certificate_number": number,
        "certifying_body": body,
        "completed_on": "2025-05-10",
    }


def _training(number: str, body: str) -> dict[str, Any]:
    return {
        "kind": "training",
        "hours": 20,
        "provider": body,
        "certificate_number": number,
        "completed_on": "2025-04-01",
    }


pytestmark = pytest.mark.db


@pytest.mark.parametrize("make", [_vocational, _training], ids=["vocational_cert", "training"])
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    number_variant=st.sampled_from(sorted(VARIANTS | CASE_VARIANTS)),
    body_variant=st.sampled_from(sorted(VARIANTS)),
)
def test_a_respelt_certificate_is_a_duplicate(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    make: Callable[[str, str], dict[str, Any]],
    number_variant: str,
    body_variant: str,
) -> None:
    number, body = f"CB-{new_code('N')}", f"某市职业技能鉴定中心{new_code('B')}"
    first = create_learner(client, admin)
    other = create_learner(client, admin)
    path = f"/learners/{first['id']}/achievements"
    assert client.post(path, json=make(number, body), headers=inst_a["headers"]).status_code == 201
    before = row_counts(engine)
    respelt = make((VARIANTS | CASE_VARIANTS)[number_variant](number), VARIANTS[body_variant](body))
    for learner, inst in ((first, inst_a), (other, inst_b)):
        response = client.post(
            f"/learners/{learner['id']}/achievements", json=respelt, headers=inst["headers"]
        )
        problem(response, 409, "duplicate_certificate")
    assert row_counts(engine) == before


def test_the_canonical_form_is_what_is_stored(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner = create_learner(client, admin)
    code = new_code("S")
    response = client.post(
        f"/learners/{learner['id']}/achievements",
        json=_vocational(f"ｃｂ－{code.lower()}\u200b ", f" 某市\u3000鉴定中心{code}\ufeff"),
        headers=inst_a["headers"],
    )
    assert response.status_code == 201, response.text
    achievement = response.json()["achievement"]
    assert achievement["certificate_number"] == f"CB-{code}"
    assert achievement["certifying_body"] == f"某市鉴定中心{code}"
    assert achievement["evidence"]["certificate_number"] == f"CB-{code}"


# -- the CSV import ------------------------------------------------------------------------


def test_a_respelt_certificate_in_an_import_is_a_duplicate(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    inst_a: dict[str, Any],
    tmp_path: Path,
) -> None:
    learner = create_learner(client, admin)
    number, body = f"CB-{new_code('C')}", f"某培训评价组织{new_code('B')}"
    spellings = [(number, body)] + [
        (VARIANTS[name](number) if i % 2 else number.lower(), VARIANTS[name](body))
        for i, name in enumerate(sorted(VARIANTS))
    ]
    path = tmp_path / "certificates.csv"
    fields = ["learner_id", "external_ref", *_vocational("", "")]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for i, (num, org) in enumerate(spellings):
            row = {"learner_id": learner["id"], "external_ref": new_code(f"R{i}-")}
            writer.writerow(row | _vocational(num, org))
    before = row_counts(engine)
    report = import_achievements(engine, settings, inst_a["code"], path)
    assert report.count("recorded") == 1
    assert [row.detail.split(":")[0] for row in report.bad] == ["duplicate_certificate"] * len(
        VARIANTS
    )
    assert row_counts(engine)["achievement"] == before["achievement"] + 1


# -- learner registration ------------------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(VARIANTS | CASE_VARIANTS))
def test_a_respelt_national_id_is_the_same_learner(
    client: TestClient, admin: dict[str, str], engine: Engine, variant: str
) -> None:
    number = new_national_id()
    first = client.post("/learners", json={"name": "赵六", "national_id": number}, headers=admin)
    assert first.status_code == 201, first.text
    before = row_counts(engine)
    again = client.post(
        "/learners",
        json={"name": "赵六", "national_id": (VARIANTS | CASE_VARIANTS)[variant](number)},
        headers=admin,
    )
    problem(again, 409, "learner_exists")
    assert row_counts(engine) == before
