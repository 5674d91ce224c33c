"""``creditbank-wallet``: the reference holder's command line.

    creditbank-wallet receive OFFER_URI [--pin PIN]
    creditbank-wallet list
    creditbank-wallet show ID
    creditbank-wallet present ID --disclose name,credits --aud AUD --nonce NONCE
    creditbank-wallet present ID --disclose name,entries --request 'creditbank-present:?…'
    creditbank-wallet key

The wallet lives in ``--home`` (``CREDITBANK_WALLET_HOME``, default ``~/.creditbank-wallet``),
encrypted with the passphrase from ``CREDITBANK_WALLET_PASSPHRASE`` or a prompt.
Exit status: 0 success, 1 the operation failed (issuer refused, unknown credential…),
2 bad usage, unreadable input or wrong passphrase. ``--json`` prints machine-readable output.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verifier import VerificationError
from verifier.formats import jws
from wallet._client import parse_offer
from wallet._errors import BadPassphrase, BadUsage, WalletError
from wallet._present import claims_of, disclosable_names
from wallet._request import parse_request
from wallet._store import StoredCredential, WalletStore
from wallet._wallet import present_credential, receive_into

__all__ = ["main"]

PASSPHRASE_ENV = "CREDITBANK_WALLET_PASSPHRASE"  # noqa: S105 - the variable name, no secret
HOME_ENV = "CREDITBANK_WALLET_HOME"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="creditbank-wallet", description="creditbank reference wallet (OpenID4VCI, SD-JWT VC)"
    )
    parser.add_argument("--home", type=Path, help=f"wallet directory (default ${HOME_ENV})")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("receive", help="receive the credentials of an OpenID4VCI offer")
    rec.add_argument("offer_uri", metavar="OFFER_URI")
    rec.add_argument(
        "--pin", help="the transaction code shown with the offer (asked for when omitted)"
    )
    sub.add_parser("list", help="list the stored credentials")
    show = sub.add_parser("show", help="show one credential's claims")
    show.add_argument("id", metavar="ID")
    pres = sub.add_parser("present", help="print an SD-JWT presentation with a KB-JWT")
    pres.add_argument("id", metavar="ID")
    pres.add_argument("--disclose", required=True, help="comma-separated claim names")
    pres.add_argument("--aud", help="the verifier (KB-JWT audience)")
    pres.add_argument("--nonce", help="the verifier's nonce")
    pres.add_argument(
        "--request",
        help="the verifier's request link (creditbank-present:?aud=…&nonce=…&exp=…), "
        "instead of --aud and --nonce",
    )
    sub.add_parser("key", help="print the holder's public JWK")
    return parser


def _home(args: argparse.Namespace) -> Path:
    if args.home is not None:
        return Path(args.home)
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".creditbank-wallet")


def _passphrase() -> bytes:
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        if not sys.stdin.isatty():
            raise BadPassphrase(f"set {PASSPHRASE_ENV} or run in a terminal to be asked")
        value = getpass.getpass("wallet passphrase: ")
    if not value:
        raise BadPassphrase("the wallet passphrase must not be empty")
    return value.encode("utf-8")


def _needs_pin(offer_uri: str) -> bool:
    try:
        return parse_offer(offer_uri).tx_code is not None
    except WalletError:
        return False  # receiving reports the problem with the offer


def _summary(item: StoredCredential) -> dict[str, Any]:
    return {
        "id": item.id,
        "format": item.format,
        "configuration_id": item.configuration_id,
        "issuer": item.issuer,
        "received_at": item.received_at,
    }


def _claims(item: StoredCredential) -> dict[str, Any]:
    if item.format == "dc+sd-jwt":
        return {
            "claims": claims_of(item.credential),
            "disclosable": disclosable_names(item.credential),
        }
    try:
        payload = jws.loads(jws.split(item.credential).payload)
    except (VerificationError, ValueError):
        raise BadUsage(f"credential {item.id} cannot be read") from None
    return {"claims": payload, "disclosable": []}


def _audience_and_nonce(args: argparse.Namespace, now: Any) -> tuple[str, str]:
    if args.request is not None:
        if args.aud is not None or args.nonce is not None:
            raise BadUsage("give --request, or --aud and --nonce, not both")
        request = parse_request(args.request, now)
        return request.audience, request.nonce
    if not args.aud or not args.nonce:
        raise BadUsage("give --aud and --nonce, or the verifier's --request link")
    return str(args.aud), str(args.nonce)


def _run(args: argparse.Namespace, out: Any) -> None:
    from datetime import UTC, datetime

    store = WalletStore(_home(args), _passphrase())
    now = datetime.now(UTC)
    if args.command == "receive":
        pin = args.pin
        if pin is None and sys.stdin.isatty() and _needs_pin(args.offer_uri):
            pin = getpass.getpass("PIN shown with the offer: ")
        added = receive_into(store, args.offer_uri, tx_code=pin, now=now)
        rows = [_summary(item) for item in added]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False), file=out)
        else:
            for row in rows:
                print(
                    f"received {row['id']}: {row['format']} ({row['configuration_id']})", file=out
                )
    elif args.command == "list":
        rows = [_summary(item) for item in store.credentials]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False), file=out)
        else:
            for row in rows:
                print(
                    f"{row['id']}\t{row['format']}\t{row['issuer']}\t{row['received_at']}", file=out
                )
    elif args.command == "show":
        item = store.get(args.id)
        print(
            json.dumps({**_summary(item), **_claims(item)}, ensure_ascii=False, indent=2), file=out
        )
    elif args.command == "present":
        fields = [name for name in args.disclose.split(",") if name.strip()]
        audience, nonce = _audience_and_nonce(args, now)
        presentation = present_credential(
            store, args.id, fields, audience=audience, nonce=nonce, now=now
        )
        if args.json:
            print(json.dumps({"presentation": presentation}), file=out)
        else:
            print(presentation, file=out)
    elif args.command == "key":
        jwk = store.holder.public_jwk()
        if not store.path.exists():
            store.save()
        print(json.dumps(jwk), file=out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (errors are messages, never tracebacks)."""
    args = _parser().parse_args(argv)
    try:
        _run(args, sys.stdout)
    except WalletError as exc:
        if args.json:
            print(json.dumps({"error": exc.code, "message": str(exc)}), file=sys.stderr)
        else:
            print(f"creditbank-wallet: {exc.code}: {exc}", file=sys.stderr)
        return exc.exit_status
    except OSError as exc:
        print(f"creditbank-wallet: io_error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("creditbank-wallet: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
