"""``make bench``: run every benchmark, print its figures, write benchmarks/results.json.

Each benchmark module has ``run() -> dict`` of flat figures that carry their own
baseline, ratio and target where the issue asks for one. ``python -m benchmarks NAME…``
runs only the named ones (and keeps the other figures already in results.json).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import sysconfig
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"
#: In the order they run; each is benchmarks/<name>.py.
BENCHMARKS = (
    "qr_credential",
    "certificate_qr",
    "engine",
    "ledger_verify",
    "sd_jwt",
    "badge_jwt",
    "data_integrity",
    "status_list",
    "transfer",
    "transfer_consent",
    "trust_bundle",
    "status_slots",
    "verify_page",
    "signin",
    "http_deposits",
    "sqlite_writes",
    "imports",
    "account_view",
    "storage",
    "workers",
    "back_office",
    "registrar",
    "registrar_browser",
    "workspace_jobs",
)


def _run_one(name: str) -> dict[str, Any]:
    module = importlib.import_module(f"benchmarks.{name}")
    started = time.perf_counter()
    try:
        figures: dict[str, Any] = module.run()
    except Exception as exc:  # one failing benchmark must not hide the others
        return {f"{name}_error": f"{type(exc).__name__}: {exc}"}
    figures[f"{name}_bench_seconds"] = round(time.perf_counter() - started, 1)
    return figures


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    results: dict[str, Any] = {}
    if argv and RESULTS.exists():
        results = json.loads(RESULTS.read_text("utf-8"))
    print("creditbank benchmarks (ratios: median of back-to-back rounds against the baseline)")
    for name in names:
        print(f"\n== {name} ==", flush=True)
        figures = _run_one(name)
        for key, value in figures.items():
            print(f"  {key:<42} {value}")
        results.update(figures)
    results["generated_at"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    results["machine"] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        # Python's speed against OpenSSL's sets the QR ratios; a shared, non-PGO build
        # of the interpreter is markedly slower at the Python half.
        "python_optimized_build": "--enable-optimizations" in _config_args(),
        "python_shared_build": "--enable-shared" in _config_args(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"\nwrote {RESULTS}")
    return 0


def _config_args() -> str:
    return str(sysconfig.get_config_var("CONFIG_ARGS") or "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text("utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
