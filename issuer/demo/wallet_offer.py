"""Demo hook: a credential offer for the demo learner, written to ``DIR/offer.txt``."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

__all__ = ["write_demo_offer"]

#: Demo offers stay valid for a day, so the files still work after the demo has run.
DEMO_OFFER_SECONDS = 24 * 3600


def write_demo_offer(
    client: TestClient, admin_headers: dict[str, str], learner_id: int, out_dir: Path
) -> dict[str, Any]:
    """Create an offer of all the learner's deposits through the API and write it out.

    Writes ``offer.txt`` (the ``openid-credential-offer://`` URI), ``offer-pin.txt`` (the
    transaction code) and ``offer-qr.png``; returns ``{offer_uri, tx_code, expires_at,
    files}``. The URI names the credential issuer of the client's service
    (``CREDITBANK_VERIFY_BASE_URL``, ``http://127.0.0.1:8000`` for ``make run``) and works
    only against the database the offer was written to.
    """
    response = client.post(
        f"/learners/{learner_id}/credential-offers",
        json={"expires_in": DEMO_OFFER_SECONDS},
        headers=admin_headers,
    )
    if response.status_code != 201:
        raise RuntimeError(f"credential offer refused: {response.status_code} {response.text}")
    offer: dict[str, Any] = response.json()
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "offer.txt": offer["offer_uri"] + "\n",
        "offer-pin.txt": offer["tx_code"] + "\n",
    }
    for name, text in files.items():
        (out_dir / name).write_text(text, encoding="utf-8")
    png = base64.b64decode(offer["qr_png_url"].split(",", 1)[1])
    (out_dir / "offer-qr.png").write_bytes(png)
    return {
        "offer_uri": offer["offer_uri"],
        "tx_code": offer["tx_code"],
        "expires_at": offer["expires_at"],
        "files": [*files, "offer-qr.png"],
    }
