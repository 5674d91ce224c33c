"""``GET /trust-bundle`` and ``GET /v1`` at 1k and at 1M credentials, and the bundle's size.

A scratch SQLite installation is filled with synthetic credentials (1 % revoked, random
slots, 131,072 per list) straight through ``sqlite3`` — the rows the status scan reads,
without signing a million tokens. Each endpoint is asked ``ROUNDS`` times through the
app (FastAPI's TestClient, in-process, so the figures are the server's cost), after a
first request that publishes the bundle. Against the baseline of building the bundle
for the request, as every request did before the bundle was published
(``trust.build_trust_bundle``, the cost now paid once after a change), in the same run.
Target: ratio 1M / 1k ≤ 1.5 for both endpoints.

Sizes: the signed (complete) bundle; the verify page, which embeds the page bundle (keys,
issuers and a directory of the lists, docs/formats.md §3.6), raw and gzip; one list as the
page fetches it (``GET /v1/status-lists/{id}``) and all lists together; the critical path
of a first visit (page + the one list the credential names). At 1k and 1M credentials from
the database through the app, at 10M and 50M from documents built and signed over the same
number of synthetic lists (77 and 382, 1 % revoked each) — the documents themselves, not an
extrapolation.
"""

from __future__ import annotations

import contextlib
import gzip
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LIST_SIZE = 131_072
REVOKED_SHARE = 0.01
ROUNDS = 41
TARGET_RATIO = 1.5
SIZES = {"1k": 1_000, "1m": 1_000_000}
SCALES = {"10m": 10_000_000, "50m": 50_000_000}


def fill(database: Path, credentials: int, *, learner_id: int | None = None) -> None:
    """Add ``credentials`` synthetic credentials (1 % revoked) in lists of their own."""
    rng = random.Random(credentials)
    connection = sqlite3.connect(database)
    try:
        now = "2026-01-01 00:00:00.000000"
        if learner_id is None:
            connection.execute(
                "INSERT INTO learner (name, national_id_hmac, national_id_masked, created_at) "
                "VALUES ('基准学员', ?, '4101**********0000', ?)",
                ("f" * 64, now),
            )
            learner_id = int(connection.execute("SELECT max(id) FROM learner").fetchone()[0])
        lists = -(-credentials // LIST_SIZE)
        connection.executemany(
            "INSERT INTO status_list (id, size, next_seq, created_at) VALUES (?, ?, ?, ?)",
            [(f"bench-{k}", LIST_SIZE, LIST_SIZE, now) for k in range(lists)],
        )

        def rows() -> Any:
            for k in range(lists):
                count = min(LIST_SIZE, credentials - k * LIST_SIZE)
                slots = rng.sample(range(LIST_SIZE), count)
                for n, slot in enumerate(slots):
                    status = "revoked" if rng.random() < REVOKED_SHARE else "active"
                    yield (
                        f"bench-{k}-{n}",
                        "cbqr",
                        learner_id,
                        "x",
                        f"bench-{k}",
                        slot,
                        status,
                        now,
                    )

        connection.executemany(
            "INSERT INTO credential (jti, format, learner_id, token, status_list_id, "
            "status_index, status, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        connection.commit()
    finally:
        connection.close()


def _install(home: Path, credentials: int) -> Any:
    """A migrated, filled installation and its app."""
    from issuer.app import create_app
    from issuer.core import migrate
    from issuer.core.settings import Settings

    database = home / "creditbank.db"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        home=home,
        database_url=f"sqlite:///{database}",
    )
    migrate.upgrade(settings.db_url)
    fill(database, credentials)
    return create_app(settings)


def _alternating(calls: dict[str, Callable[[], Any]], rounds: int = ROUNDS) -> dict[str, float]:
    """Median ms of each call, asked in alternating rounds (load on the machine moves)."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - start) * 1e3)
    return {name: statistics.median(values) for name, values in times.items()}


def _measure(apps: dict[str, Any]) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from issuer.credentials.trust import build_trust_bundle

    figures: dict[str, Any] = {}
    calls: dict[str, Callable[[], Any]] = {}
    # The builds apart from the requests: a build's garbage must not land on a request.
    builds: dict[str, Callable[[], Any]] = {}
    with contextlib.ExitStack() as stack:
        for label, app in apps.items():
            client = stack.enter_context(TestClient(app))
            bundle, page = client.get("/trust-bundle"), client.get("/v1")
            assert bundle.status_code == page.status_code == 200
            figures[f"{label}_bundle_bytes"] = len(bundle.content)
            figures[f"{label}_page_bytes"] = len(page.content)
            figures[f"{label}_page_gzip_bytes"] = len(gzip.compress(page.content))
            lists = [client.get(e["url"]).content for e in _directory(app, page.text)]
            figures.update(_list_sizes(label, page.content, lists))
            etag = {"If-None-Match": bundle.headers["ETag"]}
            list_url = _directory(app, page.text)[0]["url"]

            def built(app: Any = app) -> None:
                with Session(app.state.engine) as session:
                    build_trust_bundle(session, app.state.keystore, app.state.settings)

            calls[f"{label}_bundle_ms"] = lambda c=client: c.get("/trust-bundle")
            calls[f"{label}_page_ms"] = lambda c=client: c.get("/v1")
            calls[f"{label}_list_ms"] = lambda c=client, u=list_url: c.get(u)
            calls[f"{label}_not_modified_ms"] = lambda c=client, h=etag: c.get(
                "/trust-bundle", headers=h
            )
            builds[f"{label}_built_ms"] = built
        for name, value in {**_alternating(calls), **_alternating(builds, 5)}.items():
            figures[name] = round(value, 2)
    return figures


def _directory(app: Any, page: str) -> list[dict[str, Any]]:
    """The list directory of the page bundle embedded in ``page``."""
    import json

    from verifier.formats import page_bundle

    block = page.partition('<script type="application/json" id="cb-config">')[2]
    text = json.loads(block.partition("</script>")[0])["bundle"]
    document = page_bundle.open_page_bundle(text, app.state.keystore.anchor_jwk())
    directory: list[dict[str, Any]] = document["list_directory"]
    return directory


def _list_sizes(label: str, page: bytes, lists: list[bytes]) -> dict[str, int]:
    """One (the first, full) list, all lists, and the first visit's page + one list."""
    one = lists[0]
    return {
        f"{label}_lists": len(lists),
        f"{label}_list_bytes": len(one),
        f"{label}_list_gzip_bytes": len(gzip.compress(one)),
        f"{label}_all_lists_bytes": sum(len(body) for body in lists),
        f"{label}_all_lists_gzip_bytes": sum(len(gzip.compress(body)) for body in lists),
        f"{label}_critical_path_bytes": len(page) + len(one),
        f"{label}_critical_path_gzip_bytes": len(gzip.compress(page)) + len(gzip.compress(one)),
    }


def _scaled_sizes(app: Any, credentials: int) -> dict[str, int]:
    """Bytes of a signed bundle, page and lists with the lists of ``credentials`` credentials."""
    from sqlmodel import Session

    from issuer.api.verify_page import PageTrust, render_page
    from issuer.credentials.trust import page_list_url, trust_document
    from verifier.formats import page_bundle, status_list, trust_bundle

    settings, keystore = app.state.settings, app.state.keystore
    rng = random.Random(credentials)
    with Session(app.state.engine) as session:
        document = trust_document(session, keystore, settings)
    lists = -(-credentials // LIST_SIZE)
    flagged = int(LIST_SIZE * REVOKED_SHARE)
    document["status_lists"] = [
        status_list.build(
            f"bench-{k}",
            settings.issuer_id,
            LIST_SIZE,
            dict.fromkeys(rng.sample(range(LIST_SIZE), flagged), status_list.REVOKED),
        ).to_json()
        for k in range(lists)
    ]
    text = trust_bundle.sign_bundle(document, keystore.anchor_signer())
    page_document, bodies = page_bundle.page_document(document, page_list_url)
    signed_page = page_bundle.sign_page_bundle(page_document, keystore.anchor_signer())
    page = render_page(PageTrust(signed_page, keystore.anchor_jwk(), 168)).encode()
    return {
        "bundle_bytes": len(text.encode()),
        "page_bytes": len(page),
        "page_gzip_bytes": len(gzip.compress(page)),
        **{
            key.removeprefix("x_"): value
            for key, value in _list_sizes("x", page, list(bodies.values())).items()
        },
    }


def run() -> dict[str, Any]:
    """Milliseconds per request at 1k and 1M credentials, their ratios, and the sizes."""
    homes = {label: Path(tempfile.mkdtemp(prefix="creditbank-bench-bundle-")) for label in SIZES}
    apps = {label: _install(homes[label], count) for label, count in SIZES.items()}
    try:
        measured = _measure(apps)
        for scale, count in SCALES.items():
            for key, value in _scaled_sizes(apps["1m"], count).items():
                measured[f"{scale}_{key}"] = value
    finally:
        for label, app in apps.items():
            app.state.engine.dispose()
            shutil.rmtree(homes[label], ignore_errors=True)
    figures = {f"trust_bundle_{name}": value for name, value in measured.items()}
    for name, key in (
        ("get", "bundle_ms"),
        ("v1", "page_ms"),
        ("list", "list_ms"),
        ("built", "built_ms"),
    ):
        ratio = measured[f"1m_{key}"] / measured[f"1k_{key}"]
        figures[f"trust_bundle_{name}_ratio_1m_1k"] = round(ratio, 2)
    figures["trust_bundle_target_ratio"] = TARGET_RATIO
    return figures


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:<42} {value}")
