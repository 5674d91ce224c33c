"""``creditbank import achievements FILE.csv --institution CODE``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from issuer.cli._settings import load_settings, open_database
from issuer.conversion.csv_import import RowResult, import_achievements


def add_parser(sub: Any) -> None:
    imp = sub.add_parser("import", help="bulk import")
    imp_sub = imp.add_subparsers(dest="import_command", required=True)
    ach = imp_sub.add_parser(
        "achievements",
        help="import achievements from CSV (bad rows reported and skipped; reruns are safe)",
    )
    ach.add_argument("file", type=Path, help="CSV with a header row; see docs/standards.md")
    ach.add_argument("--institution", required=True, help="code of the vouching institution")
    ach.add_argument(
        "--json", action="store_true", help="print the row-by-row report as JSON lines"
    )
    ach.set_defaults(handler=cmd_import_achievements)


def _bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total if total else width
    bar = "#" * filled + "." * (width - filled)
    print(f"\rimport [{bar}] {done}/{total} rows", end="", file=sys.stderr)


def _print_row(row: RowResult) -> None:
    print(json.dumps(asdict(row), ensure_ascii=False))


def cmd_import_achievements(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = open_database(settings)
    # With --json every row's outcome is printed as it is decided (one JSON object per
    # line), so the report of a file of any size never has to be held in memory.
    on_row = _print_row if args.json else None
    try:
        report = import_achievements(
            engine, settings, args.institution, args.file, progress=_bar, on_row=on_row
        )
    finally:
        engine.dispose()
    print(file=sys.stderr)
    for row in report.bad:
        print(f"{args.file}:{row.line}: {row.detail}", file=sys.stderr)
    if len(report.bad) < report.count("bad"):
        print(f"… and {report.count('bad') - len(report.bad)} more bad rows", file=sys.stderr)
    if not args.json:
        print(
            f"recorded {report.count('recorded')}, "
            f"pending review {report.count('pending_review')}, "
            f"already recorded {report.count('skipped')}, bad {report.count('bad')}"
        )
    return 1 if report.bad else 0
