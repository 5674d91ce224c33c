"""``creditbank-verify transfer``: a university's offline transfer check.

    creditbank-verify transfer --policy P --trust BUNDLE --anchor ANCHOR [--json]
        [--online URL [--api-key-file FILE]] FILE...

Exit status: 0 every credential verified (the report says which entries the policy
accepts — a policy refusal is a normal result); 1 at least one credential is not
valid or not readable (the report names its error code, the others are still
evaluated), or the trust bundle is stale or not signed by the anchor; 2 bad usage,
an invalid policy (``invalid_policy``) or an unreadable trust bundle.
The report says what is final: offline, that only the credit bank's record is; with
``--online URL`` it is checked against the bank (``verifier/_cli_online.py``) and each
entry already recorded says where and when. Without ``--online`` it never opens a
network connection; it never ends in a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from verifier._cli_online import OnlineError, check_online
from verifier._errors import VerificationError
from verifier._input import read_input
from verifier._trust import TrustBundle, age_in_words
from verifier.transfer import TransferReport, evaluate, load_policy
from verifier.usage import UsageParser

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog="creditbank-verify transfer",
        description="Verify credentials offline and apply a university's transfer policy.",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="credential files (QR image, text)"
    )
    parser.add_argument("--policy", required=True, help="transfer policy (TOML)")
    parser.add_argument("--trust", required=True, help="trust bundle file (trust-bundle.json)")
    parser.add_argument("--anchor", required=True, help="pinned trust-anchor public JWK file")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument("--at", help="evaluate as of this ISO-8601 time instead of now")
    parser.add_argument(
        "--max-bundle-age",
        type=float,
        metavar="HOURS",
        help="refuse an older trust bundle (default: until its next_update and 7 days after)",
    )
    parser.add_argument(
        "--online",
        metavar="URL",
        help="check the report against the credit bank's records at URL (its API base)",
    )
    parser.add_argument(
        "--api-key-file",
        metavar="FILE",
        help="the university's API key for --online (default: $CREDITBANK_API_KEY)",
    )
    return parser


def _fail(message: str, code: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"error": code, "detail": message}, ensure_ascii=False))
    print(f"creditbank-verify transfer: {code}: {message}", file=sys.stderr)
    return EXIT_USAGE


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = (c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))
    return "  ".join(padded).rstrip()


def format_table(data: dict[str, Any]) -> str:
    """The report as a readable table (the ``--json`` form holds the same facts)."""
    lines = [f"transfer policy 转换政策: {data['policy'] or '(unnamed)'}"]
    if data["learner"]:
        lines.append(f"learner 学习者: {data['learner']['name']} ({data['learner']['masked_id']})")
    head = ["", "source", "title 名称", "domain", "credits", "standard", "date", "reason"]
    rows = []
    for item in data["accepted"] + data["rejected"]:
        reason = item["reason"] or ""
        if item["recorded"]:
            reason = (reason + "; " if reason else "") + item["recorded"]["message"]
        rows.append(
            [
                "ACCEPT" if item["accepted"] else "REJECT",
                f"{item['source']}#{item['position']}",
                item["title"] or "—",
                item["domain"] or "",
                "" if item["credits"] is None else str(item["credits"]),
                item["standard"] or "",
                item["date"] or "",
                reason,
            ]
        )
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines += [_row(head, widths), *(_row(r, widths) for r in rows)]
    refusals = [item["message"] for item in data["rejected"] if item["message"]]
    if refusals:
        lines.append("refused 拒绝:")
        lines += [f"  - {message}" for message in refusals]
    totals = data["totals"]
    by_domain = ", ".join(f"{k} {v}" for k, v in totals["by_domain"].items()) or "—"
    lines.append(
        f"accepted 接受: {totals['accepted_credits']} credits 学分 in "
        f"{totals['accepted_entries']} entries ({by_domain}); rejected 拒绝: "
        f"{totals['rejected_entries']} (duplicates 重复: {totals['duplicates']})"
    )
    lines.append(f"trust bundle 信任包: {age_in_words(data['trust_bundle_age_seconds'])}")
    online = data["online"]
    if online is not None and "error" in online:
        lines.append(f"credit bank 学分银行: not checked 未核对 — {online['error']}")
    elif online is not None:
        lines.append(
            f"credit bank 学分银行: {online['url']} at {online['checked_at']}: "
            f"{online['recorded_entries']} entries already recorded 条已登记"
        )
    lines.append(data["final"])
    return "\n".join(lines)


def _evaluate(args: argparse.Namespace, now: datetime) -> TransferReport:
    policy = load_policy(args.policy)
    trust = TrustBundle.load(args.trust, args.anchor)
    hours = args.max_bundle_age
    trust.check_fresh(trust.default_max_age() if hours is None else timedelta(hours=hours), now)
    texts: list[str | bytes] = []
    unreadable: dict[int, VerificationError] = {}
    for i, name in enumerate(args.files):
        try:
            texts.append(read_input(name))
        except VerificationError as error:
            # Evaluated like an invalid credential: empty text fails with a code below.
            unreadable[i] = error
            texts.append("")
    report = evaluate(texts, policy, trust, now=now, labels=args.files)
    for decision in report.decisions:
        index = args.files.index(decision.source)
        if index in unreadable:
            decision.reason, decision.detail = unreadable[index].code, unreadable[index].detail
    return report


def _api_key(path: str | None) -> str:
    """The university's API key for ``--online``: the file's first line, else the environment."""
    if path is not None:
        with open(path, encoding="utf-8") as handle:
            key = handle.readline().strip()
    else:
        key = os.environ.get("CREDITBANK_API_KEY", "").strip()
    if not key:
        raise ValueError("--online needs the university's API key: --api-key-file FILE")
    return key


def run(argv: Sequence[str]) -> int:
    """Run ``creditbank-verify transfer``; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # bad usage (2) or --help (0), already printed
        return int(exc.code or 0)
    try:
        now = datetime.now(UTC) if args.at is None else datetime.fromisoformat(args.at)
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
        if args.max_bundle_age is not None:
            timedelta(hours=args.max_bundle_age)  # nan, inf: refused as usage errors
    except (ValueError, OverflowError) as exc:
        return _fail(str(exc), "bad_usage", args.json)
    api_key = None
    if args.online is not None:
        try:
            api_key = _api_key(args.api_key_file)
        except (OSError, ValueError) as exc:
            return _fail(str(exc), "bad_usage", args.json)
    try:
        report = _evaluate(args, now)
    except VerificationError as error:  # the policy or the trust bundle
        _fail(error.detail, error.code, args.json)
        # As in ``creditbank-verify``: an unreadable policy or bundle is 2, a stale or
        # wrongly signed bundle is "not valid", 1.
        unusable = error.unreadable or error.code == "malformed_trust_bundle"
        return EXIT_USAGE if unusable else EXIT_INVALID
    online_error = None
    if args.online is not None and api_key is not None:
        try:
            check_online(report, args.online, api_key, datetime.now(UTC))
        except OnlineError as exc:  # the report stays offline and says so
            online_error = str(exc)
    data = report.to_json()
    if online_error is not None:
        data["online"] = {"url": args.online, "error": online_error}
    print(json.dumps(data, ensure_ascii=False) if args.json else format_table(data))
    return EXIT_OK if report.all_verified else EXIT_INVALID
