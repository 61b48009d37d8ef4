"""Planned outages that hurt key accounts least (docs/rules.md §4), pure Python + numpy.

The rules, exactly:

- A customer is interrupted only if **every** feeder that supplies it is out at the same time
  (:func:`interrupted_by`; dual-supply accounts ride through the loss of one feeder).
- Typical load of a customer: the mean kW per (day type, 15-minute slot of day) over its last 28
  days of interval data; day type = working / non-working day on the official calendar
  (:func:`typical_loads`, a :class:`~powerkam.analytics.workcal.WorkCalendar` passed in). The 28
  days are the calendar days ending with the day of the customer's latest reading (before
  ``before`` when given).
- Energy not supplied of a window = Σ over interrupted customers Σ over its 15-minute slots of
  typical kW × 0.25 h (:func:`outage_impact`). Each slot takes the profile of its own day's type.
  A window whose ends are not on the 15-minute grid counts the part of a slot it covers
  (kW × covered hours), which is the same sum for a window on the grid.
- Suggested window (:func:`suggest_windows`): the start on the 15-minute grid, inside the allowed
  dates and hours, with the least ENS weighted by account weight (default 1); ties → earliest.
- Notice (:func:`notice_deadline`): planned outages at least 7 days ahead, temporary ones 24 hours.

A month of outage jobs is planned with OR-Tools CP-SAT (:func:`plan_month`): one start per job
among its allowed windows, a crew does one job at a time, jobs that together would interrupt a
multiple-supply account that neither interrupts alone never overlap, and the total weighted
ENS is minimised; :func:`naive_plan` is the earliest-feasible-start baseline.

Refusals are :class:`OutageError` subclasses carrying a ``code`` and ``params`` so the CRM can say
them in the user's language; an interrupted account without interval data is never counted as
zero: its ENS is ``None`` and its id is listed in ``unknown``.

Timestamps are naive local time (Asia/Shanghai) as in the analytics store.

One module per concern; this package re-exports their public names, so callers keep writing
``from powerkam.analytics import outages as engine`` and ``engine.suggest_windows(...)``:

- :mod:`.model` — the 15-minute grid, the refusals, supply points and feeder topology;
- :mod:`.rules` — :class:`OutageRules` (weights, notice, load days, reliability thresholds);
- :mod:`.notices` — notice deadlines;
- :mod:`.impact` — ENS of one window, who it interrupts, the load curves around it;
- :mod:`.windows` — the least harmful windows for one outage;
- :mod:`.plan` — a month of jobs (CP-SAT) and the naive baseline;
- typical loads live in :mod:`powerkam.analytics.typical` (with their derived dataset).
"""

from __future__ import annotations

from powerkam.analytics.outages.impact import AccountImpact, Impact, outage_impact, window_curves, window_ens
from powerkam.analytics.outages.model import (
    DAY_TYPES,
    SLOT,
    SLOT_HOURS,
    SLOT_MINUTES,
    TIE_KWH,
    BadWindowError,
    NoWindowError,
    OutageError,
    SupplyPoint,
    UnknownFeedersError,
    check_feeders,
    interrupted_by,
    parse_feeders,
    riding_through,
)
from powerkam.analytics.outages.notices import notice_deadline, notice_is_late
from powerkam.analytics.outages.plan import Job, Plan, PlannedJob, dual_supply_conflicts, naive_plan, plan_month
from powerkam.analytics.outages.rules import (
    DEFAULT_GRADE_WEIGHTS,
    DEFAULT_IMPORTANT_WEIGHTS,
    DEFAULT_RULES,
    OutageRules,
)
from powerkam.analytics.outages.windows import (
    HoursOfDay,
    Suggestion,
    Window,
    candidate_starts,
    duration_minutes,
    suggest_windows,
    window_sums,
)
from powerkam.analytics.typical import (
    NON_WORKING,
    SLOTS_PER_DAY,
    TYPICAL_DAYS,
    WORKING,
    DayTypes,
    TypicalLoads,
    typical_loads,
)

__all__ = [
    "DAY_TYPES",
    "DEFAULT_GRADE_WEIGHTS",
    "DEFAULT_IMPORTANT_WEIGHTS",
    "DEFAULT_RULES",
    "NON_WORKING",
    "SLOT",
    "SLOTS_PER_DAY",
    "SLOT_HOURS",
    "SLOT_MINUTES",
    "TIE_KWH",
    "TYPICAL_DAYS",
    "WORKING",
    "AccountImpact",
    "BadWindowError",
    "DayTypes",
    "HoursOfDay",
    "Impact",
    "Job",
    "NoWindowError",
    "OutageError",
    "OutageRules",
    "Plan",
    "PlannedJob",
    "Suggestion",
    "SupplyPoint",
    "TypicalLoads",
    "UnknownFeedersError",
    "Window",
    "candidate_starts",
    "check_feeders",
    "dual_supply_conflicts",
    "duration_minutes",
    "interrupted_by",
    "naive_plan",
    "notice_deadline",
    "notice_is_late",
    "outage_impact",
    "parse_feeders",
    "plan_month",
    "riding_through",
    "suggest_windows",
    "typical_loads",
    "window_curves",
    "window_ens",
    "window_sums",
]
