"""``creditbank``: the operator's command line.

    creditbank serve [--host H] [--port N] [--workers N] [--no-worker]
    creditbank worker
    creditbank db upgrade | db current
    creditbank keys generate|list|rotate|retire|compromise
    creditbank trust export --out FILE [--anchor-out FILE] | trust publish
    creditbank demo --out DIR
    creditbank seed-demo
    creditbank ledger verify [--json]
    creditbank import achievements FILE.csv --institution CODE
    creditbank staff create --role ROLE --login LOGIN [--centre CODE | --institution CODE]

Exit status: 0 success, 1 the operation was refused, 2 bad usage or configuration.
Settings come from ``CREDITBANK_*`` variables; all state lives under ``CREDITBANK_HOME``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from issuer.cli import _commands, _import, _keys, _ledger, _staff, _worker
from verifier.usage import UsageParser

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(prog="creditbank", description="Run and operate a creditbank credit bank.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=UsageParser)
    _commands.add_parsers(sub)
    _keys.add_parser(sub)
    _ledger.add_parser(sub)
    _import.add_parser(sub)
    _staff.add_parser(sub)
    _worker.add_parser(sub)
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = build_parser().parse_args(argv)
    handler = args.handler
    return int(_commands.guarded(handler, args))


def main() -> NoReturn:
    """Console entry point."""
    sys.exit(run())
