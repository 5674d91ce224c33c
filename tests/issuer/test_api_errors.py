"""One test per error code, each asserting the code, and that failures write nothing."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.bank import ledger
from issuer.core import security
from issuer.core.settings import Settings
from issuer.models import utcnow
from tests.issuer.committee_factories import member, signed_in_learner
from tests.issuer.factories import (
    course,
    create_learner,
    new_code,
    new_national_id,
    problem,
    row_counts,
)
from tests.issuer.staff_factories import make_staff, make_unit

pytestmark = pytest.mark.db


def test_invalid_request_lists_field_errors_without_input(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    before = row_counts(engine)
    secret_id = new_national_id()
    response = client.post("/learners", json={"national_id": secret_id}, headers=admin)
    body = problem(response, 422, "invalid_request")
    assert any(err["loc"] == ["body", "name"] for err in body["errors"])
    assert secret_id not in response.text
    assert row_counts(engine) == before


def test_invalid_national_id(client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    before = row_counts(engine)
    bad = "11010519491231002Y"  # right shape, wrong check character
    response = client.post("/learners", json={"name": "李四", "national_id": bad}, headers=admin)
    body = problem(response, 422, "invalid_national_id")
    assert bad not in response.text
    assert body["detail"]
    assert row_counts(engine) == before


def test_learner_exists(client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    national_id = new_national_id()
    first = client.post(
        "/learners", json={"name": "王五", "national_id": national_id}, headers=admin
    )
    assert first.status_code == 201
    assert first.json()["national_id_masked"] == national_id[:4] + "*" * 10 + national_id[-4:]
    assert national_id not in first.text
    before = row_counts(engine)
    again = client.post(
        "/learners", json={"name": "王五", "national_id": national_id.lower()}, headers=admin
    )
    problem(again, 409, "learner_exists")
    assert national_id not in again.text
    assert row_counts(engine) == before


def test_institution_exists(client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    code = new_code("D")
    data = {
        "code": code,
        "name_zh": "某学院",
        "name_en": "Some College",
        "kind": "vocational_school",
    }
    assert client.post("/institutions", json=data, headers=admin).status_code == 201
    before = row_counts(engine)
    problem(client.post("/institutions", json=data, headers=admin), 409, "institution_exists")
    assert row_counts(engine) == before


def test_achievement_exists_per_institution(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
) -> None:
    learner = create_learner(client, admin)
    path = f"/learners/{learner['id']}/courses"
    ref = new_code("REF-")
    assert (
        client.post(path, json=course(external_ref=ref), headers=inst_a["headers"]).status_code
        == 201
    )
    before = row_counts(engine)
    problem(
        client.post(path, json=course(external_ref=ref), headers=inst_a["headers"]),
        409,
        "achievement_exists",
    )
    assert row_counts(engine) == before
    # Another institution's records have their own references.
    assert (
        client.post(path, json=course(external_ref=ref), headers=inst_b["headers"]).status_code
        == 201
    )


@pytest.mark.parametrize(
    "change",
    [
        {"hours": 0},
        {"hours": -16},
        {"course_type": "lab"},
        {"domain": "XX"},
        {"completed_on": "not a date"},
        {"title": ""},
    ],
)
def test_bad_course_writes_nothing(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    inst_a: dict[str, Any],
    change: dict[str, Any],
) -> None:
    learner = create_learner(client, admin)
    before = row_counts(engine)
    response = client.post(
        f"/learners/{learner['id']}/courses", json=course(**change), headers=inst_a["headers"]
    )
    problem(response, 422, "invalid_request")
    assert row_counts(engine) == before


def test_not_found(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    before = row_counts(engine)
    problem(client.get("/learners/999999999/account", headers=admin), 404, "not_found")
    problem(
        client.post("/learners/999999999/courses", json=course(), headers=inst_a["headers"]),
        404,
        "not_found",
    )
    problem(client.get("/credentials/nope/qr.png", headers=admin), 404, "not_found")
    problem(client.get("/no/such/route"), 404, "not_found")
    assert row_counts(engine) == before


def test_method_not_allowed(client: TestClient) -> None:
    problem(client.delete("/healthz"), 405, "method_not_allowed")


def test_unauthenticated_and_forbidden(client: TestClient, inst_a: dict[str, Any]) -> None:
    response = client.get("/learners/1/account")
    problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    problem(
        client.get("/learners/1/account", headers={"Authorization": "Bearer wrong"}),
        401,
        "unauthenticated",
    )
    problem(
        client.get("/learners/1/account", headers={"Authorization": "Bearer cbk_unknown"}),
        401,
        "unauthenticated",
    )
    problem(client.get("/learners/1/account", headers=inst_a["headers"]), 403, "forbidden")


def test_credential_errors(
    client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    owner = create_learner(client, admin)
    other = create_learner(client, admin)
    recorded = client.post(
        f"/learners/{owner['id']}/courses", json=course(), headers=inst_a["headers"]
    ).json()
    entry_id = recorded["entry"]["id"]
    with Session(engine) as session:
        adjustment = ledger.append(
            session,
            learner_id=owner["id"],
            kind="adjustment",
            half_credits=-1,
            domain="AM",
            standard="ADJ@1",
            rule="manual",
            explanation="更正 correction",
        )
        session.commit()
        adjustment_id = adjustment.id
    before = row_counts(engine)
    issue = f"/learners/{owner['id']}/credentials"
    problem(
        client.post(issue, json={"entry_ids": [adjustment_id]}, headers=admin),
        422,
        "not_recognised",
    )
    problem(client.post(issue, json={"entry_ids": [999999999]}, headers=admin), 404, "not_found")
    problem(
        client.post(
            f"/learners/{other['id']}/credentials", json={"entry_ids": [entry_id]}, headers=admin
        ),
        404,
        "not_found",
    )
    problem(
        client.post(issue, json={"entry_ids": [entry_id, entry_id]}, headers=admin),
        422,
        "invalid_request",
    )
    problem(client.post(issue, json={"entry_ids": []}, headers=admin), 422, "invalid_request")
    assert row_counts(engine) == before


def test_unexpected_error_is_a_bare_500(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/test-only/explode", explode)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/test-only/explode")
    finally:
        app.router.routes.pop()
    body = problem(response, 500, "internal_error")
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert body["detail"] == "an unexpected error occurred"
    assert "secret internals" in caplog.text


# -- hostile input on every route ---------------------------------------------------------
#
# The routes are enumerated from the app and their bodies from its OpenAPI document, so a
# new route gets these checks without being listed here. Each case asserts a 4xx
# problem+json with its code and that no row changed.

_UNKNOWN = "zz_unknown_field"
_HUGE = 2**63
# Routes whose errors follow another specification (OpenID4VCI answers with OAuth error
# objects, not problem+json): the guard's limits still apply to them, the schema checks not.
_OWN_ERROR_FORMAT = {"/oid4vci/token", "/oid4vci/credential", "/oid4vci/nonce"}


@dataclass(frozen=True)
class _Route:
    method: str
    path: str
    int_path_params: tuple[str, ...]
    path_params: tuple[str, ...]
    body: dict[str, Any] | None  # the JSON request body's schema, $refs resolved


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    if "anyOf" in schema:  # Model | None: the model
        schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        return _resolve(spec, schema)
    return schema


def _routes(app: FastAPI) -> list[_Route]:
    spec = app.openapi()
    found = []
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path_format
        if not isinstance(route, APIRoute) or path is None:
            continue
        if path.startswith("/console"):
            # Staff pages answer with pages and sign-in redirects, not problem+json; their
            # bounds are checked in tests/issuer/test_console_operator.py.
            continue
        for method in sorted(route.methods - {"HEAD"}):
            operation = spec["paths"].get(path, {}).get(method.lower(), {})
            params = [p for p in route.dependant.path_params]
            ints = tuple(p.name for p in params if p.field_info.annotation is int)
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            found.append(
                _Route(
                    method,
                    path,
                    ints,
                    tuple(p.name for p in params),
                    None if schema is None else _resolve(spec, schema),
                )
            )
    assert len(found) > 40  # the enumeration itself works
    return found


def _branches(spec: dict[str, Any], schema: dict[str, Any]) -> list[tuple[dict[str, Any], Any]]:
    """(object schema, body to start from) per branch of a discriminated union, or the one."""
    if "discriminator" in schema:
        field = schema["discriminator"]["propertyName"]
        return [
            (_resolve(spec, {"$ref": ref}), {field: value})
            for value, ref in sorted(schema["discriminator"]["mapping"].items())
        ]
    return [(schema, {})]


def _int_field(spec: dict[str, Any], schema: dict[str, Any]) -> tuple[list[str | int], Any]:
    """Where an integer goes in a body of ``schema`` (a path of keys), or ``([], None)``."""
    for name, prop in sorted(schema.get("properties", {}).items()):
        prop = _resolve(spec, prop)
        if prop.get("type") == "integer":
            return [name], None
        if prop.get("type") == "array":
            items = _resolve(spec, prop.get("items", {}))
            if items.get("type") == "integer":
                return [name, 0], None
            if items.get("type") == "object":
                inner, _ = _int_field(spec, items)
                if inner:
                    return [name, 0, *inner], None
    return [], None


def _put(body: dict[str, Any], where: list[str | int], value: Any) -> dict[str, Any]:
    node: Any = body
    for key, nxt in itertools.pairwise(where):
        if isinstance(key, int):
            while len(node) <= key:
                node.append({} if isinstance(nxt, str) else [])
        elif key not in node:
            node[key] = [] if isinstance(nxt, int) else {}
        node = node[key]
    last = where[-1]
    if isinstance(last, int):
        node.append(value)
    else:
        node[last] = value
    return body


@pytest.fixture(scope="module")
def callers(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
    settings: Settings,
) -> tuple[int, list[dict[str, str]]]:
    """A learner id for paths, and the credentials to try in turn on each route."""
    learner = signed_in_learner(client, admin)
    committee_member = member(client, admin, "education")
    centre = make_unit(engine, "province", None)
    reviewer = make_staff(engine, settings, "reviewer", centre_id=centre)
    staff = {"Authorization": f"Bearer {security.issue_staff_token(settings, reviewer.id)}"}
    headers = [admin, inst_a["headers"], committee_member["headers"], learner["headers"], staff]
    return learner["id"], headers


def _url(route: _Route, learner: int, **override: Any) -> str:
    url = route.path
    for name in route.path_params:
        value = override.get(name, learner if name == "learner_id" else 1)
        url = re.sub(r"\{" + name + r"(:[a-z]+)?\}", str(value), url)
    return url


def _send(
    client: TestClient, route: _Route, url: str, headers: list[dict[str, str]], **kwargs: Any
) -> Any:
    """The answer of the first caller the route lets through to validation."""
    response = None
    for caller in headers:
        response = client.request(route.method, url, headers=caller, **kwargs)
        if response.status_code not in (401, 403):
            return response
    return response


def _check(failures: list[str], route: _Route, response: Any, status: int, code: str) -> Any:
    what = f"{route.method} {route.path}: {response.status_code} {response.text[:300]}"
    if (
        response.status_code != status
        or not response.headers.get("content-type", "").startswith("application/problem+json")
        or response.json().get("code") != code
    ):
        failures.append(what)
        return None
    return response.json()


def _json_routes(app: FastAPI) -> list[_Route]:
    return [r for r in _routes(app) if r.body is not None and r.path not in _OWN_ERROR_FORMAT]


def test_every_route_refuses_an_unknown_field(
    app: FastAPI, client: TestClient, engine: Engine, callers: tuple[int, list[dict[str, str]]]
) -> None:
    learner_id, headers = callers
    spec, failures = app.openapi(), []
    before = row_counts(engine)
    routes = _json_routes(app)
    for route in routes:
        assert route.body is not None
        for _, start in _branches(spec, route.body):
            url = _url(route, learner_id)
            response = _send(client, route, url, headers, json={**start, _UNKNOWN: 1})
            body = _check(failures, route, response, 422, "invalid_request")
            if body is not None and _UNKNOWN not in response.text:
                failures.append(f"{route.method} {route.path}: the unknown field is not named")
    assert failures == []
    assert len(routes) >= 15
    assert row_counts(engine) == before


@pytest.mark.parametrize(
    ("value", "error_type"),
    [("16", "int_type"), (True, "int_type"), (16.5, "int_type"), (_HUGE, "less_than_equal")],
    ids=["string", "boolean", "float", "2^63"],
)
def test_every_integer_in_a_body_is_strict_and_bounded(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    callers: tuple[int, list[dict[str, str]]],
    value: Any,
    error_type: str,
) -> None:
    learner_id, headers = callers
    spec, failures, checked = app.openapi(), [], 0
    before = row_counts(engine)
    for route in _json_routes(app):
        assert route.body is not None
        for schema, start in _branches(spec, route.body):
            where, _ = _int_field(spec, schema)
            if not where:
                continue
            checked += 1
            body = _put(dict(start), where, value)
            response = _send(client, route, _url(route, learner_id), headers, json=body)
            problem_body = _check(failures, route, response, 422, "invalid_request")
            if problem_body is None:
                continue
            types = {e["type"] for e in problem_body["errors"] if e["loc"][-len(where) :] == where}
            if error_type not in types:
                failures.append(f"{route.method} {route.path} {where}: {problem_body['errors']}")
    assert failures == []
    assert checked >= 12
    assert row_counts(engine) == before


def test_every_integer_in_a_path_is_bounded(
    app: FastAPI, client: TestClient, engine: Engine, callers: tuple[int, list[dict[str, str]]]
) -> None:
    learner_id, headers = callers
    failures: list[str] = []
    before = row_counts(engine)
    routes = [r for r in _routes(app) if r.int_path_params]
    for route in routes:
        for name in route.int_path_params:
            url = _url(route, learner_id, **{name: _HUGE})
            response = _send(client, route, url, headers, json={})
            body = _check(failures, route, response, 422, "invalid_request")
            if body is not None and not any(e["loc"] == ["path", name] for e in body["errors"]):
                failures.append(f"{route.method} {route.path}: {name} not named")
    assert failures == []
    assert len(routes) >= 20
    assert row_counts(engine) == before


def _body_routes(app: FastAPI) -> list[_Route]:
    return [r for r in _routes(app) if r.method in {"POST", "PUT", "PATCH"}]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code", "error_type"),
    [
        (b'{"name": "a\\u0000b"}', "application/json", 422, "invalid_request", "nul_character"),
        (
            b"learner_id=1&password=a%00b",
            "application/x-www-form-urlencoded",
            422,
            "invalid_request",
            "nul_character",
        ),
        (b"[" * 1000 + b"]" * 1000, "application/json", 422, "invalid_request", "json_too_deep"),
        (
            b'{"a":' * 33 + b"1" + b"}" * 33,
            "application/json",
            422,
            "invalid_request",
            "json_too_deep",
        ),
        # Larger than what the guard measures inline: measured in a worker thread.
        (
            b"[" * 50_000 + b"]" * 50_000,
            "application/json",
            422,
            "invalid_request",
            "json_too_deep",
        ),
        (b'{"a": "' + b"x" * (1 << 20) + b'"}', "application/json", 413, "payload_too_large", None),
    ],
    ids=["nul-json", "nul-form", "deep-1000", "deep-33", "deep-100kb", "large-1mib"],
)
def test_every_route_with_a_body_refuses_hostile_bodies(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    callers: tuple[int, list[dict[str, str]]],
    content: bytes,
    content_type: str,
    status: int,
    code: str,
    error_type: str | None,
) -> None:
    learner_id, headers = callers
    failures: list[str] = []
    before = row_counts(engine)
    routes = _body_routes(app)
    for route in routes:
        # The guard answers before authentication: one caller is enough.
        response = client.request(
            route.method,
            _url(route, learner_id),
            content=content,
            headers={**headers[0], "Content-Type": content_type},
        )
        body = _check(failures, route, response, status, code)
        types = None if body is None else [e["type"] for e in body.get("errors", [])]
        if error_type is not None and types is not None and types != [error_type]:
            failures.append(f"{route.method} {route.path}: {body}")
    assert failures == []
    assert len(routes) >= 25
    assert row_counts(engine) == before


def test_a_streamed_body_is_cut_at_the_limit(client: TestClient, admin: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    response = client.post("/learners", content=chunks(), headers=admin)
    problem(response, 413, "payload_too_large")


def test_every_route_refuses_nul_in_the_path_and_query(
    app: FastAPI, client: TestClient, engine: Engine, callers: tuple[int, list[dict[str, str]]]
) -> None:
    learner_id, headers = callers
    failures: list[str] = []
    before = row_counts(engine)
    for route in _routes(app):
        url = _url(route, learner_id)
        response = client.request(route.method, url + "?q=a%00b", headers=headers[0])
        _check(failures, route, response, 422, "invalid_request")
        if route.path_params:
            name = route.path_params[-1]
            response = client.request(
                route.method, _url(route, learner_id, **{name: "a%00b"}), headers=headers[0]
            )
            _check(failures, route, response, 422, "invalid_request")
    assert failures == []
    assert row_counts(engine) == before


@pytest.mark.parametrize(
    "change",
    [
        {"completed_on": "9999-12-31"},
        {"completed_on": "2099-01-01"},
        {"completed_on": "0001-01-01"},
        {"completed_on": "1899-12-31"},
        {"hours": "16"},
        {"hours": True},
        {"hours": 2**63},
        {"title": 16},
        {"rogue": "field"},
    ],
)
def test_implausible_or_loosely_typed_achievements_write_nothing(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    inst_a: dict[str, Any],
    change: dict[str, Any],
) -> None:
    learner = create_learner(client, admin)
    before = row_counts(engine)
    for path, body in (
        ("courses", course(**change)),
        ("achievements", {**course(**change), "kind": "course"}),
    ):
        response = client.post(
            f"/learners/{learner['id']}/{path}", json=body, headers=inst_a["headers"]
        )
        errors = problem(response, 422, "invalid_request")["errors"]
        assert any(e["loc"][-1] in change for e in errors), errors
    assert row_counts(engine) == before


def test_plausible_dates_are_accepted(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner = create_learner(client, admin)
    for day in ("1900-01-01", utcnow().date().isoformat()):
        response = client.post(
            f"/learners/{learner['id']}/courses",
            json=course(completed_on=day),
            headers=inst_a["headers"],
        )
        assert response.status_code == 201, response.text


def test_every_integer_in_a_query_is_bounded(
    app: FastAPI, client: TestClient, callers: tuple[int, list[dict[str, str]]]
) -> None:
    learner_id, headers = callers
    spec, failures, checked = app.openapi(), [], 0
    for route in _routes(app):
        operation = spec["paths"].get(route.path, {}).get(route.method.lower(), {})
        for param in operation.get("parameters", []):
            if param["in"] != "query" or _resolve(spec, param["schema"]).get("type") != "integer":
                continue
            checked += 1
            url = f"{_url(route, learner_id)}?{param['name']}={_HUGE}"
            body = _check(
                failures, route, _send(client, route, url, headers), 422, "invalid_request"
            )
            if body is not None and ["query", param["name"]] not in [
                e["loc"] for e in body["errors"]
            ]:
                failures.append(f"{route.method} {route.path}: {param['name']} not named")
    assert failures == []
    assert checked >= 8
