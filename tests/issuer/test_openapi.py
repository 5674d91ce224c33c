from __future__ import annotations

from pathlib import Path

from issuer.cli import openapi_export

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_committed_openapi_matches_the_app() -> None:
    rendered = openapi_export.render()
    assert COMMITTED.exists(), (
        "openapi/openapi.json is missing; run: python -m issuer.cli.openapi_export"
    )
    assert COMMITTED.read_text("utf-8") == rendered, (
        "openapi/openapi.json is out of date; regenerate it with: "
        "python -m issuer.cli.openapi_export"
    )


def test_render_is_deterministic_with_stable_operation_ids() -> None:
    text = openapi_export.render()
    assert text == openapi_export.render()
    assert text.endswith("}\n")
    assert '"operationId": "learners-create_learner"' in text


def test_check_mode_reports_drift(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    assert openapi_export.main(["--check", "--out", str(out)]) == 1
    assert openapi_export.main(["--out", str(out)]) == 0
    assert openapi_export.main(["--check", "--out", str(out)]) == 0
