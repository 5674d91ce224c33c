"""Operational errors of every ``creditbank`` command, through the real CLI in a subprocess.

An unreachable database (a closed port on 127.0.0.1), an un-migrated database, a missing
data directory and a port in use each end in one line on stderr that names the problem
and the fix, exit status 2, and no traceback.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from issuer.core import migrate

# Every command that opens the data directory or the database, with the arguments it needs.
COMMANDS: dict[str, list[str]] = {
    "serve": ["serve", "--port", "1"],
    "db upgrade": ["db", "upgrade"],
    "db current": ["db", "current"],
    "keys list": ["keys", "list"],
    "keys generate": ["keys", "generate"],
    "keys rotate": ["keys", "rotate"],
    "trust export": ["trust", "export", "--out", "bundle.json"],
    "trust publish": ["trust", "publish"],
    "seed-demo": ["seed-demo"],
    "ledger verify": ["ledger", "verify", "--quiet"],
    "import achievements": ["import", "achievements", "rows.csv", "--institution", "X"],
    "import learners": ["import", "learners", "people.csv", "--institution", "X"],
}
USES_DATABASE = sorted(set(COMMANDS) - {"keys list", "keys generate", "keys rotate"})
NEEDS_MIGRATED = sorted(set(USES_DATABASE) - {"db upgrade"})
NEEDS_HOME = sorted(set(COMMANDS) - {"db upgrade"})


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from issuer.cli import main; main()", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITBANK_")}
    return {**env, "CREDITBANK_ENV": "development", **values}


def assert_one_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def listening() -> Iterator[int]:
    """A port on 127.0.0.1 another process holds."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def _scenarios(tmp: Path, closed_port: int) -> dict[str, tuple[dict[str, str], tuple[str, ...]]]:
    unmigrated = tmp / "unmigrated"
    unmigrated.mkdir()
    (unmigrated / "creditbank.db").touch()
    reachable_nowhere = tmp / "pg"
    reachable_nowhere.mkdir()
    return {
        "missing home": (
            clean_env(CREDITBANK_HOME=str(tmp / "no-such-dir")),
            ("data_directory_missing", str(tmp / "no-such-dir"), "creditbank db upgrade"),
        ),
        "unreachable": (
            clean_env(
                CREDITBANK_HOME=str(reachable_nowhere),
                CREDITBANK_DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/cb",
            ),
            ("database_unreachable", f"127.0.0.1:{closed_port}", "CREDITBANK_DATABASE_URL"),
        ),
        "unmigrated": (
            clean_env(CREDITBANK_HOME=str(unmigrated)),
            ("database_not_migrated", "creditbank db upgrade"),
        ),
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_names_the_problem_and_the_fix(
    command: str, tmp_path: Path, closed_port: int
) -> None:
    scenarios = _scenarios(tmp_path, closed_port)
    wanted = []
    if command in NEEDS_HOME:
        wanted.append("missing home")
    if command in USES_DATABASE:
        wanted.append("unreachable")
    if command in NEEDS_MIGRATED:
        wanted.append("unmigrated")
    assert wanted, "every command listed meets at least one of the failures"

    def attempt(name: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        env, _ = scenarios[name]
        return name, run_cli(COMMANDS[command], env, tmp_path)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(attempt, wanted))
    for name, result in results:
        assert_one_line(result, *scenarios[name][1])
    assert not (tmp_path / "no-such-dir").exists(), "a missing data directory is not created"
    assert (tmp_path / "unmigrated" / "creditbank.db").stat().st_size == 0, "nothing migrated"


def test_serve_refuses_a_port_in_use(tmp_path: Path, listening: int) -> None:
    home = tmp_path / "home"
    home.mkdir()
    migrate.upgrade(f"sqlite:///{home / 'creditbank.db'}")
    result = run_cli(
        ["serve", "--port", str(listening)], clean_env(CREDITBANK_HOME=str(home)), tmp_path
    )
    assert_one_line(result, f"127.0.0.1:{listening}", "--port")


def test_db_upgrade_creates_the_data_directory(tmp_path: Path) -> None:
    """The one command that may meet no data directory makes it, private."""
    home = tmp_path / "fresh"
    result = run_cli(["db", "upgrade"], clean_env(CREDITBANK_HOME=str(home)), tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"database at revision {migrate.head_revision()}" in result.stdout
    assert (home.stat().st_mode & 0o777) == 0o700
    assert ((home / "creditbank.db").stat().st_mode & 0o777) == 0o600
    current = run_cli(["db", "current"], clean_env(CREDITBANK_HOME=str(home)), tmp_path)
    assert (current.returncode, current.stdout.strip()) == (0, migrate.head_revision())


def test_trust_publish_stores_the_served_documents(tmp_path: Path) -> None:
    """The timer's command publishes the bundle, and a second run builds nothing again."""
    home = tmp_path / "published"
    env = clean_env(CREDITBANK_HOME=str(home))
    assert run_cli(["db", "upgrade"], env, tmp_path).returncode == 0
    first = run_cli(["trust", "publish"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("published ")
    database = sqlite3.connect(home / "creditbank.db")
    try:
        stored = database.execute(
            "SELECT name, etag, generated_at FROM published_document ORDER BY name"
        ).fetchall()
        assert ("trust-bundle",) in [(name,) for name, _, _ in stored]
        second = run_cli(["trust", "publish"], env, tmp_path)
        assert second.returncode == 0, second.stderr
        again = database.execute(
            "SELECT name, etag, generated_at FROM published_document ORDER BY name"
        ).fetchall()
    finally:
        database.close()
    assert again == stored
