"""/api/v1/grid: topology, reliability, upgrade candidates, connection priority, outage impact,
suggested windows, the month plan, outage records with their transitions, notices and follow-ups.

Authentication is the API-wide one (bearer token or session). Domain errors answer 400 in the API's error
shape (docs/api.md); account lists follow the account visibility rule (a manager sees their accounts).

One module per screen, each with a router of its own that ``router`` mounts (in this order, which is
the order of the paths in the OpenAPI schema):

- :mod:`.grid` — the topology, reliability, upgrade candidates and connection priority;
- :mod:`.planning` — the impact of a window, the best windows, the month plan;
- :mod:`.records` — outage records and their transitions;
- :mod:`.notices` — a notice's acknowledgement and the follow-ups after an outage.
"""

from __future__ import annotations

from ninja import Router

from powerkam.outages.api import grid, notices, planning, records

#: The /api/v1/grid endpoints: the network pages' figures and the outage records. They moved here from the
#: grid app; each keeps the operation id it had there, so generated clients do not change.
router = Router(tags=["grid"])
for part in (grid, planning, records, notices):
    router.add_router("", part.router)

__all__ = ["router"]
