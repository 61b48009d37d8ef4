"""Grid & outages pages (/grid/, URL names ``grid:…``): topology, reliability, outage calendar, an
outage with its impact, load curves and what-if, the impact tool, upgrade candidates and connection
priority. They moved here from the grid app, which keeps the network itself (docs/architecture.md,
"Layers").

Thin: parse, call one selector or service, render. Everyone logged in may look; outage planners,
supervisors and administrators change outage records. The acknowledgement link in a notice email
works without logging in (it carries its own code).

One module per screen; this package re-exports the views ``outages/urls.py`` routes:

- :mod:`.grid` — the topology, the reliability table, the upgrade candidates;
- :mod:`.calendar` — the month's outages and the new-outage form;
- :mod:`.outage` — an outage's page and its letter to an account;
- :mod:`.actions` — the status actions, notice acknowledgements, follow-up close;
- :mod:`.impact` — the impact tool and the impact parts an outage's page shares;
- :mod:`.plan` — the month plan: plan, accept, export.
"""

from __future__ import annotations

from powerkam.outages.views.actions import follow_up_close, notice_ack, notice_acknowledge, outage_action
from powerkam.outages.views.calendar import outage_calendar, outage_new
from powerkam.outages.views.grid import reliability, topology, upgrades
from powerkam.outages.views.impact import impact_tool
from powerkam.outages.views.outage import outage_detail, outage_letter
from powerkam.outages.views.plan import outage_plan, outage_plan_accept, outage_plan_export

__all__ = [
    "follow_up_close",
    "impact_tool",
    "notice_ack",
    "notice_acknowledge",
    "outage_action",
    "outage_calendar",
    "outage_detail",
    "outage_letter",
    "outage_new",
    "outage_plan",
    "outage_plan_accept",
    "outage_plan_export",
    "reliability",
    "topology",
    "upgrades",
]
