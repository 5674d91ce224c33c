"""``creditbank-verify transfer``: report as table and JSON, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from benchmarks.transfer import NOW, REVOKED_INDEX, Fixture, build
from tests.verifier.test_transfer import EXAMPLE
from verifier.cli import run
from verifier.transfer import FINAL_OFFLINE

AT = NOW.isoformat()


@pytest.fixture(scope="module")
def fx() -> Fixture:
    return build()


@pytest.fixture
def files(fx: Fixture, tmp_path: Path) -> dict[str, Path]:
    paths = {
        "bundle": tmp_path / "trust-bundle.json",
        "anchor": tmp_path / "trust-anchor.jwk",
        "policy": tmp_path / "policy.toml",
    }
    paths["bundle"].write_text(fx.bundle_text, "utf-8")
    paths["anchor"].write_text(json.dumps(fx.anchor_jwk), "utf-8")
    shutil.copy(EXAMPLE, paths["policy"])
    for i in range(3):
        paths[f"c{i}"] = tmp_path / f"credential-{i}.txt"
        paths[f"c{i}"].write_text(fx.credential(i), "utf-8")
    paths["dup"] = tmp_path / "credential-dup.txt"
    paths["dup"].write_text(fx.credential(1, jti="dup-jti"), "utf-8")
    paths["revoked"] = tmp_path / "credential-revoked.txt"
    paths["revoked"].write_text(fx.credential(5, status_index=REVOKED_INDEX), "utf-8")
    return paths


def base(files: dict[str, Path]) -> list[str]:
    return [
        "transfer",
        "--policy",
        str(files["policy"]),
        "--trust",
        str(files["bundle"]),
        "--anchor",
        str(files["anchor"]),
        "--at",
        AT,
    ]


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = run([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_three_credentials_and_a_duplicate(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*base(files), *(str(files[k]) for k in ("c0", "c1", "c2", "dup"))]
    code, data = run_json(args, capsys)
    assert code == 0
    # Credential 3 is in domain AG, which the example policy does not accept.
    assert [d["reason"] for d in data["rejected"]] == ["domain_not_accepted", "duplicate"]
    assert data["rejected"][1]["duplicate_of"] == "jti-00001#0"
    assert data["totals"]["accepted_credits"] == 2.5
    assert data["request"]["items"] == [
        {"jti": "jti-00000", "position": 0},
        {"jti": "jti-00001", "position": 0},
    ]


def test_table_output(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*base(files), str(files["c0"]), str(files["dup"]), str(files["c1"])]) == 0
    out = capsys.readouterr().out
    assert "ACCEPT" in out and "REJECT" in out
    # Refusals name the course and the institution, and the file it repeats: no ids.
    assert (
        "“课程 0001 工业机器人” (示范学院 / Demo College): already counted — the same "
        f"achievement 重复, as in {files['dup']}"
    ) in out
    assert "dup-jti" not in out
    assert "accepted 接受: 2.5 credits" in out
    # Offline, the report says that it is not the final word.
    assert out.rstrip().endswith(FINAL_OFFLINE)


def test_an_invalid_credential_exits_1_and_the_rest_is_evaluated(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(files["c0"].parent / "missing.txt")
    code, data = run_json([*base(files), str(files["revoked"]), missing, str(files["c0"])], capsys)
    assert code == 1
    assert [d["reason"] for d in data["rejected"]] == ["revoked", "unreadable_input"]
    assert data["rejected"][0]["message"].startswith(
        f"{files['revoked']}: not valid 无效 (revoked)"
    )
    assert data["final"] == FINAL_OFFLINE and data["online"] is None
    assert data["invalid_credentials"] == [str(files["revoked"]), missing]
    assert data["totals"]["accepted_entries"] == 1


def test_invalid_policy_exits_2(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    files["policy"].write_text('issuers = ["CB-DEMO"]\nmax_credits = 3\n', "utf-8")
    code, data = run_json([*base(files), str(files["c0"])], capsys)
    assert code == 2
    assert data["error"] == "invalid_policy"
    assert "max_credits" in data["detail"]


def test_wrongly_signed_bundle_exits_1(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    files["anchor"].write_text(json.dumps(build().anchor_jwk), "utf-8")
    code, data = run_json([*base(files), str(files["c0"])], capsys)
    assert (code, data["error"]) == (1, "bad_trust_bundle_signature")


@pytest.mark.parametrize(
    "extra", [[], ["--at", "yesterday"], ["--max-bundle-age", "nan"], ["--bogus"]]
)
def test_bad_usage_exits_2(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    files_args = [] if not extra else [str(files["c0"])]
    assert run([*base(files), *files_args, *extra]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_stale_bundle_exits_1(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json([*base(files), "--max-bundle-age", "0.5", str(files["c0"])], capsys)
    assert (code, data["error"]) == (1, "stale_trust_bundle")


def test_console_script_dispatches(files: dict[str, Path]) -> None:
    script = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "creditbank-verify"
    if not script.exists():
        pytest.skip("the console script is not installed in .venv")
    done = subprocess.run(
        [str(script), *base(files), "--json", str(files["c0"])],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["accepted_entries"] == 1
