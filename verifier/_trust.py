"""The trust bundle as a verifier holds it in memory: keys, issuers, status lists."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from keys import InvalidKey, PublicKey, load_public_jwk
from verifier._errors import MalformedTrustBundle, StaleTrustBundle
from verifier.formats import trust_bundle
from verifier.formats.cbqr import KID_LENGTH
from verifier.formats.status_list import StatusList


@dataclass(frozen=True, slots=True)
class TrustedKey:
    kid: str
    alg: str
    public: PublicKey
    issuer: str
    status: str
    retired_at: datetime | None
    compromised_since: datetime | None
    #: The URL that returns the key's JWK (the ``kid`` of OB/CLR JWTs), when the bundle says.
    url: str | None = None
    #: For a Data Integrity key: the ``issuer.id`` its proofs must name.
    controller: str | None = None


@dataclass(frozen=True, slots=True)
class Institution:
    id: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Issuer:
    id: str
    name_zh: str
    name_en: str
    institutions: dict[str, Institution] = field(default_factory=dict)
    #: The issuer Profile its id returns (OB 3.0), when the bundle carries it.
    profile: dict[str, Any] | None = None

    def to_json(self) -> dict[str, str]:
        """The issuer as verification results report it."""
        return {"id": self.id, "name_zh": self.name_zh, "name_en": self.name_en}


def _time(value: Any, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise MalformedTrustBundle(f"{what} is not an ISO-8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise MalformedTrustBundle(f"{what} lacks a time zone")
    return moment


def _names(data: dict[str, Any]) -> tuple[str, str]:
    name = data.get("name") or {}
    return str(name.get("zh", "")), str(name.get("en", ""))


#: By default a bundle is usable until its ``next_update`` and this long after it: enough
#: for a verifier that is offline for a while, short of accepting a months-old bundle.
DEFAULT_GRACE = timedelta(days=7)


class TrustBundle:
    """What an offline verifier trusts, read from a bundle signed by the pinned anchor."""

    def __init__(self, document: dict[str, Any]) -> None:
        try:
            self.generated_at = _time(document["generated_at"], "generated_at")
            self.next_update = _time(document["next_update"], "next_update")
            self.issuers: dict[str, Issuer] = {}
            self.keys: list[TrustedKey] = []
            #: Data Integrity keys by their ``verificationMethod`` URL; never used for JOSE.
            self.proof_keys: dict[str, TrustedKey] = {}
            for item in document["issuers"]:
                self._add_issuer(item)
            self.status_lists: dict[tuple[str, str], StatusList] = {}
            for item in document.get("status_lists", []):
                status_list = StatusList.from_json(item)
                self.status_lists[(status_list.issuer, status_list.id)] = status_list
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedTrustBundle(f"the bundle document lacks a field: {exc}") from None
        self._by_prefix: dict[str, list[TrustedKey]] = {}
        for key in self.keys:
            self._by_prefix.setdefault(key.kid[:KID_LENGTH], []).append(key)
        self._by_kid = {key.kid: key for key in self.keys}
        self._by_url = {key.url: key for key in self.keys if key.url}

    def _add_issuer(self, item: dict[str, Any]) -> None:
        issuer_id = str(item["id"])
        zh, en = _names(item)
        institutions = {}
        for inst in item.get("institutions", []):
            izh, ien = _names(inst)
            institutions[str(inst["id"])] = Institution(str(inst["id"]), izh, ien)
        profile = item.get("profile")
        if profile is not None and not isinstance(profile, dict):
            raise MalformedTrustBundle(f"the profile of issuer {issuer_id} is not an object")
        self.issuers[issuer_id] = Issuer(issuer_id, zh, en, institutions, profile)
        for jwk in item["keys"]:
            try:
                public, alg = load_public_jwk({k: v for k, v in jwk.items() if k != "status"})
            except InvalidKey as exc:
                raise MalformedTrustBundle(f"a key of issuer {issuer_id} is bad: {exc}") from None
            retired, since = jwk.get("retired_at"), jwk.get("compromised_since")
            url = jwk.get("id")
            key = TrustedKey(
                kid=str(jwk["kid"]),
                alg=alg,
                public=public,
                issuer=issuer_id,
                status=str(jwk.get("status", "active")),
                retired_at=None if retired is None else _time(retired, "retired_at"),
                compromised_since=None if since is None else _time(since, "compromised_since"),
                url=None if url is None else str(url),
                controller=None if jwk.get("controller") is None else str(jwk["controller"]),
            )
            if jwk.get("purpose", "signing") == "proof":
                # A Data Integrity key vouches only for proofs naming its method, so a
                # JWT or QR credential can never be checked against it.
                if alg != "EdDSA" or not all(
                    isinstance(jwk.get(m), str) for m in ("verification_method", "controller")
                ):
                    raise MalformedTrustBundle(
                        f"a proof key of issuer {issuer_id} needs EdDSA, a verification_method"
                        " and a controller"
                    )
                self.proof_keys[jwk["verification_method"]] = key
            else:
                self.keys.append(key)

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_bytes(cls, raw: bytes | str, anchor_jwk: dict[str, Any]) -> TrustBundle:
        """A bundle from its signed text, checked against the pinned anchor JWK."""
        return cls(trust_bundle.open_bundle(raw, anchor_jwk))

    @classmethod
    def load(cls, bundle_path: str | Path, anchor_path: str | Path) -> TrustBundle:
        """Read a signed bundle and the pinned anchor's public JWK from files."""
        try:
            anchor = json.loads(Path(anchor_path).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise MalformedTrustBundle(
                f"cannot read the trust anchor {anchor_path}: {exc}"
            ) from None
        try:
            raw = Path(bundle_path).read_bytes()
        except OSError as exc:
            raise MalformedTrustBundle(
                f"cannot read the trust bundle {bundle_path}: {exc}"
            ) from None
        return cls.from_bytes(raw, anchor)

    # -- queries -------------------------------------------------------------------------

    def keys_with_prefix(self, prefix: str) -> list[TrustedKey]:
        """Trusted keys whose kid starts with ``prefix`` (the QR form carries 8 characters)."""
        if len(prefix) == KID_LENGTH:
            return self._by_prefix.get(prefix, [])
        if len(prefix) > KID_LENGTH:
            found = self._by_prefix.get(prefix[:KID_LENGTH], [])
            return [k for k in found if k.kid.startswith(prefix)]
        return [k for k in self.keys if k.kid.startswith(prefix)] if prefix else []

    def key(self, kid: str) -> TrustedKey | None:
        """The key whose thumbprint is ``kid``, or whose URL is ``kid`` (OB/CLR JWTs).

        A URL is matched exactly against the URLs the signed bundle lists, never fetched
        and never taken apart: a kid naming another host finds nothing.
        """
        return self._by_kid.get(kid) or self._by_url.get(kid)

    def proof_key(self, verification_method: str) -> TrustedKey | None:
        """The Data Integrity key a proof's ``verificationMethod`` names, if trusted."""
        return self.proof_keys.get(verification_method)

    def status_list(self, issuer: str, list_id: str) -> StatusList | None:
        return self.status_lists.get((issuer, list_id))

    def age(self, now: datetime | None = None) -> timedelta:
        """How old the bundle is at ``now``."""
        return (now or datetime.now(UTC)) - self.generated_at

    def default_max_age(self, grace: timedelta = DEFAULT_GRACE) -> timedelta:
        """How old the bundle may be by default: until its ``next_update``, plus ``grace``."""
        return (self.next_update - self.generated_at) + grace

    def check_fresh(self, max_age: timedelta | None, now: datetime | None = None) -> None:
        """Raise :class:`StaleTrustBundle` when the bundle is older than ``max_age``."""
        if max_age is not None and self.age(now) > max_age:
            raise StaleTrustBundle(
                f"the trust bundle is {int(self.age(now).total_seconds())} s old "
                f"(limit {int(max_age.total_seconds())} s); fetch a new one"
            )


def age_in_words(seconds: int) -> str:
    """A bundle's age for people, in Chinese and English (``3 天前更新 / updated 3 days ago``)."""
    if seconds < 0:
        return "生成时间在未来 / generated in the future (check the clock)"
    for size, zh, en in ((86_400, "天", "day"), (3_600, "小时", "hour"), (60, "分钟", "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {zh}前更新 / updated {count} {en}{'s' if count > 1 else ''} ago"
    return "刚刚更新 / updated just now"
