"""Conversion decisions per second on one core, beside a bare lookup of the same rule.

The workload cycles through a vocational certificate, a course, a capped training and
an award, decided under the shipped standards with an account history of twelve
earlier recognitions. The baseline does the same rule's arithmetic for the
certificate with a dict lookup and a multiplication: the floor any engine pays.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from benchmarks._timing import compare
from issuer.conversion.engine import Catalogue, Facts, History, HistoryItem, decide
from issuer.conversion.standard_document import shipped_documents

ON = date(2026, 6, 1)
TARGET = 50_000


def _workload() -> list[Facts]:
    return [
        Facts(
            "vocational_cert",
            {
                "occupation_name": "工业机器人系统运维员",
                "level": "四级",
                "certificate_number": "C1",
            },
            date(2025, 5, 1),
            "鉴定中心",
        ),
        Facts(
            "course",
            {"course_type": "theory", "hours": 48, "grade": "良"},
            date(2025, 6, 30),
            "ZZIM",
            "AM",
        ),
        Facts("training", {"hours": 200, "provider": "培训机构"}, date(2025, 4, 1), "培训机构"),
        Facts("award", {"level": "national", "rank": "first"}, date(2025, 6, 1), "组委会"),
    ]


def _history() -> History:
    return History.of(
        HistoryItem(f"{sid}@1", kind, f"source-{n % 3}", 2024 + n % 2, 2)
        for n, (sid, kind) in enumerate(
            itertools.islice(
                itertools.cycle(
                    [
                        ("AM-VOC", "vocational_cert"),
                        ("GE-LIFELONG", "training"),
                        ("GE-HOURS", "course"),
                    ]
                ),
                12,
            )
        )
    )


def run(rounds: int = 21, loops: int = 20_000) -> dict[str, Any]:
    """Decisions per second and the bare-lookup baseline, measured in the same run."""
    catalogue = Catalogue(shipped_documents())
    history = _history()
    workload = itertools.cycle(_workload())
    levels = {"五级": 4, "四级": 8, "三级": 12, "二级": 16, "一级": 24}
    evidence = {"occupation_name": "工业机器人系统运维员", "level": "四级"}

    def ours() -> object:
        return decide(next(workload), catalogue, history, on=ON)

    def baseline() -> object:
        return min(levels[evidence["level"]], 40 - 6) * 1

    result = compare(ours, baseline, loops=loops, rounds=rounds)
    return {
        "decisions_per_second": round(result.ours),
        "decisions_target": TARGET,
        "decisions_meets_target": result.ours >= TARGET,
        "bare_lookup_per_second": round(result.baseline),
        "decisions_to_bare_lookup_ratio": round(result.ratio, 4),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
