"""Use cases that change prospects. Each is one transaction: everything or nothing.

The stage rules (paper §3(三)) are written once, in :mod:`powerkam.prospects.services.stages`.

One module per aggregate; this package re-exports their public names, so callers keep writing
``from powerkam.prospects import services`` and ``services.project_advance(...)``:

- :mod:`.common` — the messages callers rely on and the helpers every use case shares;
- :mod:`.projects` — create and edit a project, its "1+1" managers;
- :mod:`.stages` — stage changes (and what applied and energised open), the stage log;
- :mod:`.follow_ups` — follow-up tasks and the contact log;
- :mod:`.reservations` — supply capacity reserved for a project, the release of expired ones;
- :mod:`.notes` — a person's inbox notes.
"""

from __future__ import annotations

from powerkam.analytics.headroom import POWER_FACTOR
from powerkam.prospects.models import PIPELINE
from powerkam.prospects.services.common import (
    BAD_MOVE,
    BEFORE_LAST,
    FINAL_STAGE,
    FUTURE_DATE,
    LOST_REASON,
    MANAGERS_MISSING,
    NO_HEADROOM,
    NOT_STAFF,
    READ_ONLY,
    RESERVE_STAGE,
    SAME_MANAGER,
    UNKNOWN_CAPACITY,
    fmt_number,
)
from powerkam.prospects.services.follow_ups import (
    contact_log_add,
    follow_up_cancel,
    follow_up_create,
    follow_up_done,
)
from powerkam.prospects.services.notes import notes_mark_read
from powerkam.prospects.services.projects import (
    EDITABLE_FIELDS,
    project_create,
    project_managers_set,
    project_update,
)
from powerkam.prospects.services.reservations import (
    ReleaseReport,
    reservation_create,
    reservation_extend,
    reservation_release,
    reservations_release_expired,
)
from powerkam.prospects.services.stages import NEXT, Connection, project_advance, stage_check, stage_log_sync

__all__ = [
    "BAD_MOVE",
    "BEFORE_LAST",
    "EDITABLE_FIELDS",
    "FINAL_STAGE",
    "FUTURE_DATE",
    "LOST_REASON",
    "MANAGERS_MISSING",
    "NEXT",
    "NOT_STAFF",
    "NO_HEADROOM",
    "PIPELINE",
    "POWER_FACTOR",
    "READ_ONLY",
    "RESERVE_STAGE",
    "SAME_MANAGER",
    "UNKNOWN_CAPACITY",
    "Connection",
    "ReleaseReport",
    "contact_log_add",
    "fmt_number",
    "follow_up_cancel",
    "follow_up_create",
    "follow_up_done",
    "notes_mark_read",
    "project_advance",
    "project_create",
    "project_managers_set",
    "project_update",
    "reservation_create",
    "reservation_extend",
    "reservation_release",
    "reservations_release_expired",
    "stage_check",
    "stage_log_sync",
]
