"""``creditbank keys``: generate, list, rotate, retire and compromise keys."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from issuer.cli._settings import ConfigError, load_settings, open_installed_keystore
from keys import ALGORITHMS, BADGE_ALG, PROOF_ALG, KeyRecord


def add_parser(sub: Any) -> None:
    keys = sub.add_parser("keys", help="signing and trust-anchor keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)

    gen = keys_sub.add_parser("generate", help="create a key (pending if one is active)")
    gen.add_argument(
        "--alg", choices=ALGORITHMS, help="default: RS256 for badge, EdDSA for proof, else ES256"
    )
    gen.add_argument(
        "--purpose", choices=("signing", "badge", "proof", "anchor"), default="signing"
    )
    gen.set_defaults(handler=cmd_generate)

    lst = keys_sub.add_parser("list", help="list keys and their states")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_list)

    rot = keys_sub.add_parser("rotate", help="activate a new signing key, retire the old one")
    rot.add_argument("--alg", choices=ALGORITHMS, help="default: RS256 for badge, else ES256")
    rot.add_argument(
        "--purpose",
        choices=("signing", "badge"),
        default="signing",
        help="signing: QR, SD-JWT VC, status lists; badge: Open Badges / CLR JWTs",
    )
    rot.set_defaults(handler=cmd_rotate)

    ret = keys_sub.add_parser("retire", help="stop signing with a key")
    ret.add_argument("kid")
    ret.set_defaults(handler=cmd_retire)

    comp = keys_sub.add_parser("compromise", help="mark a key compromised since a moment")
    comp.add_argument("kid")
    comp.add_argument("--since", help="ISO-8601 time (default: now)")
    comp.set_defaults(handler=cmd_compromise)


def _show(record: KeyRecord) -> str:
    extra = ""
    if record.compromised_since:
        extra = f" since {record.compromised_since.isoformat()}"
    elif record.retired_at:
        extra = f" at {record.retired_at.isoformat()}"
    return f"{record.kid}  {record.alg:<6} {record.purpose:<8} {record.state}{extra}"


def _alg(args: argparse.Namespace) -> str:
    # Each purpose has its own default algorithm (docs/formats.md, algorithms).
    defaults = {"badge": BADGE_ALG, "proof": PROOF_ALG}
    return str(args.alg or defaults.get(args.purpose, "ES256"))


def cmd_generate(args: argparse.Namespace) -> int:
    record = open_installed_keystore(load_settings()).generate(_alg(args), args.purpose)
    print(_show(record))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    records = open_installed_keystore(load_settings()).records()
    if args.json:
        print(json.dumps([r.to_json() for r in records], indent=2))
    elif not records:
        print("no keys yet (they are created on first start, or with `creditbank keys generate`)")
    else:
        for record in records:
            print(_show(record))
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    keystore = open_installed_keystore(load_settings())
    print(_show(keystore.rotate(_alg(args), purpose=args.purpose)))
    return 0


def cmd_retire(args: argparse.Namespace) -> int:
    print(_show(open_installed_keystore(load_settings()).retire(args.kid)))
    return 0


def cmd_compromise(args: argparse.Namespace) -> int:
    since = datetime.now(UTC)
    if args.since:
        try:
            since = datetime.fromisoformat(args.since.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(f"--since {args.since!r} is not an ISO-8601 time") from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
    print(_show(open_installed_keystore(load_settings()).compromise(args.kid, since)))
    return 0
