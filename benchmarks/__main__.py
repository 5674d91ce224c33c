"""``make bench``: run every benchmark, print a table, write benchmarks/results.json."""

from __future__ import annotations

import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import qr_credential

RESULTS = Path(__file__).resolve().parent / "results.json"


def main() -> int:
    print("creditbank benchmarks: best rate of each, ratio = median of back-to-back rounds\n")
    qr = qr_credential.run()
    rows = [
        (
            "cbqr verify / s",
            qr["verify_per_second"],
            "bare ES256 verify / s",
            qr["raw_es256_verify_per_second"],
            qr["verify_ratio"],
            ">= 0.80",
        ),
        (
            "cbqr issue / s",
            qr["issue_per_second"],
            "bare ES256 sign / s",
            qr["raw_es256_sign_per_second"],
            qr["issue_ratio"],
            ">= 0.50",
        ),
    ]
    print(f"{'ours':<18}{'rate':>10}   {'baseline':<24}{'rate':>10}{'ratio':>8}  target")
    for name, ours, base_name, base, ratio, target in rows:
        print(f"{name:<18}{ours:>10}   {base_name:<24}{base:>10}{ratio:>8}  {target}")
    print(
        f"\nQR version of a one-entry credential with a {qr['qr_one_entry_title_chars']}-character "
        f"Chinese title: {qr['qr_version_one_entry']} (target <= 16, level M; "
        f"JWS {qr['qr_one_entry_jws_chars']} chars)"
    )
    results = {
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        **qr,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    print(f"\nwrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
