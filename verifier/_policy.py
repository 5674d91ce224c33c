"""A university's transfer policy: which credits it accepts, read strictly from TOML.

The file (an example is ``examples/transfer-policy.toml``; docs/transfer.md has every key)::

    version = 1
    name = "..."                         # shown in the report
    issuers = ["CB-DEMO"]                # accepted credit banks (trust-bundle issuer ids)
    domains = ["AM", "AI"]               # optional: accepted domain codes (absent = all)
    standards = ["GE-HOURS", "AM-VOC@1"] # optional: id (any version) or id@version
    kinds = ["course"]                   # optional: accepted achievement kinds
    max_achievement_age_days = 1825      # optional: older achievements are refused
    require_holder_binding = false       # true: only holder-bound credentials (SD-JWT VC)

    [limits]                             # optional
    total_credits = 30                   # a multiple of 0.5
    domains = { AM = 20, AI = 10 }

Any unknown key, wrong type or impossible value raises :class:`InvalidPolicy`
(code ``invalid_policy``; the CLI exits 2) naming the key.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier._errors import InputError

__all__ = ["InvalidPolicy", "TransferPolicy", "load_policy", "parse_policy"]

#: Largest policy file read; a policy is a few hundred bytes.
MAX_POLICY_BYTES = 64 * 1024
_TOP_KEYS = {
    "version",
    "name",
    "issuers",
    "domains",
    "standards",
    "kinds",
    "max_achievement_age_days",
    "require_holder_binding",
    "limits",
}
_LIMIT_KEYS = {"total_credits", "domains"}


class InvalidPolicy(InputError):
    """The transfer policy file is unreadable, has unknown keys or wrong types."""

    code = "invalid_policy"


@dataclass(frozen=True, slots=True)
class TransferPolicy:
    """A parsed policy. ``None`` for an optional rule means "no restriction"."""

    name: str
    issuers: frozenset[str]
    domains: frozenset[str] | None = None
    standards: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    max_achievement_age_days: int | None = None
    require_holder_binding: bool = False
    max_total_half_credits: int | None = None
    max_domain_half_credits: dict[str, int] = field(default_factory=dict)

    def accepts_standard(self, standard: str) -> bool:
        """Whether ``standard`` (``id@version``) is listed, by exact version or by id alone."""
        if self.standards is None:
            return True
        return standard in self.standards or standard.partition("@")[0] in self.standards


def _strings(data: dict[str, Any], key: str, *, required: bool = False) -> frozenset[str] | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidPolicy(f"policy key {key!r} is required (a list of strings)")
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidPolicy(f"policy key {key!r} must be a list of non-empty strings")
    if not value:
        raise InvalidPolicy(f"policy key {key!r} must not be empty (leave it out to allow all)")
    return frozenset(value)


def _half_credits(value: Any, where: str) -> int:
    # bool is an int in Python; TOML true is not a credit limit.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidPolicy(f"{where} must be a number of credits, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or not float(value * 2).is_integer():
        raise InvalidPolicy(f"{where} must be a non-negative multiple of 0.5, not {value}")
    return int(value * 2)


def _unknown(data: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise InvalidPolicy(f"unknown key {where}{extra[0]!r} in the policy")


def _limits(data: Any) -> tuple[int | None, dict[str, int]]:
    if data is None:
        return None, {}
    if not isinstance(data, dict):
        raise InvalidPolicy("policy key 'limits' must be a table")
    _unknown(data, _LIMIT_KEYS, "limits.")
    total = data.get("total_credits")
    by_domain = data.get("domains", {})
    if not isinstance(by_domain, dict):
        raise InvalidPolicy("policy key 'limits.domains' must be a table of domain = credits")
    return (
        None if total is None else _half_credits(total, "limits.total_credits"),
        {k: _half_credits(v, f"limits.domains.{k}") for k, v in by_domain.items()},
    )


def parse_policy(data: dict[str, Any]) -> TransferPolicy:
    """Validate a policy already read from TOML (or JSON) into a dict."""
    _unknown(data, _TOP_KEYS, "")
    version = data.get("version", 1)
    if version != 1 or isinstance(version, bool):
        raise InvalidPolicy(f"policy version {version!r} is not supported (only 1)")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise InvalidPolicy("policy key 'name' must be a string")
    age = data.get("max_achievement_age_days")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or age <= 0):
        raise InvalidPolicy("policy key 'max_achievement_age_days' must be a positive integer")
    binding = data.get("require_holder_binding", False)
    if not isinstance(binding, bool):
        raise InvalidPolicy("policy key 'require_holder_binding' must be true or false")
    total, by_domain = _limits(data.get("limits"))
    issuers = _strings(data, "issuers", required=True)
    assert issuers is not None
    return TransferPolicy(
        name=name,
        issuers=issuers,
        domains=_strings(data, "domains"),
        standards=_strings(data, "standards"),
        kinds=_strings(data, "kinds"),
        max_achievement_age_days=age,
        require_holder_binding=binding,
        max_total_half_credits=total,
        max_domain_half_credits=by_domain,
    )


def load_policy(path: str | Path) -> TransferPolicy:
    """Read and validate a TOML policy file; raises :class:`InvalidPolicy`."""
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise InvalidPolicy(f"cannot read the policy {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_POLICY_BYTES:
        raise InvalidPolicy(f"the policy file is larger than {MAX_POLICY_BYTES} bytes")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidPolicy(f"the policy {path} is not valid TOML: {exc}") from None
    return parse_policy(data)
