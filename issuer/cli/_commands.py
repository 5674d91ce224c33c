"""Commands of ``creditbank``: serve, db, trust export, demo, seed-demo."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from uvicorn import Config
from uvicorn.supervisors import Multiprocess

from issuer.app import create_app
from issuer.cli import _worker
from issuer.cli._settings import ConfigError, load_settings, open_database, open_keystore
from issuer.core import migrate
from issuer.core.db import require_migrated
from issuer.core.errors import (
    CreditBankError,
    DatabaseNotMigrated,
    DatabaseUnreachable,
    DataDirectoryMissing,
)
from issuer.core.files import secure_home
from issuer.core.national_id import check_digit
from issuer.core.settings import Settings
from issuer.credentials import status_publication
from issuer.credentials.discovery import published_jwks
from issuer.credentials.qr_image import render_png
from issuer.credentials.trust import build_trust_bundle, published_trust_bundle
from issuer.demo import achievements, committee, transfers
from issuer.demo.credentials import write_demo_credentials
from issuer.demo.staff import DEMO_STAFF_PASSWORD, seed_staff
from issuer.demo.story import (
    DEMO_COURSES,
    DEMO_INSTITUTION,
    DEMO_PASSWORD,
    DemoError,
    DemoResult,
    Step,
    ok,
    run_story,
)
from issuer.demo.wallet_offer import write_demo_offer
from issuer.models import Institution, StatusList
from keys import KeysError
from verifier.formats import cbqr

Handler = Callable[[argparse.Namespace], int]


def guarded(handler: Handler, args: argparse.Namespace) -> int:
    """Run ``handler``, turning known errors into a message and an exit status."""
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"creditbank: {exc}", file=sys.stderr)
        return 2
    except (DatabaseNotMigrated, DatabaseUnreachable, DataDirectoryMissing) as exc:
        # The installation, not the request, is wrong: a usage/configuration exit status.
        print(f"creditbank: {exc.code}: {exc.detail}", file=sys.stderr)
        return 2
    except (CreditBankError, KeysError) as exc:
        code = getattr(exc, "code", "error")
        print(f"creditbank: {code}: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        # The database went away in the middle of a command (it answered at the start).
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection lost"
        print(
            f"creditbank: database_unreachable: {reason}; check the database server and retry",
            file=sys.stderr,
        )
        return 2
    except DemoError as exc:
        print(f"creditbank: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"creditbank: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 1


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def add_parsers(sub: Any) -> None:
    serve = sub.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="worker processes (default 1); they share the database and the data directory",
    )
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start `creditbank worker` beside the server (background jobs run elsewhere)",
    )
    serve.set_defaults(handler=cmd_serve)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate to the latest revision").set_defaults(
        handler=cmd_db_upgrade
    )
    db_sub.add_parser("current", help="show the database revision").set_defaults(
        handler=cmd_db_current
    )

    trust = sub.add_parser("trust", help="the signed trust bundle for offline verifiers")
    trust_sub = trust.add_subparsers(dest="trust_command", required=True)
    export = trust_sub.add_parser("export", help="write the signed trust bundle")
    export.add_argument("--out", required=True, type=Path, help="bundle file to write")
    export.add_argument("--anchor-out", type=Path, help="also write the anchor's public JWK")
    export.set_defaults(handler=cmd_trust_export)
    publish = trust_sub.add_parser(
        "publish",
        help="build the served trust bundle and status lists again where they changed or aged "
        "(run it from a timer, e.g. hourly, so no visitor waits for a build)",
    )
    publish.set_defaults(handler=cmd_trust_publish)

    demo = sub.add_parser("demo", help="run the demo story into a fresh directory")
    demo.add_argument("--out", required=True, type=Path, help="a new or empty directory")
    demo.set_defaults(handler=cmd_demo)

    seed = sub.add_parser("seed-demo", help="add the demo data to this installation once")
    seed.set_defaults(handler=cmd_seed_demo)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    open_database(settings, migrated=False).dispose()
    migrate.upgrade(settings.db_url)
    secure_home(settings.home)
    print(f"database at revision {migrate.current_revision(settings.db_url)}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    engine = open_database(load_settings(), migrated=False)
    try:
        require_migrated(engine)
        print(migrate.current_revision_of(engine))
    finally:
        engine.dispose()
    return 0


def export_trust(settings: Settings, out: Path, anchor_out: Path | None = None) -> None:
    """Write the signed trust bundle (and optionally the anchor JWK) for ``settings``."""
    engine = open_database(settings)
    keystore = open_keystore(settings)
    try:
        keystore.ensure_initialized()
        with Session(engine) as session:
            bundle = build_trust_bundle(session, keystore, settings)
    finally:
        engine.dispose()
    out.write_text(bundle + "\n", "utf-8")
    if anchor_out is not None:
        _write_json(anchor_out, keystore.anchor_jwk())


def cmd_trust_export(args: argparse.Namespace) -> int:
    settings = load_settings()
    export_trust(settings, args.out, args.anchor_out)
    print(f"wrote {args.out}" + (f" and {args.anchor_out}" if args.anchor_out else ""))
    return 0


def publish_all(settings: Settings) -> int:
    """Publish the bundle and every form of every status list; the number of documents."""
    engine = open_database(settings)
    keystore = open_keystore(settings)
    try:
        keystore.ensure_initialized()
        published_trust_bundle(engine, keystore, settings)
        with Session(engine) as session:
            lists = list(session.exec(select(StatusList.id)))
        forms: tuple[status_publication.ListForm, ...] = (
            "token",
            "bitstring",
            "revocation",
            "suspension",
        )
        for list_id in lists:
            for form in forms:
                status_publication.published_list(engine, settings, keystore, list_id, form)
    finally:
        engine.dispose()
    return 1 + len(lists) * len(forms)


def cmd_trust_publish(_args: argparse.Namespace) -> int:
    count = publish_all(load_settings())
    print(f"published {count} documents (built again only where they had changed or aged)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        print(f"creditbank: {out} is not empty; the demo needs a fresh directory", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    settings = load_settings(home=out, database_url=f"sqlite:///{out / 'creditbank.db'}")
    migrate.upgrade(settings.db_url)
    print(f"[1/4] database {out / 'creditbank.db'} migrated")
    result = run_story(settings, demo_steps(out))
    print(
        f"[2/4] institution, learner, {len(result.entry_ids)} course deposits "
        f"({result.account['balance']} credits), credential {result.credential['jti']} issued; "
        "Open Badges, CLR and SD-JWT VC credentials and a wallet offer issued"
    )
    qr_text = str(result.credential["qr_text"])
    (out / "credential-1.txt").write_text(qr_text + "\n", "ascii")
    (out / "credential-1.png").write_bytes(render_png(qr_text))
    recorded = result.extras["achievements"]
    pending = sum(1 for r in recorded if r["recognition"]["status"] == "pending_review")
    print(
        f"      every achievement kind recorded: {len(recorded)} "
        f"({pending} waiting for the committee's quality review)"
    )
    committee = result.extras["committee"]
    print(
        f"      committee: {len(committee['committee_members'])} members; "
        f"{committee['standard_approved']}; dispute {committee['dispute']['outcome']} "
        f"({committee['dispute']['credits']} credits); {committee['redemption']['pathway']} "
        f"redeemed, second attempt: {committee['redemption']['second_attempt']}"
    )
    transfers.demo_step(settings, out, result)
    print(
        "[3/4] certificate-1.pdf, credentials 2 and 3, a university transfer policy and the "
        "learner's transfer application to it written"
    )
    _seed_staff(settings)
    export_trust(settings, out / "trust-bundle.json", out / "trust-anchor.jwk")
    _write_json(out / "jwks.json", published_jwks(open_keystore(settings), settings))
    written = sorted(p.name for p in out.iterdir() if p.is_file() and p.suffix != ".db")
    print(f"[4/4] wrote to {out}: {', '.join(written)}")
    print(
        "verify offline:\n  creditbank-verify "
        f"{out / 'credential-1.png'} --trust {out / 'trust-bundle.json'} "
        f"--anchor {out / 'trust-anchor.jwk'}"
    )
    return 0


#: A second demo learner whose credits the committee story changes, so that the first
#: learner's credentials stay valid for the offline check.
SECOND_LEARNER_ID_BODY = "41010519880512234"


def _committee_story(client: TestClient, admin: dict[str, str], result: DemoResult) -> Any:
    institution = {"Authorization": f"Bearer {result.institution_api_key}"}
    national_id = SECOND_LEARNER_ID_BODY + check_digit(SECOND_LEARNER_ID_BODY)
    learner = ok(
        client.post(
            "/learners",
            json={"name": "李思远", "national_id": national_id, "password": DEMO_PASSWORD},
            headers=institution,
        ),
        "second learner",
    )
    course = {**DEMO_COURSES[0], "external_ref": "DEMO-AM-201"}
    ok(
        client.post(f"/learners/{learner['id']}/courses", json=course, headers=institution),
        "course",
    )
    return committee.demo_step(client, admin, int(learner["id"]), result.institution_id)


def demo_steps(out: Path) -> dict[str, Step]:
    """The steps after the core story; those that write files write them into ``out``."""
    return {
        "achievements": lambda client, admin, result: achievements.demo_step(
            client, {"Authorization": f"Bearer {result.institution_api_key}"}, result.learner_id
        ),
        "committee": _committee_story,
        "standard_credentials": lambda client, admin, result: write_demo_credentials(
            client, admin, result.learner_id, result.entry_ids, out
        ),
        "wallet_offer": lambda client, admin, result: write_demo_offer(
            client, admin, result.learner_id, out
        ),
    }


def _demo_present(settings: Settings) -> bool:
    engine = open_database(settings)
    try:
        with Session(engine) as session:
            code = DEMO_INSTITUTION["code"]
            return (
                session.exec(select(Institution).where(Institution.code == code)).first()
                is not None
            )
    finally:
        engine.dispose()


def _seed_staff(settings: Settings) -> None:
    """The demo organisation and staff, with their (demo only) sign-in secrets printed."""
    engine = open_database(settings)
    try:
        staff = seed_staff(engine, settings)
    finally:
        engine.dispose()
    _write_json(
        settings.home / "demo-staff.json",
        {
            "note": "development demo data; never use these credentials in production",
            "password": DEMO_STAFF_PASSWORD,
            "staff": staff,
        },
    )
    print(
        f"demo staff (demo only; password {DEMO_STAFF_PASSWORD}, "
        "TOTP secrets for an authenticator app):"
    )
    for member in staff:
        where = member["centre"] or member["institution"] or "all"
        print(
            f"  {member['login']:<12} {member['role']:<9} {where:<7} TOTP {member['totp_secret']}"
        )


def _save_demo(settings: Settings, result: DemoResult) -> Path:
    path = settings.home / "demo.json"
    _write_json(
        path,
        {
            "note": "development demo data; never use these credentials in production",
            "institution_id": result.institution_id,
            "institution_api_key": result.institution_api_key,
            "learner_id": result.learner_id,
            "credential_jti": result.credential["jti"],
            "qr_text": result.credential["qr_text"],
        },
    )
    return path


def cmd_seed_demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.env == "production":
        print(
            "creditbank: refusing to seed demo data with CREDITBANK_ENV=production", file=sys.stderr
        )
        return 1
    if _demo_present(settings) and (settings.home / "demo.json").exists():
        _refresh_demo(settings)
        print(f"demo data already present; links refreshed for {settings.verify_base_url}")
        return 0
    # The wallet offer goes into the data directory, for `creditbank-wallet receive`.
    result = run_story(settings, {"wallet_offer": demo_steps(settings.home)["wallet_offer"]})
    path = _save_demo(settings, result)
    (settings.home / "demo-credential.png").write_bytes(render_png(result.credential["qr_text"]))
    print(f"demo data seeded: learner {result.learner_id}, credential {result.credential['jti']}")
    print(f"demo institution API key and credential saved in {path}")
    _seed_staff(settings)
    return 0


def _refresh_demo(settings: Settings) -> None:
    """Point what the demo wrote at this server: its QR text and PNG, a new wallet offer.

    The credential itself does not name the server (only its QR text does), so it stays;
    the wallet offer names the credential issuer's URL, so a new one is made.
    """
    path = settings.home / "demo.json"
    info = json.loads(path.read_text("utf-8"))
    info["qr_text"] = cbqr.to_qr_text(cbqr.extract_jws(info["qr_text"]), settings.verify_base_url)
    _write_json(path, info)
    (settings.home / "demo-credential.png").write_bytes(render_png(info["qr_text"]))
    admin = {"Authorization": f"Bearer {settings.admin_token.get_secret_value()}"}
    with TestClient(create_app(settings), base_url=settings.verify_base_url) as client:
        write_demo_offer(client, admin, int(info["learner_id"]), settings.home)


def links_base(host: str, port: int) -> str:
    """The address people use for a server bound to ``host:port`` (a wildcard → loopback)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a comparison
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def refuse_port_in_use(host: str, port: int) -> None:
    """Raise :class:`ConfigError` when another process listens on ``host:port``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: with SO_REUSEADDR only a listening socket makes bind fail.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); stop the process "
                "that holds the port or choose another with --port"
            ) from None


def cmd_serve(args: argparse.Namespace) -> int:
    base = links_base(args.host, args.port)
    # Links, QR codes and wallet offers name the server actually served, unless the
    # operator set the public address (a reverse proxy, a domain name) explicitly.
    os.environ.setdefault("CREDITBANK_VERIFY_BASE_URL", base)
    settings = load_settings()
    # Built here once even with several workers: it refuses an un-migrated database and
    # creates the keys of a new installation before the workers start, so they never race.
    app = create_app(settings)
    refuse_port_in_use(args.host, args.port)
    print("creditbank is serving:")
    print(f"  start page      {base}/")
    if settings.docs_enabled:
        print(f"  API docs        {base}/docs")
    print(f"  health          {base}/healthz")
    print(f"  trust bundle    {base}/trust-bundle")
    demo = settings.home / "demo.json"
    if demo.exists():
        info = json.loads(demo.read_text("utf-8"))
        print(
            f"  learner portal  {base}/portal/sign-in  (account number {info['learner_id']}, "
            f"password {DEMO_PASSWORD})"
        )
        print(f"  verify page     {info['qr_text']}")
        if (settings.home / "demo-staff.json").exists():
            print(
                f"  staff console   {base}/console/sign-in  (demo logins, password and TOTP "
                f"secrets in {settings.home / 'demo-staff.json'}; demo only)"
            )
        print(f"  demo QR (PNG)   {settings.home / 'demo-credential.png'}")
        if (settings.home / "offer.txt").exists():
            print(f"  wallet offer    {settings.home / 'offer.txt'} (PIN in offer-pin.txt)")
        if settings.env != "production":
            token = settings.admin_token.get_secret_value()
            print(f"  admin requests need: Authorization: Bearer {token}  (development token)")
    sys.stdout.flush()
    # The background jobs' consumer runs in a process of its own (a thread here would share
    # the server's signals and database connections): started now, stopped when we stop.
    child = None if args.no_worker else _worker.start_child()
    try:
        _serve(app, args, settings)
    finally:
        if child is not None:
            _worker.stop_child(child)
    return 0


def _serve(app: Any, args: argparse.Namespace, settings: Settings) -> None:
    if args.workers == 1:
        uvicorn.run(app, host=args.host, port=args.port, log_level="info")
        return
    app.state.engine.dispose()
    # Each worker builds its own app from the environment: pin the data directory to an
    # absolute path so every worker finds the same one.
    os.environ["CREDITBANK_HOME"] = str(settings.home.resolve())
    config = _NoDelayConfig(
        "issuer.app:create_app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        # The supervisor kills a worker that does not answer its health check in time and
        # starts another, dropping the requests in flight. uvicorn's 5 s is shorter than a
        # busy machine's scheduling stalls (seen under load: workers killed mid-burst), so
        # only a worker silent for 30 s is taken for hung.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    # What uvicorn.run does for workers > 1, with the socket of _NoDelayConfig.
    Multiprocess(config, sockets=[config.bind_socket()]).run()


#: How long a worker may leave the supervisor's health check unanswered before it is
#: taken for hung, killed and replaced.
WORKER_HEALTHCHECK_SECONDS = 30


class _NoDelayConfig(Config):
    """uvicorn's settings, with ``TCP_NODELAY`` on the socket the workers share.

    With one worker uvicorn's own server sets ``TCP_NODELAY`` on each connection; with
    several the parent binds the socket and nobody does, so a response written in two
    parts waits for the client's delayed ACK: about 40 ms added to every request on a
    reused connection. Linux passes the option from the listening socket to every
    connection accepted from it.
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
