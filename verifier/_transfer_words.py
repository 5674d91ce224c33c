"""The transfer report's refusals in words: the course and its institution, never ids.

A registrar reads "“数控加工” (郑州职业学院 / Zhengzhou Vocational College): already counted —
same achievement as in credential-1.txt", not "ledger entry 1" or "jti-00001#0".
"""

from __future__ import annotations

__all__ = ["REASONS", "entry_words", "refusal"]

#: Each reason code of the report in English and Chinese.
REASONS = {
    "duplicate": "already counted — the same achievement 重复",
    "issuer_not_accepted": "issuer not accepted by the policy 发证方不在政策内",
    "holder_binding_required": "the policy requires a holder-bound credential 需持有者绑定",
    "different_learner": "issued to another learner 非同一学习者",
    "domain_not_accepted": "domain not accepted by the policy 领域不接受",
    "standard_not_accepted": "conversion standard not accepted 转换标准不接受",
    "kind_not_accepted": "achievement kind not accepted 成果类型不接受",
    "too_old": "older than the policy allows 超过年限",
    "over_domain_limit": "over the policy's credit limit for the domain 超出领域学分上限",
    "over_total_limit": "over the policy's total credit limit 超出总学分上限",
}


def entry_words(title: str, institution: str, names: tuple[str, str] | None) -> str:
    """``“title” (机构 / Institution)``; the institution's code when the bundle has no names."""
    where = f"{names[0]} / {names[1]}" if names is not None else institution
    return f"“{title}” ({where})"


def refusal(
    reason: str, detail: str | None, entry: str | None, source: str, duplicate_source: str | None
) -> str:
    """The refusal of one entry (``entry`` from :func:`entry_words`) or one credential."""
    if entry is None:  # the credential itself could not be verified
        return f"{source}: not valid 无效 ({reason}): {detail or ''}".rstrip(": ")
    words = REASONS.get(reason, reason)
    if reason == "duplicate" and duplicate_source is not None:
        return f"{entry}: {words}, as in {duplicate_source}"
    return f"{entry}: {words}"
