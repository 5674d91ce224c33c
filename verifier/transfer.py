"""The university's transfer check: verify presented credentials offline, apply a policy.

>>> policy = load_policy("transfer-policy.toml")                      # doctest: +SKIP
>>> report = evaluate([qr_text_1, qr_text_2], policy, trust)          # doctest: +SKIP
>>> report.accepted_half_credits, report.to_json()["request"]         # doctest: +SKIP

Each credential is verified by a *reader* for its format (:data:`READERS`: ``cbqr``
through :func:`verifier.verify`, Open Badges 3.0 JWTs through :func:`verifier.verify_ob3`;
other formats plug in with :func:`register_reader`), which turns it into a
:class:`PresentedCredential`. The policy then decides per credit
entry, in the order presented:

1. a credential that fails verification is rejected with the verifier's error code;
   one from an issuer the policy does not list → ``issuer_not_accepted``; without holder
   binding where the policy requires it → ``holder_binding_required``; of another
   learner than the first valid credential → ``different_learner``;
2. an entry whose achievement was already seen → ``duplicate`` (counted once, with
   ``duplicate_of``). An achievement is identified by (issuer, institution, title,
   date, standard): the same course recognised once, however many credentials carry it;
3. ``domain_not_accepted``, ``standard_not_accepted``, ``kind_not_accepted``, ``too_old``
   (achievement date more than ``max_achievement_age_days`` before ``now``);
4. ``over_domain_limit`` / ``over_total_limit``: an entry that would pass a credit limit
   is refused whole (no partial credits), later smaller entries may still fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from verifier._errors import BadEncoding, VerificationError
from verifier._policy import InvalidPolicy, TransferPolicy, load_policy, parse_policy
from verifier._transfer_readers import (
    READERS,
    PresentedCredential,
    Reader,
    read_sd_jwt_presentation,
    register_reader,
)
from verifier._transfer_words import entry_words, refusal
from verifier._trust import TrustBundle
from verifier.formats.cbqr import CreditEntry

__all__ = [
    "FINAL_OFFLINE",
    "FINAL_ONLINE",
    "READERS",
    "EntryDecision",
    "InvalidPolicy",
    "PresentedCredential",
    "Reader",
    "TransferPolicy",
    "TransferReport",
    "evaluate",
    "load_policy",
    "parse_policy",
    "read_sd_jwt_presentation",
    "register_reader",
]


@dataclass(slots=True)
class EntryDecision:
    """One credit entry of one credential, accepted or rejected with a reason code."""

    source: str
    jti: str | None
    position: int
    entry: CreditEntry | None
    accepted: bool
    reason: str | None = None
    detail: str | None = None
    duplicate_of: str | None = None
    #: The awarding institution's names (zh, en) from the trust bundle, when it has them.
    institution_name: tuple[str, str] | None = None
    #: The refusal in words, naming the course and the institution (None when accepted).
    message: str | None = None
    #: What the credit bank's record says (``creditbank-verify transfer --online``).
    recorded: dict[str, Any] | None = None

    def words(self) -> str | None:
        """The entry as a registrar names it: course and institution."""
        e = self.entry
        return None if e is None else entry_words(e.title, e.institution, self.institution_name)

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        names = self.institution_name
        return {
            "source": self.source,
            "jti": self.jti,
            "position": self.position,
            "accepted": self.accepted,
            "reason": self.reason,
            "detail": self.detail,
            "duplicate_of": self.duplicate_of,
            "title": None if e is None else e.title,
            "domain": None if e is None else e.domain,
            "kind": None if e is None else e.kind,
            "credits": None if e is None else e.credits,
            "hours": None if e is None else e.hours,
            "standard": None if e is None else e.standard,
            "institution": None if e is None else e.institution,
            "institution_name": None if names is None else {"zh": names[0], "en": names[1]},
            "date": None if e is None else e.date.isoformat(),
            "message": self.message,
            "recorded": self.recorded,
        }


#: What the report says about itself: the bank's record is final, not this check.
FINAL_OFFLINE = (
    "offline check: only the credit bank's record is final 离线核验：仅以学分银行的记录为准 "
    "(check with --online URL, or record with POST /transfers)"
)
FINAL_ONLINE = "checked against the credit bank's record 已与学分银行记录核对"


def _credits(half: int) -> int | float:
    return half // 2 if half % 2 == 0 else half / 2


@dataclass(slots=True)
class TransferReport:
    """The outcome of :func:`evaluate`: every entry's decision and the accepted totals."""

    policy: str
    evaluated_at: datetime
    trust_bundle_age_seconds: int
    learner: dict[str, str] | None = None
    decisions: list[EntryDecision] = field(default_factory=list)
    invalid_sources: list[str] = field(default_factory=list)
    accepted_half_credits: int = 0
    accepted_by_domain: dict[str, int] = field(default_factory=dict)
    #: Set by ``--online``: where and when the credit bank's records were read.
    online: dict[str, Any] | None = None

    @property
    def all_verified(self) -> bool:
        """Whether every presented credential passed verification (policy aside)."""
        return not self.invalid_sources

    def request(self) -> dict[str, Any]:
        """The body of ``POST /transfers`` recording the accepted entries."""
        items = [
            {"jti": d.jti, "position": d.position}
            for d in self.decisions
            if d.accepted and d.jti is not None
        ]
        return {"policy": self.policy, "items": items}

    def to_json(self) -> dict[str, Any]:
        rejected = [d for d in self.decisions if not d.accepted]
        return {
            "policy": self.policy,
            "evaluated_at": self.evaluated_at.isoformat().replace("+00:00", "Z"),
            "trust_bundle_age_seconds": self.trust_bundle_age_seconds,
            "learner": self.learner,
            "all_verified": self.all_verified,
            "invalid_credentials": self.invalid_sources,
            "accepted": [d.to_json() for d in self.decisions if d.accepted],
            "rejected": [d.to_json() for d in rejected],
            "totals": {
                "accepted_credits": _credits(self.accepted_half_credits),
                "accepted_entries": len(self.decisions) - len(rejected),
                "rejected_entries": len(rejected),
                "duplicates": sum(1 for d in rejected if d.reason == "duplicate"),
                "by_domain": {k: _credits(v) for k, v in sorted(self.accepted_by_domain.items())},
            },
            "request": self.request(),
            "final": FINAL_ONLINE if self.online is not None else FINAL_OFFLINE,
            "online": self.online,
        }


class _Evaluation:
    """The running state of one evaluation (seen achievements, totals)."""

    def __init__(
        self, policy: TransferPolicy, report: TransferReport, now: datetime, trust: TrustBundle
    ) -> None:
        self.trust = trust
        self.policy = policy
        self.report = report
        self.oldest = (
            None
            if policy.max_achievement_age_days is None
            else (now - timedelta(days=policy.max_achievement_age_days)).date()
        )
        self.seen: dict[tuple[str, str, str, str, str], str] = {}
        self.seen_in: dict[str, str] = {}

    def credential_reason(self, cred: PresentedCredential) -> tuple[str, str] | None:
        policy, report = self.policy, self.report
        if cred.issuer not in policy.issuers:
            return "issuer_not_accepted", f"the policy does not accept issuer {cred.issuer}"
        if policy.require_holder_binding and not cred.holder_bound:
            return "holder_binding_required", f"a {cred.format} credential is not holder-bound"
        known = report.learner
        if known is None:
            report.learner = {"name": cred.subject_name, "masked_id": cred.subject_id}
        elif known["name"] != cred.subject_name or (
            # OB 3.0 badges carry no masked ID: the name alone must then agree.
            known["masked_id"] and cred.subject_id and known["masked_id"] != cred.subject_id
        ):
            return "different_learner", "issued to another learner than the first credential"
        elif not known["masked_id"]:
            known["masked_id"] = cred.subject_id
        return None

    def decide(
        self, cred: PresentedCredential, entry: CreditEntry, source: str, position: int
    ) -> EntryDecision:
        policy, report = self.policy, self.report
        decision = EntryDecision(source, cred.jti, position, entry, False)
        decision.institution_name = institution_names(self.trust, cred.issuer, entry.institution)
        identity = (cred.issuer, entry.institution, entry.title, entry.date.isoformat())
        key = (*identity, entry.standard)
        if key in self.seen:
            decision.reason, decision.duplicate_of = "duplicate", self.seen[key]
            return decision
        self.seen[key] = f"{cred.jti}#{position}"
        self.seen_in[self.seen[key]] = source
        if policy.domains is not None and entry.domain not in policy.domains:
            decision.reason = "domain_not_accepted"
        elif not policy.accepts_standard(entry.standard):
            decision.reason = "standard_not_accepted"
        elif policy.kinds is not None and entry.kind not in policy.kinds:
            decision.reason = "kind_not_accepted"
        elif self.oldest is not None and entry.date < self.oldest:
            decision.reason = "too_old"
        else:
            domain_total = report.accepted_by_domain.get(entry.domain, 0) + entry.half_credits
            domain_cap = policy.max_domain_half_credits.get(entry.domain)
            total_cap = policy.max_total_half_credits
            if domain_cap is not None and domain_total > domain_cap:
                decision.reason = "over_domain_limit"
            elif total_cap is not None and report.accepted_half_credits + entry.half_credits > (
                total_cap
            ):
                decision.reason = "over_total_limit"
            else:
                decision.accepted = True
                report.accepted_by_domain[entry.domain] = domain_total
                report.accepted_half_credits += entry.half_credits
        return decision


def institution_names(trust: TrustBundle, issuer: str, code: str) -> tuple[str, str] | None:
    """The names (zh, en) of institution ``code`` of ``issuer`` in the bundle, if any."""
    found = trust.issuers.get(issuer)
    institution = None if found is None else found.institutions.get(code)
    return None if institution is None else (institution.name_zh, institution.name_en)


def _text(data: str | bytes) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadEncoding("the input is not UTF-8 text") from None
    return data


def _read(data: str | bytes, trust: TrustBundle, now: datetime) -> PresentedCredential:
    text = _text(data).strip()
    for _fmt, detect, reader in READERS:
        if detect(text):
            return reader(text, trust, now)
    raise BadEncoding("no reader for this credential")  # unreachable: cbqr takes the rest


def evaluate(
    credentials: Sequence[str | bytes | PresentedCredential],
    policy: TransferPolicy,
    trust: TrustBundle,
    *,
    now: datetime | None = None,
    labels: Sequence[str] | None = None,
) -> TransferReport:
    """Verify each credential offline and apply ``policy``; never raises for a credential.

    ``labels`` name the credentials in the report (file names); default ``#1``, ``#2``…
    A credential that fails verification appears as one rejected decision whose
    reason is the verifier's error code. A :class:`PresentedCredential` among them was
    verified by the caller (an SD-JWT presentation, :func:`read_sd_jwt_presentation`) and
    goes straight to the policy. The trust bundle's own freshness is the caller's
    business (:meth:`TrustBundle.check_fresh`).
    """
    moment = now or datetime.now(UTC)
    names = list(labels) if labels is not None else [f"#{i + 1}" for i in range(len(credentials))]
    if len(names) != len(credentials):
        raise ValueError("labels and credentials differ in number")
    report = TransferReport(policy.name, moment, int(trust.age(moment).total_seconds()))
    state = _Evaluation(policy, report, moment, trust)
    for source, data in zip(names, credentials, strict=True):
        try:
            cred = data if isinstance(data, PresentedCredential) else _read(data, trust, moment)
        except VerificationError as error:
            report.invalid_sources.append(source)
            report.decisions.append(
                EntryDecision(source, None, 0, None, False, error.code, error.detail)
            )
            continue
        refused = state.credential_reason(cred)
        for position, entry in enumerate(cred.entries):
            if refused is not None:
                decision = EntryDecision(source, cred.jti, position, entry, False, *refused)
                known = institution_names(trust, cred.issuer, entry.institution)
                decision.institution_name = known
            else:
                decision = state.decide(cred, entry, source, position)
            report.decisions.append(decision)
    for decision in report.decisions:
        if not decision.accepted and decision.reason is not None:
            decision.message = refusal(
                decision.reason,
                decision.detail,
                decision.words(),
                decision.source,
                state.seen_in.get(decision.duplicate_of or ""),
            )
    return report
