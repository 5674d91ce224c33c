"""``creditbank ledger verify``: check every account's hash chain."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from issuer.bank.ledger_check import verify_all
from issuer.cli._settings import load_settings, open_database
from issuer.core.errors import LedgerCorrupt


def add_parser(sub: Any) -> None:
    ledger = sub.add_parser("ledger", help="the hash-chained ledger")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True)
    verify = ledger_sub.add_parser(
        "verify", help="check every chain; exit 1 naming the first broken entry"
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.add_argument("--quiet", action="store_true", help="no progress on stderr")
    verify.set_defaults(handler=cmd_verify)


def _progress(done: int, total: int) -> None:
    percent = 100 * done // total if total else 100
    print(f"\rledger verify: {done:,}/{total:,} entries ({percent}%)", end="", file=sys.stderr)


def cmd_verify(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = open_database(settings)
    progress = None if args.quiet else _progress
    try:
        report = verify_all(engine, progress=progress)
    except LedgerCorrupt as exc:
        if progress is not None:
            print(file=sys.stderr)
        if args.json:
            result = {"ok": False, "code": exc.code, "entry_id": exc.entry_id, "detail": exc.detail}
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(f"creditbank: {exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if progress is not None:
        print(file=sys.stderr)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": True,
                    "chains": report.chains,
                    "entries": report.entries,
                    "seconds": round(report.seconds, 3),
                }
            )
        )
    else:
        print(
            f"ledger intact: {report.entries} entries in {report.chains} chains "
            f"checked in {report.seconds:.2f} s"
        )
    return 0
