"""Recent changes to an account, its contacts and its managers (from django-simple-history)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from powerkam.accounts.models import Account, Assignment, AssignmentRole, Contact


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    what: str
    fields: list[str] = field(default_factory=list)


def _who(record: Any) -> str:
    user = record.history_user
    if user is None:
        return _("system")
    profile = getattr(user, "staff", None)
    return profile.name if profile is not None else user.get_username()


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def account_history(*, account: Account, limit: int = 20) -> list[HistoryEntry]:
    """Recent changes to the account, its contacts and its managers, newest first."""
    entries: list[HistoryEntry] = []
    records = list(account.history.select_related("history_user__staff").order_by("-history_date")[: limit + 1])
    # Each record against the one before it; the oldest shown has none (or was created in bulk).
    for newer, older in zip(records, [*records[1:], None][: len(records)], strict=True):
        if len(entries) >= limit:
            break
        if older is None or newer.history_type == "+":
            entries.append(HistoryEntry(newer.history_date, _who(newer), _("Account created")))
            continue
        delta = newer.diff_against(older)
        changed = [
            str(getattr(Account._meta.get_field(change.field), "verbose_name", change.field))
            for change in delta.changes
        ]
        if changed:
            entries.append(HistoryEntry(newer.history_date, _who(newer), _("Account changed"), changed))
    contact_messages = {
        "+": _("Contact added: %(name)s"),
        "~": _("Contact changed: %(name)s"),
        "-": _("Contact removed: %(name)s"),
    }
    for record in (
        Contact.history.filter(account_id=account.pk)
        .select_related("history_user__staff")
        .order_by("-history_date")[:limit]
    ):
        entries.append(
            HistoryEntry(
                record.history_date, _who(record), contact_messages[record.history_type] % {"name": record.name}
            )
        )
    assignment_messages = {
        "+": _("Manager assigned: %(name)s (%(role)s)"),
        "~": _("Assignment changed: %(name)s (%(role)s)"),
        "-": _("Assignment removed: %(name)s (%(role)s)"),
    }
    for record in (
        Assignment.history.filter(account_id=account.pk)
        .select_related("history_user__staff", "staff__staff")
        .order_by("-history_date")[:limit]
    ):
        staff = record.staff
        profile = getattr(staff, "staff", None)
        name = profile.name if profile is not None else staff.get_username()
        message = assignment_messages[record.history_type]
        if record.history_type == "~" and not record.active:
            message = _("Assignment ended: %(name)s (%(role)s)")
        entries.append(
            HistoryEntry(
                record.history_date,
                _who(record),
                message % {"name": name, "role": AssignmentRole(record.role).label},
            )
        )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
