"""The verifier and keys packages stand alone: no service dependencies get imported.

An employer installs the base distribution only (docs/architecture.md), so importing and
running the verifier must not pull in FastAPI, SQLModel, SQLAlchemy or the issuer.
Run in a fresh interpreter: this test process has imported them already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.vectors.cases import case

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("fastapi", "sqlmodel", "sqlalchemy", "issuer", "pydantic", "starlette", "qrcode")

_PROBE = """
import json, sys
from datetime import datetime
AT = datetime.fromisoformat("2026-01-15T12:00:00+00:00")
import keys, verifier, verifier.cli, verifier.formats.status_list
from verifier._input import read_input
trust = verifier.TrustBundle.load(sys.argv[1], sys.argv[2])
for path in sys.argv[3:]:
    verifier.verify(read_input(path), trust, now=AT)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_verifier_and_keys_import_no_service_dependencies() -> None:
    valid, png = case("valid"), case("valid_png")
    args = [str(valid.bundle_path), str(valid.anchor_path)]
    args += [str(valid.input_path), str(png.input_path)]
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    loaded = set(json.loads(done.stdout))
    assert {"keys", "verifier", "cryptography", "zxingcpp", "PIL"} <= loaded  # the probe ran
    assert loaded.isdisjoint(FORBIDDEN), loaded & set(FORBIDDEN)
