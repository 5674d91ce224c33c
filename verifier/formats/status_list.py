"""Status lists as IETF Token Status List bit arrays (``bits`` per entry, LSB first, ZLIB).

Why hand-written: no maintained Python library reads or writes Token Status List bits.

The trust bundle carries each list as ``{"id", "issuer", "bits", "size", "lst"}``
with ``lst`` the base64url of the ZLIB-compressed byte array (docs/formats.md).
Values: 0 valid, 1 invalid (revoked), 2 suspended.
"""

from __future__ import annotations

import binascii
import zlib
from dataclasses import dataclass
from typing import Any

from keys import b64url, b64url_decode
from verifier._errors import MalformedTrustBundle
from verifier.formats import limits

VALID, REVOKED, SUSPENDED = limits.STATUS_VALID, limits.STATUS_REVOKED, limits.STATUS_SUSPENDED
#: Smallest list size: large enough that an index tells nothing about a holder.
MIN_SIZE = 131_072
_MAX_LIST_BYTES = limits.MAX_STATUS_LIST_BYTES


@dataclass(frozen=True, slots=True)
class StatusList:
    id: str
    issuer: str
    bits: int
    size: int
    data: bytes

    def get(self, index: int) -> int:
        """The status value at ``index``; ``IndexError`` outside the list."""
        if not 0 <= index < self.size:
            raise IndexError(f"status index {index} outside list {self.id} of {self.size}")
        bit = index * self.bits
        return (self.data[bit >> 3] >> (bit & 7)) & ((1 << self.bits) - 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "issuer": self.issuer,
            "bits": self.bits,
            "size": self.size,
            "lst": b64url(zlib.compress(self.data, 9)),
        }

    @classmethod
    def from_json(cls, data: Any) -> StatusList:
        try:
            bits, size = int(data["bits"]), int(data["size"])
            if bits not in limits.STATUS_LIST_BITS or size <= 0:
                raise MalformedTrustBundle("a status list has a bad bits/size")
            decompressor = zlib.decompressobj()
            raw = decompressor.decompress(b64url_decode(data["lst"]), _MAX_LIST_BYTES)
            if decompressor.unconsumed_tail or len(raw) * 8 < size * bits:
                raise MalformedTrustBundle(f"status list {data['id']} has the wrong length")
            return cls(str(data["id"]), str(data["issuer"]), bits, size, raw)
        except (KeyError, TypeError, ValueError, binascii.Error, zlib.error) as exc:
            raise MalformedTrustBundle(f"a status list is malformed: {exc}") from None


def build(
    list_id: str, issuer: str, size: int, statuses: dict[int, int], bits: int = 2
) -> StatusList:
    """A list of ``size`` entries, all valid except the given ``{index: value}``."""
    data = bytearray((size * bits + 7) // 8)
    mask = (1 << bits) - 1
    for index, value in statuses.items():
        if not 0 <= index < size or not 0 <= value <= mask:
            raise ValueError(f"status {value} at {index} does not fit the list")
        bit = index * bits
        data[bit >> 3] = (data[bit >> 3] & ~(mask << (bit & 7))) | (value << (bit & 7))
    return StatusList(list_id, issuer, bits, size, bytes(data))
