"""The operator's console pages: organisation tree, institutions, staff."""

from __future__ import annotations

from fastapi import APIRouter

from issuer.console.render import ConsoleRoute

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)
