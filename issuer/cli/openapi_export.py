"""Write or check the committed OpenAPI document.

``python -m issuer.cli.openapi_export`` writes openapi/openapi.json;
``python -m issuer.cli.openapi_export --check`` exits 1 when the file differs from the app.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from issuer.app import create_app
from issuer.core import migrate
from issuer.core.settings import Settings

__all__ = ["DEFAULT_PATH", "main", "render"]

DEFAULT_PATH = Path("openapi/openapi.json")


def render() -> str:
    """The app's OpenAPI document: sorted keys, indent 2, trailing newline.

    The app is built against a throw-away database and key store, so the output depends
    on the code only.
    """
    with tempfile.TemporaryDirectory(prefix="creditbank-openapi-") as home:
        settings = Settings(env="test", home=Path(home), database_url=None)
        migrate.upgrade(settings.db_url)
        app = create_app(settings)
        try:
            spec = app.openapi()
        finally:
            app.state.engine.dispose()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m issuer.cli.openapi_export", description=__doc__
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH, help="file to write or check")
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = render()
    out: Path = args.out
    if args.check:
        if not out.exists() or out.read_text("utf-8") != text:
            print(
                f"{out} is out of date; regenerate it with: python -m issuer.cli.openapi_export",
                file=sys.stderr,
            )
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
