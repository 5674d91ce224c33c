"""The interop tests use the issuer test fixtures: one migrated database and one app."""

from tests.issuer.conftest import (  # noqa: F401  (fixtures, registered by import)
    admin,
    app,
    client,
    db_url,
    engine,
    inst_a,
    settings,
)
