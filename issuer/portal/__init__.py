"""The learner portal: server-rendered pages under ``/portal`` (see :mod:`issuer.portal.pages`)."""

from issuer.portal.pages import router

__all__ = ["router"]
