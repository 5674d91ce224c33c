"""Status lookups after the trust bundle is loaded: µs per check, target ≤ 2 µs.

``check_status`` is what every verifier (cbqr, OB 3.0, CLR, SD-JWT VC) calls: the list
lookup in the bundle, the bounds check and the 2-bit read. The W3C bitstring read of
the published Bitstring Status List is measured too, as is loading a list.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime
from typing import Any

from verifier import TrustBundle
from verifier.formats import bitstring_status, status_list
from verifier.rules import check_status

SIZE = 131_072
LOOKUPS = 200_000


def _per_call_us(fn: Any, indexes: list[int], rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for index in indexes:
            fn(index)
        best = min(best, (time.perf_counter() - start) / len(indexes))
    return best * 1e6


def run() -> dict[str, Any]:
    """µs per status lookup (bundle check, raw token-list read, bitstring read) and load ms."""
    rng = random.Random(4711)
    flagged = {rng.randrange(SIZE): rng.choice((1, 2)) for _ in range(2_000)}
    listed = status_list.build("1", "CB-BENCH", SIZE, flagged).to_json()
    now = datetime.now(UTC).isoformat()
    document = {
        "generated_at": now,
        "next_update": now,
        "issuers": [{"id": "CB-BENCH", "name": {}, "institutions": [], "keys": []}],
        "status_lists": [listed],
    }
    start = time.perf_counter()
    trust = TrustBundle(document)
    load_ms = (time.perf_counter() - start) * 1e3
    valid = [i for i in (rng.randrange(SIZE) for _ in range(LOOKUPS)) if i not in flagged]

    def bundle_check(index: int) -> None:
        check_status(trust, "CB-BENCH", "1", index)

    raw = trust.status_lists[("CB-BENCH", "1")]
    bits = bitstring_status.decode_list(
        bitstring_status.encode_list(bitstring_status.build(SIZE, flagged))
    )
    return {
        "status_check_us": round(_per_call_us(bundle_check, valid), 3),
        "status_list_get_us": round(_per_call_us(raw.get, valid), 3),
        "bitstring_get_us": round(_per_call_us(lambda i: bitstring_status.get(bits, i), valid), 3),
        "status_list_load_ms": round(load_ms, 2),
        "status_check_target_us": 2.0,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
