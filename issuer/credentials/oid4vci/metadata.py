"""OpenID4VCI 1.0 credential issuer metadata and OAuth 2.0 authorization server metadata.

The credential issuer identifier is the service's public base URL
(``CREDITBANK_VERIFY_BASE_URL``, the same origin that serves the verify page); the issuer is
its own authorization server, so the credential issuer metadata names none (§12.2.4).
"""

from __future__ import annotations

from typing import Any, Final

from issuer.core.settings import Settings
from issuer.credentials import type_metadata
from verifier.formats import data_integrity, vc_jwt

__all__ = [
    "CONFIGURATIONS",
    "OB3_CONFIGURATION",
    "OB3_LDP_CONFIGURATION",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "SD_JWT_CONFIGURATION",
    "authorization_server_metadata",
    "configurations",
    "credential_issuer",
    "credential_issuer_metadata",
]

#: The grant type of the pre-authorized code flow (OpenID4VCI 1.0 §4.1.1).
PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: ``typ`` of a key proof JWT (OpenID4VCI 1.0 Appendix F.1).
PROOF_TYP: Final = "openid4vci-proof+jwt"

#: Configuration id of the SD-JWT VC over one or more deposits, bound to the holder's key.
SD_JWT_CONFIGURATION: Final = "creditbank_credit_sd_jwt"
#: Configuration id of the Open Badges 3.0 AchievementCredential (JWT) over one deposit.
OB3_CONFIGURATION: Final = "creditbank_ob3_jwt"
#: Configuration id of the same AchievementCredential secured with a Data Integrity proof.
OB3_LDP_CONFIGURATION: Final = "creditbank_ob3_ldp"


def _display(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": name, "locale": locale} for locale, name in pairs]


#: ``credential_configurations_supported`` (OpenID4VCI 1.0 §12.2.4, Appendix A) without
#: what depends on the installation (the ``vct`` URL, logos): :func:`configurations`.
CONFIGURATIONS: Final[dict[str, dict[str, Any]]] = {
    SD_JWT_CONFIGURATION: {
        "format": "dc+sd-jwt",
        "scope": "credit_certificate",
        "cryptographic_binding_methods_supported": ["jwk"],
        "credential_signing_alg_values_supported": ["ES256"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}},
    },
    OB3_CONFIGURATION: {
        "format": "jwt_vc_json",
        "scope": "open_badge",
        # RS256 from the badge key by default; ES256 when asked for (docs/formats.md).
        "credential_signing_alg_values_supported": ["RS256", "ES256"],
        "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
        # The Open Badge names the learner by a hashed identity, not by a holder key:
        # no cryptographic binding, so the wallet sends no key proof for it.
    },
    OB3_LDP_CONFIGURATION: {
        # OpenID4VCI 1.0 Appendix A.1.2 (ldp_vc): a W3C credential secured with a Data
        # Integrity proof over canonicalized RDF; the signing value is the cryptosuite's
        # name (docs/oid4vci.md says why not a 2020 suite registry name). Offered only when
        # asked for (credential_configuration_ids), like any wallet that reads JSON-LD needs it.
        "format": "ldp_vc",
        "scope": "open_badge_ldp",
        "credential_signing_alg_values_supported": [data_integrity.CRYPTOSUITE],
        "credential_definition": {
            "@context": [vc_jwt.VC_CONTEXT, vc_jwt.OB_CONTEXT],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
        },
    },
}

#: (locale, name, description) of each configuration's display.
_DISPLAYS: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    SD_JWT_CONFIGURATION: (
        ("zh-CN", "学分证书", "已认定的学习成果及其学分，可选择性出示"),
        ("en", "Credit certificate", "Recognised credits; show only what you choose"),
    ),
    OB3_CONFIGURATION: (
        ("zh-CN", "开放徽章", "一项已认定的学习成果（Open Badges 3.0）"),
        ("en", "Open Badge", "One recognised achievement (Open Badges 3.0)"),
    ),
    OB3_LDP_CONFIGURATION: (
        ("zh-CN", "开放徽章（JSON-LD）", "一项已认定的学习成果，带数据完整性证明"),
        ("en", "Open Badge (JSON-LD)", "One recognised achievement, with a Data Integrity proof"),
    ),
}

_SD_JWT_CLAIMS: Final = (
    (["name"], "姓名", "Name"),
    (["masked_id"], "身份证号（部分隐藏）", "National ID (masked)"),
    (["credits"], "学分合计", "Total credits"),
    (["entries", None, "title"], "名称", "Title"),
    (["entries", None, "credits"], "学分", "Credits"),
    (["entries", None, "institution"], "认证机构", "Institution"),
    (["entries", None, "date"], "完成日期", "Completed on"),
)
_OB3_CLAIMS: Final = (
    (["credentialSubject", "achievement", "name"], "成果名称", "Achievement"),
    (["credentialSubject", "creditsEarned"], "学分", "Credits earned"),
    (["issuer", "name"], "签发机构", "Issuer"),
)


def _localised(settings: Settings, configuration_id: str) -> list[dict[str, Any]]:
    logo = {"uri": type_metadata.logo_url(settings)}
    return [
        {
            "name": name,
            "locale": locale,
            "description": description,
            "logo": {**logo, "alt_text": name},
            "background_color": type_metadata.BACKGROUND_COLOR,
            "text_color": type_metadata.TEXT_COLOR,
        }
        for locale, name, description in _DISPLAYS[configuration_id]
    ]


def configurations(settings: Settings) -> dict[str, dict[str, Any]]:
    """``credential_configurations_supported`` of this installation, with zh/en display."""
    sd = dict(CONFIGURATIONS[SD_JWT_CONFIGURATION])
    sd["vct"] = type_metadata.vct(settings)
    sd["credential_metadata"] = {
        "display": _localised(settings, SD_JWT_CONFIGURATION),
        "claims": [
            {"path": p, "display": _display((("zh-CN", z), ("en", e)))}
            for p, z, e in _SD_JWT_CLAIMS
        ],
    }
    badges = {}
    for configuration_id in (OB3_CONFIGURATION, OB3_LDP_CONFIGURATION):
        badge = dict(CONFIGURATIONS[configuration_id])
        badge["credential_metadata"] = {
            "display": _localised(settings, configuration_id),
            "claims": [
                {"path": p, "display": _display((("zh-CN", z), ("en", e)))}
                for p, z, e in _OB3_CLAIMS
            ],
        }
        badges[configuration_id] = badge
    return {SD_JWT_CONFIGURATION: sd, **badges}


def credential_issuer(settings: Settings) -> str:
    """The credential issuer identifier: the service's public base URL, without a trailing /."""
    return settings.verify_base_url.rstrip("/")


def credential_issuer_metadata(settings: Settings) -> dict[str, Any]:
    """The document at ``/.well-known/openid-credential-issuer``."""
    base = credential_issuer(settings)
    return {
        "credential_issuer": base,
        "credential_endpoint": f"{base}/oid4vci/credential",
        "nonce_endpoint": f"{base}/oid4vci/nonce",
        "display": [
            {"name": name, "locale": locale, "logo": {"uri": type_metadata.logo_url(settings)}}
            for locale, name in (
                ("zh-CN", settings.issuer_name_zh),
                ("en", settings.issuer_name_en),
            )
        ],
        "credential_configurations_supported": configurations(settings),
    }


def authorization_server_metadata(settings: Settings) -> dict[str, Any]:
    """The document at ``/.well-known/oauth-authorization-server`` (RFC 8414).

    Only the pre-authorized code grant is offered, to any wallet holding the code and
    the transaction code (anonymous access, OpenID4VCI 1.0 §12.3), so there is no
    authorization endpoint and no response type.
    """
    base = credential_issuer(settings)
    return {
        "issuer": base,
        "token_endpoint": f"{base}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }
