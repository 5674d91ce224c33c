"""``creditbank import achievements FILE.csv --institution CODE``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlmodel import Session

from issuer.cli._settings import load_settings, open_database
from issuer.committee import reviews
from issuer.conversion.csv_import import import_achievements


def add_parser(sub: Any) -> None:
    imp = sub.add_parser("import", help="bulk import")
    imp_sub = imp.add_subparsers(dest="import_command", required=True)
    ach = imp_sub.add_parser(
        "achievements",
        help="import achievements from CSV (bad rows reported and skipped; reruns are safe)",
    )
    ach.add_argument("file", type=Path, help="CSV with a header row; see docs/standards.md")
    ach.add_argument("--institution", required=True, help="code of the vouching institution")
    ach.add_argument("--json", action="store_true", help="print the row-by-row report as JSON")
    ach.set_defaults(handler=cmd_import_achievements)


def _bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total if total else width
    bar = "#" * filled + "." * (width - filled)
    print(f"\rimport [{bar}] {done}/{total} rows", end="", file=sys.stderr)


def cmd_import_achievements(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = open_database(settings)
    try:
        report = import_achievements(engine, settings, args.institution, args.file, progress=_bar)
        # Recognitions held for quality review go to the review panel (if one is formed).
        with Session(engine) as session:
            reviews.open_pending_reviews(session, actor=f"import:{args.institution}")
            session.commit()
    finally:
        engine.dispose()
    print(file=sys.stderr)
    for row in report.bad:
        print(f"{args.file}:{row.line}: {row.detail}", file=sys.stderr)
    if args.json:
        print(json.dumps([asdict(row) for row in report.rows], ensure_ascii=False, indent=2))
    else:
        print(
            f"recorded {report.count('recorded')}, "
            f"pending review {report.count('pending_review')}, "
            f"already recorded {report.count('skipped')}, bad {report.count('bad')}"
        )
    return 1 if report.bad else 0
