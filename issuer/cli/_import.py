"""``creditbank import achievements|learners FILE.csv --institution CODE``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from issuer.bank.account_import import import_learners
from issuer.cli._settings import load_settings, open_database
from issuer.committee import reviews
from issuer.conversion.csv_import import import_achievements
from issuer.core.csv_batches import ImportReport, RowResult
from issuer.core.settings import Settings


def add_parser(sub: Any) -> None:
    imp = sub.add_parser("import", help="bulk import")
    imp_sub = imp.add_subparsers(dest="import_command", required=True)
    ach = imp_sub.add_parser(
        "achievements",
        help="import achievements from CSV (bad rows reported and skipped; reruns are safe)",
    )
    ach.add_argument("file", type=Path, help="CSV with a header row; see docs/standards.md")
    ach.add_argument("--institution", required=True, help="code of the vouching institution")
    ach.set_defaults(handler=cmd_import_achievements)
    learners = imp_sub.add_parser(
        "learners",
        help="open learner accounts in bulk from CSV (name, national_id[, mobile, email]; "
        "IDs that have an account are skipped, so reruns are safe)",
    )
    learners.add_argument("file", type=Path, help="CSV with a header row; see docs/formats.md")
    learners.add_argument("--institution", required=True, help="code of the opening institution")
    learners.set_defaults(handler=cmd_import_learners)
    for parser in (ach, learners):
        parser.add_argument(
            "--json", action="store_true", help="print the row-by-row report as JSON lines"
        )


def _bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total if total else width
    bar = "#" * filled + "." * (width - filled)
    print(f"\rimport [{bar}] {done}/{total} rows", end="", file=sys.stderr)


def _print_row(row: RowResult) -> None:
    print(json.dumps(asdict(row), ensure_ascii=False))


def _run(
    args: argparse.Namespace,
    importer: Callable[..., ImportReport],
    summary: Callable[[ImportReport], str],
) -> int:
    settings = load_settings()
    engine = open_database(settings)
    # With --json every row's outcome is printed as it is decided (one JSON object per
    # line), so the report of a file of any size never has to be held in memory.
    on_row = _print_row if args.json else None
    try:
        report = importer(
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
        print(summary(report))
    return 1 if report.count("bad") else 0


def _achievements_then_reviews(
    engine: Engine, settings: Settings, institution: str, path: Path, **options: Any
) -> ImportReport:
    report = import_achievements(engine, settings, institution, path, **options)
    # Recognitions held for quality review go to the review panel (if one is formed).
    with Session(engine) as session:
        reviews.open_pending_reviews(session, actor=f"import:{institution}")
        session.commit()
    return report


def cmd_import_achievements(args: argparse.Namespace) -> int:
    return _run(
        args,
        _achievements_then_reviews,
        lambda r: (
            f"recorded {r.count('recorded')}, pending review {r.count('pending_review')}, "
            f"already recorded {r.count('skipped')}, bad {r.count('bad')}"
        ),
    )


def cmd_import_learners(args: argparse.Namespace) -> int:
    return _run(
        args,
        import_learners,
        lambda r: (
            f"opened {r.count('recorded')}, already open {r.count('skipped')}, bad {r.count('bad')}"
        ),
    )
