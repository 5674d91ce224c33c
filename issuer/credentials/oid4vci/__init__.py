"""OpenID4VCI 1.0 issuance (pre-authorized code flow) for the creditbank issuer.

``metadata`` (issuer and authorization server metadata), ``offers`` (credential offers,
pre-authorized codes and PINs), ``tokens`` (token endpoint), ``nonces`` (``c_nonce``),
``proofs`` (key proof JWTs), ``credentials`` (credential endpoint), ``errors`` (the OAuth
error responses). The HTTP routes are in :mod:`issuer.api.oid4vci`.
"""

from issuer.credentials.oid4vci.metadata import (
    OB3_CONFIGURATION,
    PRE_AUTHORIZED_GRANT,
    SD_JWT_CONFIGURATION,
)
from issuer.credentials.oid4vci.offers import create_offer

__all__ = [
    "OB3_CONFIGURATION",
    "PRE_AUTHORIZED_GRANT",
    "SD_JWT_CONFIGURATION",
    "create_offer",
]
