"""Demo step: write the standard-format credentials of one learner to a folder.

Called by ``creditbank demo --out DIR`` through the real HTTP API (a TestClient or any
client with ``post``), after the demo learner has deposits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from verifier.formats.holder_key import holder_public_jwk, new_holder_jwk

__all__ = ["write_demo_credentials"]


class _Response(Protocol):
    status_code: int
    text: str

    def json(self) -> Any: ...


class _Client(Protocol):
    def post(self, url: str, *, json: Any = ..., headers: Any = ...) -> Any: ...


def _issue(client: _Client, path: str, body: dict[str, Any], headers: dict[str, str]) -> str:
    response: _Response = client.post(path, json=body, headers=headers)
    if response.status_code != 201:
        raise RuntimeError(f"POST {path} failed: {response.status_code} {response.text}")
    token: str = response.json()["token"]
    return token


def write_demo_credentials(
    client: _Client,
    admin_headers: dict[str, str],
    learner_id: int,
    entry_ids: list[int],
    out_dir: Path,
    holder_private_jwk: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Issue and write ``credential-1.ob3.jwt``, ``transcript.clr.jwt``,
    ``credential-1.sd-jwt`` (bound to the holder key) and ``holder.jwk``.

    ``holder.jwk`` is the demo holder's PRIVATE key (a fresh one unless given): demo only.
    Returns the paths written, by name.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    holder = holder_private_jwk or new_holder_jwk()
    base = f"/learners/{learner_id}/credentials"
    tokens = {
        "credential-1.ob3.jwt": _issue(
            client, f"{base}/ob3", {"entry_id": entry_ids[0]}, admin_headers
        ),
        "transcript.clr.jwt": _issue(client, f"{base}/clr", {}, admin_headers),
        "credential-1.sd-jwt": _issue(
            client,
            f"{base}/sd-jwt",
            {"entry_ids": entry_ids, "holder_jwk": holder_public_jwk(holder)},
            admin_headers,
        ),
    }
    written: dict[str, Path] = {}
    for name, token in tokens.items():
        path = out_dir / name
        path.write_text(token + "\n", encoding="utf-8")
        written[name] = path
    holder_path = out_dir / "holder.jwk"
    holder_path.write_text(json.dumps(holder, indent=1) + "\n", encoding="utf-8")
    holder_path.chmod(0o600)
    written["holder.jwk"] = holder_path
    return written
