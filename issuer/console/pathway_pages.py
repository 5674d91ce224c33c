"""The operator's qualification pathways page: what each pathway asks, and its redemptions.

The pathways are the shipped definitions (:mod:`issuer.bank.pathways`): the total credits,
the minimum per domain and the largest share non-academic learning may make up. Beside
each stand how many learners redeemed it and when the last did.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, func, select

from issuer.api.deps import SessionDep
from issuer.bank import pathways
from issuer.console.auth import OperatorDep
from issuer.console.render import ConsoleRoute, page
from issuer.core import labels
from issuer.models import Redemption

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)


@router.get("/pathways")
def pathways_page(request: Request, session: SessionDep, current: OperatorDep) -> HTMLResponse:
    """Every pathway with its requirements and redemption figures."""
    counts = {
        pathway_id: (count, last)
        for pathway_id, count, last in session.exec(
            select(Redemption.pathway_id, func.count(), func.max(Redemption.created_at)).group_by(
                col(Redemption.pathway_id)
            )
        )
    }
    rows = [
        {
            "pathway": p,
            "redeemed": counts.get(p.id, (0, None))[0],
            "last": counts.get(p.id, (0, None))[1],
        }
        for p in sorted(pathways.pathways().values(), key=lambda p: (p.level, p.id))
    ]
    return page(
        request,
        "pathways.html",
        staff=current,
        csrf=current.csrf,
        rows=rows,
        domains=labels.DOMAINS,
    )
