"""The key store: encrypted private keys and their public metadata in one directory.

Layout of the directory (0700; every file 0600)::

    keys.json        public metadata: kid, alg, purpose, state, dates, public JWK
    <kid>.key        the private key, sealed with AES-256-GCM under a key scrypt
                     derives from the store passphrase (see _key_files.py)
    <kid>.pem        a private key written before, PKCS#8 PEM (still read)

Keys have a purpose, ``signing`` (QR credentials, SD-JWT VCs, status lists), ``badge``
(the Open Badges 3.0 / CLR 2.0 JWTs, RS256 by default because OB 3.0 §8.2 makes RS256
the one algorithm every verifier supports), ``proof`` (Ed25519 keys of W3C Data Integrity
proofs, ``eddsa-rdfc-2022``) or ``anchor`` (trust bundles), each rotated on its own, and
a state: ``pending`` (published, not yet signing), ``active`` (signs), ``retired``
(verifies what it signed before retirement) or ``compromised`` (with the moment
since when its signatures are not to be trusted). Private keys never leave this
module except wrapped in a :class:`Signer`, which cannot export them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from keys._errors import BadPassphrase, KeyNotFound, KeyStateError, UnsupportedAlgorithm
from keys._jwk import PrivateKey, generate_private_key, public_jwk, signing_function
from keys._key_files import read_private_key, write_private_key

Purpose = Literal["signing", "badge", "proof", "anchor"]
#: Purposes of keys that sign credentials (published in the JWKS and the trust bundle).
CREDENTIAL_PURPOSES: tuple[Purpose, ...] = ("signing", "badge")
#: The algorithm a new badge key gets unless told otherwise (docs/formats.md, algorithms).
BADGE_ALG = "RS256"
State = Literal["pending", "active", "retired", "compromised"]
_METADATA = "keys.json"
#: The algorithm of every ``proof`` key (eddsa-rdfc-2022 signs with Ed25519).
PROOF_ALG = "EdDSA"


@dataclass(frozen=True)
class KeyRecord:
    """Public facts about one key; never holds private material."""

    kid: str
    alg: str
    purpose: Purpose
    state: State
    created_at: datetime
    jwk: dict[str, Any]
    retired_at: datetime | None = None
    compromised_since: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "alg": self.alg,
            "purpose": self.purpose,
            "state": self.state,
            "created_at": _iso(self.created_at),
            "retired_at": _iso(self.retired_at),
            "compromised_since": _iso(self.compromised_since),
            "jwk": self.jwk,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyRecord:
        return cls(
            kid=data["kid"],
            alg=data["alg"],
            purpose=data["purpose"],
            state=data["state"],
            created_at=_parse(data["created_at"]) or datetime.now(UTC),
            retired_at=_parse(data.get("retired_at")),
            compromised_since=_parse(data.get("compromised_since")),
            jwk=data["jwk"],
        )


class Signer:
    """Signs bytes with one private key; knows its ``kid`` and ``alg``, exports nothing."""

    __slots__ = ("_private", "_sign", "alg", "kid")

    def __init__(self, private: PrivateKey, alg: str, kid: str) -> None:
        self._private = private
        self._sign = signing_function(private, alg)
        self.alg = alg
        self.kid = kid

    def sign(self, data: bytes) -> bytes:
        """The JWS signature of ``data`` (raw r||s for ES256)."""
        return self._sign(data)

    def __repr__(self) -> str:
        return f"Signer(kid={self.kid!r}, alg={self.alg!r})"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


class KeyStore:
    """Encrypted keys of one installation, kept in ``directory``."""

    def __init__(self, directory: Path, passphrase: bytes) -> None:
        if not passphrase:
            raise BadPassphrase("the key passphrase must not be empty")
        self.directory = Path(directory)
        self._passphrase = passphrase
        self._signers: dict[str, Signer] = {}

    # -- reading -------------------------------------------------------------------------

    def records(self) -> list[KeyRecord]:
        """Every key, oldest first."""
        path = self.directory / _METADATA
        if not path.exists():
            return []
        data = json.loads(path.read_text("utf-8"))
        return [KeyRecord.from_json(item) for item in data["keys"]]

    def record(self, kid: str) -> KeyRecord:
        for rec in self.records():
            if rec.kid == kid:
                return rec
        raise KeyNotFound(f"no key with kid {kid!r}")

    def jwks(self, purposes: tuple[Purpose, ...] = CREDENTIAL_PURPOSES) -> dict[str, Any]:
        """Public JWKS of the credential keys verifiers may still need (not compromised)."""
        return {
            "keys": [
                r.jwk for r in self.records() if r.purpose in purposes and r.state != "compromised"
            ]
        }

    def signer(self) -> Signer:
        """The active signing key."""
        return self._active("signing")

    def badge_signer(self) -> Signer:
        """The active key of the Open Badges / CLR JWTs."""
        return self._active("badge")

    def proof_signer(self) -> Signer:
        """The active Data Integrity key (Ed25519), created on first use.

        Created lazily rather than by :meth:`ensure_initialized`, so key stores made
        before Data Integrity proofs existed get one the first time they need it.
        """
        if not any(r.purpose == "proof" and r.state == "active" for r in self.records()):
            with self._locked():
                # Re-read under the lock: another worker may have just created it.
                if not any(r.purpose == "proof" and r.state == "active" for r in self.records()):
                    self._generate_locked(PROOF_ALG, "proof")
        return self._active("proof")

    def anchor_signer(self) -> Signer:
        """The trust-anchor key that signs trust bundles."""
        return self._active("anchor")

    def anchor_jwk(self) -> dict[str, Any]:
        """Public JWK of the trust anchor, the one key an offline verifier pins."""
        return self.anchor_signer_record().jwk

    def anchor_signer_record(self) -> KeyRecord:
        return self._active_record("anchor")

    # -- changing ------------------------------------------------------------------------

    def ensure_initialized(self, alg: str = "ES256", badge_alg: str = BADGE_ALG) -> None:
        """Create an active signing, badge and trust-anchor key where there is none."""
        with self._locked():
            have = {(r.purpose, r.state) for r in self.records()}
            if ("signing", "active") not in have:
                self._generate_locked(alg, "signing")
            if ("badge", "active") not in have:
                self._generate_locked(badge_alg, "badge")
            if ("anchor", "active") not in have:
                self._generate_locked("ES256", "anchor")

    def generate(self, alg: str = "ES256", purpose: Purpose = "signing") -> KeyRecord:
        """A new key: active when its purpose has no active key yet, else pending.

        A ``proof`` key is always Ed25519 (:data:`PROOF_ALG`); another ``alg`` for it is
        :class:`~keys.UnsupportedAlgorithm`.
        """
        if purpose == "proof" and alg != PROOF_ALG:
            raise UnsupportedAlgorithm(f"Data Integrity proof keys are {PROOF_ALG}, not {alg}")
        with self._locked():
            return self._generate_locked(alg, purpose)

    def rotate(
        self, alg: str = "ES256", *, purpose: Purpose = "signing", now: datetime | None = None
    ) -> KeyRecord:
        """Activate the newest pending key of ``purpose`` (or a new one); retire the active one.

        Each purpose rotates on its own: rotating the badge key leaves the signing key be.
        """
        moment = now or datetime.now(UTC)
        with self._locked():
            records = self.records()
            pending = [r for r in records if r.purpose == purpose and r.state == "pending"]
            new = pending[-1] if pending else self._generate_locked(alg, purpose, "pending")
            records = self.records()
            updated = []
            for rec in records:
                if rec.purpose == purpose and rec.state == "active":
                    rec = replace(rec, state="retired", retired_at=moment)
                elif rec.kid == new.kid:
                    rec = replace(rec, state="active")
                updated.append(rec)
            self._write(updated)
            return self.record(new.kid)

    def retire(self, kid: str, *, now: datetime | None = None) -> KeyRecord:
        """Stop signing with ``kid``; it keeps verifying what it signed before."""
        return self._change(kid, ("pending", "active"), "retired", retired_at=now)

    def compromise(self, kid: str, since: datetime) -> KeyRecord:
        """Mark ``kid`` compromised: nothing it signed from ``since`` on is trusted."""
        if since.tzinfo is None:
            raise KeyStateError("the compromise time must carry a time zone")
        return self._change(
            kid, ("pending", "active", "retired"), "compromised", compromised_since=since
        )

    # -- internals -----------------------------------------------------------------------

    def _active_record(self, purpose: Purpose) -> KeyRecord:
        active = [r for r in self.records() if r.purpose == purpose and r.state == "active"]
        if not active:
            raise KeyNotFound(f"no active {purpose} key; run `creditbank keys generate`")
        return active[-1]

    def _active(self, purpose: Purpose) -> Signer:
        rec = self._active_record(purpose)
        signer = self._signers.get(rec.kid)
        if signer is None:
            signer = Signer(self._load_private(rec.kid), rec.alg, rec.kid)
            self._signers[rec.kid] = signer
        return signer

    def _load_private(self, kid: str) -> PrivateKey:
        return read_private_key(self.directory, kid, self._passphrase)

    def _generate_locked(self, alg: str, purpose: Purpose, state: State | None = None) -> KeyRecord:
        private = generate_private_key(alg)
        jwk = public_jwk(private.public_key(), alg)
        records = self.records()
        if state is None:
            busy = any(r.purpose == purpose and r.state == "active" for r in records)
            state = "pending" if busy else "active"
        rec = KeyRecord(
            kid=jwk["kid"],
            alg=alg,
            purpose=purpose,
            state=state,
            created_at=datetime.now(UTC),
            jwk=jwk,
        )
        write_private_key(self.directory, rec.kid, private, self._passphrase)
        self._write([*records, rec])
        return rec

    def _change(
        self,
        kid: str,
        allowed: tuple[State, ...],
        state: State,
        *,
        retired_at: datetime | None = None,
        compromised_since: datetime | None = None,
    ) -> KeyRecord:
        with self._locked():
            records = self.records()
            found = [r for r in records if r.kid == kid]
            if not found:
                raise KeyNotFound(f"no key with kid {kid!r}")
            if found[0].state not in allowed:
                raise KeyStateError(f"key {kid} is {found[0].state}; cannot make it {state}")
            changed = replace(
                found[0],
                state=state,
                retired_at=found[0].retired_at or retired_at or datetime.now(UTC),
                compromised_since=compromised_since,
            )
            self._write([changed if r.kid == kid else r for r in records])
            self._signers.pop(kid, None)
            return changed

    def _write(self, records: list[KeyRecord]) -> None:
        body = json.dumps(
            {"version": 1, "keys": [r.to_json() for r in records]}, indent=2, ensure_ascii=False
        )
        tmp = self.directory / f".{_METADATA}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body + "\n")
        os.chmod(tmp, 0o600)  # an older temporary file may have kept a wider mode
        os.replace(tmp, self.directory / _METADATA)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # Several workers may start at once on one data directory; an exclusive
        # file lock keeps two of them from each creating "the" first key.
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.directory / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
