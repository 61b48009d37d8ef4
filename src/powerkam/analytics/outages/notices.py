"""Notice of an outage (docs/rules.md §4): planned outages at least 7 days ahead, temporary ones 24
hours (or what the rules version says)."""

from __future__ import annotations

import datetime as dt

from powerkam.analytics.outages.rules import DEFAULT_RULES, OutageRules


def notice_deadline(start: dt.datetime, *, temporary: bool, rules: OutageRules = DEFAULT_RULES) -> dt.datetime:
    """The latest moment customers may be notified: 7 days (planned) or 24 hours (temporary) before the start."""
    if temporary:
        return start - dt.timedelta(hours=rules.temporary_notice_hours)
    return start - dt.timedelta(days=rules.planned_notice_days)


def notice_is_late(
    start: dt.datetime, notified_at: dt.datetime, *, temporary: bool, rules: OutageRules = DEFAULT_RULES
) -> bool:
    """True when ``notified_at`` is after the deadline (a notice exactly at the deadline is in time)."""
    return notified_at > notice_deadline(start, temporary=temporary, rules=rules)
