"""The real ``creditbank-verify`` console script, run as a subprocess on the vectors.

Exit status: 0 valid, 1 not valid, 2 unreadable input or bad usage. Nothing may
ever end in a traceback, and the verifier never opens a network connection.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.vectors.cases import SHARED_TRUST, Case, all_cases, case
from verifier import TrustBundle

BIN_DIR = Path(sys.executable).parent
CLI = shutil.which("creditbank-verify", path=str(BIN_DIR))
TRUST = ["--trust", str(SHARED_TRUST / "trust-bundle.json")]
ANCHOR = ["--anchor", str(SHARED_TRUST / "trust-anchor.jwk")]
JSON_KEYS = {"valid", "error", "issuer", "subject", "credits", "trust_bundle_age_seconds"}
#: Codes after which the CLI exits 2: the input (or the trust file) could not be read at all.
UNREADABLE_CODES = {"unreadable_image", "no_qr_found", "malformed_trust_bundle"}

pytestmark = pytest.mark.skipif(CLI is None, reason="creditbank-verify is not installed")


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    args: Sequence[str], *, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> Run:
    assert CLI is not None
    done = subprocess.run(
        [CLI, *args], input=stdin, capture_output=True, timeout=60, env=env, check=False
    )
    run = Run(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))
    assert "Traceback" not in run.stderr, run.stderr
    return run


def vector_args(vector: Case, *extra: str) -> list[str]:
    args = [
        str(vector.input_path),
        "--trust",
        str(vector.bundle_path),
        "--anchor",
        str(vector.anchor_path),
        "--at",
        vector.expected["at"],
        *extra,
    ]
    if vector.expected.get("max_bundle_age_hours") is not None:
        args += ["--max-bundle-age", str(vector.expected["max_bundle_age_hours"])]
    return args


def _cli_case_names() -> list[str]:
    """One vector per outcome code, and every kind of input: the exit status depends on
    the code, and test_vectors.py already runs every vector through the library."""
    seen: set[str | None] = set()
    names = []
    for vector in all_cases():
        kind = vector.input_path.suffix
        if vector.code not in seen or kind != ".txt" or vector.name.startswith("valid"):
            seen.add(vector.code)
            names.append(vector.name)
    return names


CLI_CASES = _cli_case_names()


@pytest.fixture(scope="module")
def json_runs() -> dict[str, Run]:
    """The CLI vectors through ``--json``, run concurrently to keep the suite fast."""
    cases = [case(name) for name in CLI_CASES]
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = pool.map(lambda c: run_cli(vector_args(c, "--json")), cases)
        return dict(zip(CLI_CASES, runs, strict=True))


def test_cli_vectors_cover_every_code() -> None:
    assert {case(name).code for name in CLI_CASES} == {c.code for c in all_cases()}


@pytest.mark.parametrize("name", CLI_CASES)
def test_vector_json(name: str, json_runs: dict[str, Run]) -> None:
    vector, run = case(name), json_runs[name]
    if vector.code is None:
        expected_exit = 0
    elif vector.code in UNREADABLE_CODES:
        expected_exit = 2
    else:
        expected_exit = 1
    assert run.returncode == expected_exit, run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert result.keys() >= JSON_KEYS
    assert result["valid"] is vector.expected["valid"]
    assert result["error"] == vector.code
    if vector.code is None:
        assert result["issuer"]["id"] == "cb-test"
        assert result["subject"]["masked_id"] == "4101**********1234"
        assert result["trust_bundle_age_seconds"] == 12 * 3600
    else:
        assert result["issuer"] is None and result["credits"] is None


def test_text_output_valid() -> None:
    run = run_cli(vector_args(case("valid")))
    assert run.returncode == 0
    assert "VALID" in run.stdout and "NOT VALID" not in run.stdout
    assert "测试学分银行" in run.stdout and "3.5" in run.stdout


def test_text_output_not_valid_names_the_code() -> None:
    run = run_cli(vector_args(case("revoked")))
    assert run.returncode == 1
    assert "NOT VALID" in run.stdout and "revoked" in run.stdout


def test_stdin_text() -> None:
    text = case("valid").input_path.read_bytes()
    run = run_cli(["-", *TRUST, *ANCHOR, "--at", "2026-01-15T12:00:00Z", "--json"], stdin=text)
    assert run.returncode == 0, run.stdout
    assert json.loads(run.stdout)["valid"] is True


def test_stdin_png() -> None:
    png = case("valid_png").input_path.read_bytes()
    run = run_cli(["-", *TRUST, *ANCHOR, "--at", "2026-01-15T12:00:00Z", "--json"], stdin=png)
    assert run.returncode == 0, run.stdout
    assert json.loads(run.stdout)["credits"] == 3.5


def test_stdin_tampered() -> None:
    text = case("tampered_digit_signature").input_path.read_bytes()
    run = run_cli(["-", *TRUST, *ANCHOR, "--at", "2026-01-15T12:00:00Z", "--json"], stdin=text)
    assert run.returncode == 1
    assert json.loads(run.stdout)["error"] == "bad_signature"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="no-arguments"),
        pytest.param(["/nonexistent/credential.txt", *TRUST, *ANCHOR], id="missing-input"),
        pytest.param([str(case("valid").input_path), *ANCHOR], id="missing-trust-option"),
        pytest.param(
            [str(case("valid").input_path), "--trust", "/nonexistent.json", *ANCHOR],
            id="missing-trust-file",
        ),
        pytest.param(
            [str(case("valid").input_path), *TRUST, "--anchor", "/nonexistent.jwk"],
            id="missing-anchor-file",
        ),
        pytest.param([str(case("valid").input_path), *TRUST, *ANCHOR, "--at", "yesterday"],
                     id="bad-at"),
        pytest.param([str(case("valid").input_path), *TRUST, *ANCHOR, "--max-bundle-age", "x"],
                     id="bad-max-age"),
        pytest.param([str(case("valid").input_path), *TRUST, *ANCHOR, "--max-bundle-age", "nan"],
                     id="nan-max-age"),
        pytest.param([str(case("valid").input_path), *TRUST, *ANCHOR, "--max-bundle-age", "1e20"],
                     id="huge-max-age"),
        pytest.param([str(case("garbage_image").input_path), *TRUST, *ANCHOR], id="garbage-image"),
        pytest.param([str(SHARED_TRUST), *TRUST, *ANCHOR], id="input-is-a-directory"),
    ],
)  # fmt: skip
def test_unreadable_input_or_bad_usage_exits_2(args: list[str]) -> None:
    run = run_cli(args)
    assert run.returncode == 2, run.stdout + run.stderr


def test_binary_non_image_input_exits_2(tmp_path: Path) -> None:
    blob = tmp_path / "credential.bin"
    blob.write_bytes(b"\xff\xfe\x00garbage\x80")
    run = run_cli([str(blob), *TRUST, *ANCHOR, "--json"])
    assert run.returncode == 2
    result = json.loads(run.stdout)
    assert result["valid"] is False
    assert result["error"] == "unreadable_input"


def test_json_failure_reports_bundle_age() -> None:
    run = run_cli(vector_args(case("expired"), "--json"))
    assert json.loads(run.stdout)["trust_bundle_age_seconds"] == 12 * 3600


# -- no network ----------------------------------------------------------------------------

_GUARD = """
import os, socket

_LOG = os.environ["CB_NETWORK_LOG"]


def _refuse(*args, **kwargs):
    with open(_LOG, "a") as log:
        log.write(repr(args[1:2]) + "\\n")
    raise OSError("network access is forbidden in this test")


for _name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, _name, _refuse)
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


@pytest.fixture
def no_network_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose Python refuses (and logs) every connection, DNS lookup or send."""
    (tmp_path / "sitecustomize.py").write_text(_GUARD)
    log = tmp_path / "network.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])),
        "CB_NETWORK_LOG": str(log),
    }
    return env, log


def test_network_guard_works(no_network_env: tuple[dict[str, str], Path]) -> None:
    """The control: the guard does catch a connection attempt from a child Python."""
    env, log = no_network_env
    code = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=env, timeout=60, check=False
    )
    assert done.returncode != 0
    assert b"network access is forbidden" in done.stderr
    assert log.read_text()


@pytest.mark.parametrize("name", ["valid", "valid_png", "revoked", "unknown_kid"])
def test_cli_opens_no_network_connection(
    name: str, no_network_env: tuple[dict[str, str], Path]
) -> None:
    env, log = no_network_env
    vector = case(name)
    run = run_cli(vector_args(vector, "--json"), env=env)
    assert json.loads(run.stdout)["error"] == vector.code
    assert not log.exists(), log.read_text()


def _at(moment: datetime) -> str:
    return moment.isoformat()


def test_a_bundle_is_stale_by_default_a_week_after_its_next_update() -> None:
    """Without --max-bundle-age, an old bundle is refused (not accepted for ever)."""
    vector = case("valid")
    trust = TrustBundle.load(vector.bundle_path, vector.anchor_path)
    base = [str(vector.input_path), "--trust", str(vector.bundle_path)]
    base += ["--anchor", str(vector.anchor_path), "--json"]
    fresh_enough = trust.next_update + timedelta(days=6)
    assert run_cli([*base, "--at", _at(fresh_enough)]).returncode == 0
    too_old = trust.next_update + timedelta(days=8)
    stale = run_cli([*base, "--at", _at(too_old)])
    assert stale.returncode == 1
    assert json.loads(stale.stdout)["error"] == "stale_trust_bundle"
    # An explicit limit still decides.
    assert run_cli([*base, "--at", _at(too_old), "--max-bundle-age", "100000"]).returncode == 0


def test_the_age_is_printed_in_words() -> None:
    vector = case("valid")
    text = run_cli(vector_args(vector)).stdout
    assert "前更新 / updated" in text and " s\n" not in text


def test_help_names_the_transfer_check() -> None:
    assert "creditbank-verify transfer" in run_cli(["--help"]).stdout
