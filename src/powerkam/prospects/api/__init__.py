"""/api/v1/prospects: government key projects, their stages, "1+1" managers, tasks, contacts,
capacity reservations and headroom, the funnel, the demand by quarter and the weekly report.

Authentication is the API-wide one (bearer token or session). Domain errors answer 400 in the API's error
shape (docs/api.md); a refused reservation also carries its numbers.

One module per aggregate, each with a router of its own that ``router`` mounts (in this order, which
is the order of the paths in the OpenAPI schema):

- :mod:`.common` — who may see prospects, a project by its id, a user by username;
- :mod:`.projects` — list, register, read and change a project;
- :mod:`.stages` — the "1+1" managers and the stage changes;
- :mod:`.follow_ups` — follow-up tasks and the contact log;
- :mod:`.reservations` — capacity reservations and the feeders' headroom;
- :mod:`.funnel` — the funnel and the expected demand;
- :mod:`.report` — the weekly report.
"""

from __future__ import annotations

from ninja import Router

from powerkam.prospects.api import follow_ups, funnel, projects, report, reservations, stages

router = Router(tags=["prospects"])
for part in (projects, stages, follow_ups, reservations, funnel, report):
    router.add_router("", part.router)

__all__ = ["router"]
