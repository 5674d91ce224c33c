"""Qualification pathways: progress, eligibility with reasons, and redemption.

Pathways are TOML files under ``issuer/bank/qualifications_data/`` (total credits, minimum
credits per domain, the largest share from non-academic learning — any achievement kind
but ``course``). An account's credits are grouped into *units*: the net credits of one
achievement (its deposit and any corrections), or one entry without an achievement.

A deterministic greedy selection picks units — academic first, then by id — to meet each
domain minimum and then the total, never letting non-academic units exceed the share.
Progress shows what that selection counts; eligibility is its success, with a reason in
Chinese and English for each unmet requirement. Redemption consumes the selected units
(each unit counts toward one qualification only), appends ``redemption`` ledger entries
(one per domain) and signs a statement of the redeemed credits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.bank import accounts, ledger
from issuer.bank.pathways import Pathway, pathways
from issuer.core import audit, i18n, labels
from issuer.core.errors import AlreadyRedeemed, InsufficientCredits, NotFound
from issuer.core.settings import Settings
from issuer.models import Achievement, LedgerEntry, Redemption, RedemptionItem, utcnow
from issuer.models.qualifications import (
    Progress,
    Reason,
    RedemptionItemPublic,
    RedemptionPublic,
    RequirementProgress,
)
from keys import KeyStore
from verifier.formats import redemption as statement_format

__all__ = ["Pathway", "Unit", "pathways", "progress", "redeem", "redemptions", "select_units"]


@dataclass(frozen=True)
class Unit:
    key: str
    domain: str
    kind: str
    half_credits: int

    @property
    def academic(self) -> bool:
        return self.kind == "course"


def _pathway(pathway_id: str) -> Pathway:
    try:
        return pathways()[pathway_id]
    except KeyError:
        raise NotFound(f"qualification pathway {pathway_id} does not exist") from None


def _units(session: Session, learner_id: int) -> list[Unit]:
    """The account's available units: net credits > 0, not used by any redemption."""
    used = set(
        session.exec(
            select(RedemptionItem.unit)
            .join(Redemption, col(Redemption.id) == col(RedemptionItem.redemption_id))
            .where(col(Redemption.learner_id) == learner_id)
        )
    )
    kinds = dict(
        session.exec(
            select(Achievement.id, Achievement.kind).where(
                col(Achievement.learner_id) == learner_id
            )
        ).all()
    )
    net: dict[str, list[Any]] = {}
    for entry in ledger.entries(session, learner_id):
        if entry.kind == "redemption":
            continue
        key = f"a:{entry.achievement_id}" if entry.achievement_id else f"e:{entry.id}"
        kind = kinds.get(entry.achievement_id, "other") if entry.achievement_id else "other"
        slot = net.setdefault(key, [entry.domain, str(kind), 0])
        slot[2] += entry.half_credits
    return [
        Unit(key, domain, kind, half)
        for key, (domain, kind, half) in net.items()
        if half > 0 and key not in used
    ]


def _domain_name(code: str, locale: str) -> str:
    """The domain's name in ``locale`` (the words every page uses); an unknown code as it is."""
    message = labels.DOMAINS.get(code)
    return i18n.translations(locale).gettext(message) if message else code


def select_units(pathway: Pathway, units: list[Unit]) -> tuple[list[Unit], list[Reason]]:
    """The units counted toward ``pathway`` and the reasons it is not yet met (pure)."""
    ordered = sorted(units, key=lambda u: (not u.academic, u.key))
    chosen: list[Unit] = []
    non_academic = 0

    def take(unit: Unit) -> bool:
        nonlocal non_academic
        if not unit.academic and non_academic + unit.half_credits > pathway.non_academic_cap:
            return False
        chosen.append(unit)
        non_academic += 0 if unit.academic else unit.half_credits
        return True

    for domain, minimum in pathway.minimums.items():
        for unit in ordered:
            if sum(u.half_credits for u in chosen if u.domain == domain) >= minimum:
                break
            if unit.domain == domain and unit not in chosen:
                take(unit)
    for unit in ordered:
        if sum(u.half_credits for u in chosen) >= pathway.total:
            break
        if unit not in chosen:
            take(unit)
    reasons: list[Reason] = []
    for domain, minimum in pathway.minimums.items():
        have = sum(u.half_credits for u in chosen if u.domain == domain)
        if have < minimum:
            reasons.append(
                Reason(
                    code=f"domain_minimum:{domain}",
                    zh=f"{_domain_name(domain, 'zh_Hans')}领域学分 {have / 2:g}，"
                    f"至少需要 {minimum / 2:g}",
                    en=f"{have / 2:g} credits in {_domain_name(domain, 'en')}, "
                    f"at least {minimum / 2:g} needed",
                )
            )
    total = sum(u.half_credits for u in chosen)
    if total < pathway.total:
        reasons.append(
            Reason(
                code="total",
                zh=f"可计入学分 {total / 2:g}，共需 {pathway.total / 2:g}"
                f"（非学历学习至多计入 {pathway.non_academic_cap / 2:g}）",
                en=f"{total / 2:g} countable credits, {pathway.total / 2:g} needed "
                f"(at most {pathway.non_academic_cap / 2:g} from non-academic learning)",
            )
        )
    return chosen, reasons


def _redeemed(session: Session, learner_id: int, pathway_id: str) -> Redemption | None:
    return session.exec(
        select(Redemption).where(
            col(Redemption.learner_id) == learner_id, col(Redemption.pathway_id) == pathway_id
        )
    ).first()


def progress(session: Session, learner_id: int, pathway_id: str) -> Progress:
    """The account's progress toward one pathway, with eligibility and reasons."""
    pathway = _pathway(pathway_id)
    accounts.get_learner(session, learner_id)
    chosen, reasons = select_units(pathway, _units(session, learner_id))
    redeemed = _redeemed(session, learner_id, pathway_id) is not None
    if redeemed:
        reasons = [Reason(code="already_redeemed", zh="已兑换该学历", en="already redeemed")]
    public = pathway.public()
    return Progress(
        pathway_id=pathway.id,
        level=pathway.level,
        title_zh=pathway.title_zh,
        title_en=pathway.title_en,
        required_credits=public.total_credits,
        counted_credits=sum(u.half_credits for u in chosen) / 2,
        academic_credits=sum(u.half_credits for u in chosen if u.academic) / 2,
        non_academic_credits=sum(u.half_credits for u in chosen if not u.academic) / 2,
        non_academic_cap_credits=pathway.non_academic_cap / 2,
        requirements=[
            RequirementProgress(
                domain=domain,
                required_credits=minimum / 2,
                counted_credits=(have := sum(u.half_credits for u in chosen if u.domain == domain))
                / 2,
                met=have >= minimum,
            )
            for domain, minimum in pathway.minimums.items()
        ],
        eligible=not reasons,
        redeemed=redeemed,
        reasons=reasons,
    )


def _public(row: Redemption) -> RedemptionPublic:
    claims = statement_format.unverified_claims(row.statement)
    return RedemptionPublic(
        id=row.id or 0,
        learner_id=row.learner_id,
        pathway_id=row.pathway_id,
        credits=row.half_credits / 2,
        half_credits=row.half_credits,
        items=[RedemptionItemPublic.model_validate(i) for i in claims["items"]],
        ledger_entry_ids=list(claims["ledger"]),
        statement=row.statement,
        created_at=row.created_at,
    )


def redemptions(session: Session, learner_id: int) -> list[RedemptionPublic]:
    """The learner's redemptions, oldest first."""
    rows = session.exec(
        select(Redemption)
        .where(col(Redemption.learner_id) == learner_id)
        .order_by(col(Redemption.id))
    )
    return [_public(row) for row in rows]


def redeem(
    session: Session,
    settings: Settings,
    keystore: KeyStore,
    learner_id: int,
    pathway_id: str,
    *,
    actor: str,
) -> RedemptionPublic:
    """Redeem credits toward a qualification; refuse a second redemption or too few credits."""
    pathway = _pathway(pathway_id)
    learner = accounts.lock_learner(session, learner_id)
    if _redeemed(session, learner_id, pathway_id) is not None:
        raise AlreadyRedeemed(f"credits were already redeemed toward {pathway_id}")
    chosen, reasons = select_units(pathway, _units(session, learner_id))
    if reasons:
        raise InsufficientCredits("; ".join(r.en for r in reasons))
    now = utcnow()
    total = sum(u.half_credits for u in chosen)
    row = Redemption(
        learner_id=learner_id,
        pathway_id=pathway_id,
        half_credits=total,
        statement="",
        created_at=now,
    )
    session.add(row)
    try:
        session.flush()
        assert row.id is not None
        session.add_all(
            RedemptionItem(redemption_id=row.id, unit=u.key, half_credits=u.half_credits)
            for u in chosen
        )
        session.flush()
    except IntegrityError as exc:  # a concurrent redemption took the pathway or a unit
        raise AlreadyRedeemed("these credits were redeemed by a concurrent request") from exc
    by_domain: dict[str, int] = {}
    for unit in chosen:
        by_domain[unit.domain] = by_domain.get(unit.domain, 0) + unit.half_credits
    entries: list[LedgerEntry] = [
        ledger.append(
            session,
            learner_id=learner_id,
            kind="redemption",
            half_credits=-half,
            domain=domain,
            standard=f"pathway:{pathway_id}",
            rule="redemption",
            explanation=f"兑换{pathway.title_zh} / redeemed toward {pathway.title_en}",
            now=now,
        )
        for domain, half in sorted(by_domain.items())
    ]
    claims = {
        "iss": settings.issuer_id,
        "jti": f"{settings.issuer_id}:redemption:{row.id}",
        "iat": int(now.timestamp()),
        "sub": str(learner_id),
        "name": learner.name,
        "nid": learner.national_id_masked,
        "pathway": {
            "id": pathway.id,
            "level": pathway.level,
            "title_zh": pathway.title_zh,
            "title_en": pathway.title_en,
        },
        "credits": total / 2,
        "items": [
            {"unit": u.key, "domain": u.domain, "kind": u.kind, "credits": u.half_credits / 2}
            for u in chosen
        ],
        "ledger": [e.id for e in entries],
    }
    row.statement = statement_format.encode(claims, keystore.signer())
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="qualification.redeem",
        subject=f"redemption:{row.id}",
        payload=claims,
    )
    return _public(row)
