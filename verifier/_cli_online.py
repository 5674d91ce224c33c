"""``creditbank-verify transfer --online URL``: the offline report checked against the bank.

Only the credit bank's record is final. With ``--online`` the CLI asks the bank
``GET <URL>/transfers/records?jti=…`` with the university's API key (``--api-key-file``,
or ``CREDITBANK_API_KEY``) and marks each entry: "already recorded at <university> on
<date>" for the university's own records, "already transferred to another institution"
for others' (not named: that is the learner's to tell). This is the CLI's edge, the one
place of the verifier that opens a network connection; the library never does. A bank
that cannot be reached leaves the report offline and says so; the exit status does not
change (it is about the credentials, not the bank).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from verifier.transfer import TransferReport

__all__ = ["OnlineError", "check_online", "recorded_words"]

#: Seconds to wait for the bank.
TIMEOUT = 15


class OnlineError(Exception):
    """The bank could not be asked or did not answer usefully."""


def _fetch(url: str, api_key: str, jtis: list[str]) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise OnlineError(f"--online needs an http(s) URL, not {url!r}")
    query = urllib.parse.urlencode([("jti", j) for j in jtis])
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        f"{url.rstrip('/')}/transfers/records?{query}",
        headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            body = json.loads(response.read(2_000_000))
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read(20_000)).get("detail", "")
        except ValueError:
            detail = ""
        raise OnlineError(f"the bank answered {exc.code}: {detail}".rstrip(": ")) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise OnlineError(f"the bank could not be reached: {exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise OnlineError("the bank's answer has no records")
    return body


def recorded_words(record: dict[str, Any]) -> str:
    """One entry's record in words, for the table."""
    if record.get("here"):
        day = str(record.get("recorded_at") or "")[:10]
        zh, en = record.get("institution_name_zh"), record.get("institution_name_en")
        return f"already recorded at {zh} / {en} on {day} 已于{day}在{zh}登记"
    return "already transferred to another institution 已转至其他机构"


def check_online(report: TransferReport, url: str, api_key: str, now: datetime) -> None:
    """Mark ``report`` with the bank's records (``report.online``, each ``recorded``)."""
    jtis = sorted({d.jti for d in report.decisions if d.jti is not None})
    body = _fetch(url, api_key, jtis) if jtis else {"records": [], "unknown": []}
    by_entry = {
        (r.get("jti"), r.get("position")): r
        for r in body["records"]
        if isinstance(r, dict) and r.get("recorded")
    }
    count = 0
    for decision in report.decisions:
        record = by_entry.get((decision.jti, decision.position))
        if record is None:
            continue
        count += 1
        decision.recorded = {
            "here": bool(record.get("here")),
            "institution": record.get("institution"),
            "institution_name": None
            if not record.get("here")
            else {"zh": record.get("institution_name_zh"), "en": record.get("institution_name_en")},
            "recorded_at": record.get("recorded_at"),
            "message": recorded_words(record),
        }
    report.online = {
        "url": url,
        "checked_at": now.isoformat().replace("+00:00", "Z"),
        "recorded_entries": count,
        "unknown": [j for j in body.get("unknown", []) if isinstance(j, str)],
    }
