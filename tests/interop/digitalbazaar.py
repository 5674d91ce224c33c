"""Digital Bazaar's Data Integrity stack (Node), installed from the committed lock file.

``tests/interop/js/`` holds ``package.json`` and ``package-lock.json``; :func:`node_stack`
runs ``npm ci`` there once per session (again only when the lock file changed), and
skips only when Node.js is absent. The scripts read JSON on stdin and print JSON.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

JS = Path(__file__).resolve().parent / "js"
_LOCK = JS / "package-lock.json"
_INSTALLED = JS / "node_modules" / ".package-lock.json"
_STAMP = JS / "node_modules" / ".creditbank-lock"


def install() -> None:
    """``npm ci`` from the lock file unless node_modules already matches it."""
    lock = _LOCK.read_text("utf-8")
    if _STAMP.exists() and _INSTALLED.exists() and _STAMP.read_text("utf-8") == lock:
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=JS,
        check=True,
        timeout=600,
    )
    _STAMP.write_text(lock, "utf-8")


@pytest.fixture(scope="session")
def node_stack() -> Path:
    """The installed scripts' directory; skips when ``node``/``npm`` are not installed."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js is not installed (apt-get install nodejs npm)")
    install()
    return JS


def run(script: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run ``tests/interop/js/<script>`` with ``payload`` on stdin; its JSON output."""
    done = subprocess.run(
        ["node", str(JS / script)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result
