"""The home page: growth-pulse KPIs with their week-over-week change, the latest alerts
(crisis and pulse) and the latest brief."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import Response

from api.deps import Context
from api.pulse.daily import PULSE_DAILY
from api.pulse.insights import PULSE_INSIGHTS
from api.social.service import CRISIS_ALERTS
from api.storytelling.store import list_narratives
from api.web.auth import SignedIn
from api.web.pages.common import ask, in_thread, last_days, page_router
from api.web.templating import render

router = page_router()
ALERT_DAYS = 14
KPI_LABELS = {"sessions": "Sessions", "signups": "Signups", "conversions": "Conversions",
              "revenue": "Revenue", "conversion_rate": "Conversion rate"}


@router.get("/")
async def home(request: Request, context: Context, identity: SignedIn) -> Response:
    tenant = identity.principal.tenant_id
    pulse = await ask(context, tenant, PULSE_DAILY, {"latest": True})
    # Alerts of the fortnight up to the latest pulse day (the data's "now").
    anchor = date.fromisoformat(pulse[0]["pulse_date"]) if pulse else None
    date_from, date_to = last_days(ALERT_DAYS, anchor)
    span = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    crisis = await ask(context, tenant, CRISIS_ALERTS, span)
    insights = await ask(context, tenant, PULSE_INSIGHTS,
                         {**span, "severity": ["high", "medium"], "page_size": 8})
    briefs = await in_thread(list_narratives, context.db, tenant, 1)
    return render(request, "home.html", {
        "pulse": pulse[0] if pulse else None, "labels": KPI_LABELS,
        "crisis": crisis["alerts"][:8], "insights": insights["items"],
        "brief": briefs[0] if briefs else None, "alert_days": ALERT_DAYS}, identity)
