"""The interop tests use the issuer test fixtures: one migrated database and one app,
and Digital Bazaar's Node stack installed once (tests/interop/digitalbazaar.py)."""

from tests.interop.digitalbazaar import node_stack  # noqa: F401  (fixture)
from tests.issuer.conftest import (  # noqa: F401  (fixtures, registered by import)
    admin,
    app,
    client,
    db_url,
    engine,
    inst_a,
    settings,
)
