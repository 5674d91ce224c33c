"""OpenID4VCI 1.0 credential issuer metadata and OAuth 2.0 authorization server metadata.

The credential issuer identifier is the service's public base URL
(``CREDITBANK_VERIFY_BASE_URL``, the same origin that serves the verify page); the issuer is
its own authorization server, so the credential issuer metadata names none (§12.2.4).
"""

from __future__ import annotations

from typing import Any, Final

from issuer.core.settings import Settings
from verifier.formats import data_integrity, vc_jwt
from verifier.formats.sd_jwt import VCT

__all__ = [
    "CONFIGURATIONS",
    "OB3_CONFIGURATION",
    "OB3_LDP_CONFIGURATION",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "SD_JWT_CONFIGURATION",
    "VCT",
    "authorization_server_metadata",
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

_DISPLAY_ZH_EN = (("zh-CN", "学分证书"), ("en", "Credit certificate"))


def _display(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": name, "locale": locale} for locale, name in pairs]


#: ``credential_configurations_supported`` (OpenID4VCI 1.0 §12.2.4, Appendix A).
CONFIGURATIONS: Final[dict[str, dict[str, Any]]] = {
    SD_JWT_CONFIGURATION: {
        "format": "dc+sd-jwt",
        "vct": VCT,
        "scope": "credit_certificate",
        "cryptographic_binding_methods_supported": ["jwk"],
        "credential_signing_alg_values_supported": ["ES256"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}},
        "credential_metadata": {
            "display": _display(_DISPLAY_ZH_EN),
            "claims": [
                {"path": ["name"], "display": _display((("zh-CN", "姓名"), ("en", "Name")))},
                {"path": ["credits"], "display": _display((("zh-CN", "学分"), ("en", "Credits")))},
            ],
        },
    },
    OB3_CONFIGURATION: {
        "format": "jwt_vc_json",
        "scope": "open_badge",
        "credential_signing_alg_values_supported": ["ES256"],
        "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
        # The Open Badge names the learner by a hashed identity, not by a holder key:
        # no cryptographic binding, so the wallet sends no key proof for it.
        "credential_metadata": {
            "display": _display((("zh-CN", "开放徽章"), ("en", "Open Badge"))),
        },
    },
    OB3_LDP_CONFIGURATION: {
        # OpenID4VCI 1.0 Appendix A.1.2: a W3C credential secured with a Data Integrity
        # proof; the signing values are cryptosuite names. Offered only when asked for
        # (credential_configuration_ids), like any wallet that reads JSON-LD needs it.
        "format": "ldp_vc",
        "scope": "open_badge_ldp",
        "credential_signing_alg_values_supported": [data_integrity.CRYPTOSUITE],
        "credential_definition": {
            "@context": [vc_jwt.VC_CONTEXT, vc_jwt.OB_CONTEXT],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
        },
        "credential_metadata": {
            "display": _display((("zh-CN", "开放徽章"), ("en", "Open Badge"))),
        },
    },
}


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
            {"name": settings.issuer_name_zh, "locale": "zh-CN"},
            {"name": settings.issuer_name_en, "locale": "en"},
        ],
        "credential_configurations_supported": CONFIGURATIONS,
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
