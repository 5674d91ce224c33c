"""The back-office pages of the console, in the order ``create_app`` includes them."""

from __future__ import annotations

from fastapi import APIRouter

from issuer.console import (
    audit_pages,
    credential_pages,
    keys_pages,
    learner_pages,
    pathway_pages,
    statistics_pages,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    audit_pages.router,
    learner_pages.router,
    credential_pages.router,
    keys_pages.router,
    pathway_pages.router,
    statistics_pages.router,
)
