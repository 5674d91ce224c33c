"""The staff console under ``/console``: server-rendered pages for the credit bank's people.

Other page folders build on :mod:`issuer.console.auth` (``StaffDep``, ``require_staff``,
``StaffFormDep``) and :func:`issuer.staff.scope.ensure_in_scope`.
"""
