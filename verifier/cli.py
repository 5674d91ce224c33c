"""``creditbank-verify``: check a credit credential offline.

Exit status: 0 valid, 1 not valid, 2 unreadable input or bad usage. Never opens a
network connection; never ends in a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from verifier._detect import print_standard, verify_detected
from verifier._errors import InputError, TrustBundleError, VerificationError
from verifier._input import read_input
from verifier._trust import TrustBundle, age_in_words
from verifier._verify import VerifiedCredential
from verifier.usage import UsageParser

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog="creditbank-verify",
        description="Verify a creditbank credential offline against a signed trust bundle.",
        epilog="A university checking several credentials against its own acceptance policy: "
        "creditbank-verify transfer --help.",
    )
    parser.add_argument(
        "input",
        help="PNG/JPEG of the QR, a text file (QR string, JWS, OB/CLR JWT, SD-JWT), or -",
    )
    parser.add_argument("--trust", required=True, help="trust bundle file (trust-bundle.json)")
    parser.add_argument("--anchor", required=True, help="pinned trust-anchor public JWK file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--at", help="verify as of this ISO-8601 time instead of now")
    parser.add_argument(
        "--max-bundle-age",
        type=float,
        metavar="HOURS",
        help="refuse a trust bundle older than this many hours (stale_trust_bundle); "
        "default: until the bundle's next_update and 7 days after it",
    )
    parser.add_argument("--aud", help="SD-JWT presentations: the audience (this verifier)")
    parser.add_argument("--nonce", help="SD-JWT presentations: the nonce given to the holder")
    return parser


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--at {text!r} is not an ISO-8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _failure(error: VerificationError, age: int | None) -> dict[str, Any]:
    return {
        "valid": False,
        "error": error.code,
        "detail": error.detail,
        "issuer": None,
        "subject": None,
        "credits": None,
        "trust_bundle_age_seconds": age,
    }


def _print_text(result: VerifiedCredential) -> None:
    data = result.to_json()
    print("VALID — 真实有效")
    print(f"issuer 发证机构: {data['issuer']['name_zh']} / {data['issuer']['name_en']}")
    print(f"learner 学习者: {data['subject']['name']} ({data['subject']['masked_id']})")
    for entry in data["entries"]:
        inst = entry["institution_name_zh"] or entry["institution"]
        print(
            f"  {entry['credits']} credits 学分 · {entry['title']} · {entry['domain']} · "
            f"{inst} · {entry['date']} · {entry['standard']}"
        )
    print(f"total credits 总学分: {data['credits']}")
    print(f"trust bundle 信任包: {age_in_words(data['trust_bundle_age_seconds'])}")


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["transfer"]:  # the university's check (verifier/_cli_transfer.py)
        from verifier._cli_transfer import run as run_transfer

        return run_transfer(argv[1:])
    args = _parser().parse_args(argv)
    age: int | None = None
    try:
        now = _parse_time(args.at) if args.at else datetime.now(UTC)
    except ValueError as exc:
        print(f"creditbank-verify: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        max_age = None if args.max_bundle_age is None else timedelta(hours=args.max_bundle_age)
    except (ValueError, OverflowError):
        # nan, inf or 1e20 hours: argparse's float() takes them, timedelta does not.
        print(
            f"creditbank-verify: error: --max-bundle-age {args.max_bundle_age} is not usable",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        trust = TrustBundle.load(args.trust, args.anchor)
        age = int(trust.age(now).total_seconds())
        if max_age is None:
            max_age = trust.default_max_age()
        text = read_input(args.input, sys.stdin.buffer)
        result = verify_detected(
            text, trust, now=now, max_bundle_age=max_age, audience=args.aud, nonce=args.nonce
        )
    except VerificationError as error:
        unusable = error.unreadable or (
            isinstance(error, TrustBundleError) and error.code == "malformed_trust_bundle"
        )
        if args.json:
            print(json.dumps(_failure(error, age), ensure_ascii=False))
        else:
            print(f"NOT VALID — 无效: {error.code}: {error.detail}")
        return EXIT_USAGE if unusable or isinstance(error, InputError) else EXIT_INVALID
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    elif isinstance(result, VerifiedCredential):
        _print_text(result)
    else:
        print_standard(result)
    return EXIT_VALID


def main() -> NoReturn:
    """Console entry point."""
    # A terminal that cannot show Chinese must still get the verdict, not a traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        code = run()
    except KeyboardInterrupt:
        code = EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (``| head``): say nothing more, and keep Python from
        # complaining about the broken pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_USAGE
    sys.exit(code)
