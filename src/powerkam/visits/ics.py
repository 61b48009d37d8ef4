"""A manager's planned visits and open follow-ups as an iCalendar (RFC 5545) feed.

Outlook, phones and other calendar apps subscribe to the secret link; each visit is an all-day
event on its planned day with a stable UID, so moving it in PowerKAM moves it in the app too.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from powerkam.visits.models import FollowUp, FollowUpStatus, PlannedStatus
from powerkam.visits.selectors import active_planned_visits, provisional_days
from powerkam.workdays.selectors import provisional_warning

#: Completed visits stay in the feed this long; everything planned ahead is in it.
KEEP_PAST_DAYS = 90


def _mark(summary: str, provisional: bool) -> str:
    """The event's title, with "(provisional)" when its day rests on a year without a notice."""
    return f"{summary} {_('(provisional)')}" if provisional else summary


def manager_calendar(*, user: User, host: str = "powerkam", today: dt.date | None = None) -> bytes:
    today = today or timezone.localdate()
    cal = Calendar()
    cal.add("prodid", "-//PowerKAM//Key-account visits//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("PowerKAM visits · %(user)s") % {"user": user.get_username()})
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = timezone.now()
    planned = list(
        active_planned_visits()
        .filter(manager=user, planned_on__gte=today - dt.timedelta(days=KEEP_PAST_DAYS))
        .order_by("planned_on", "district", "account__customer_id")
    )
    followups = list(FollowUp.objects.filter(owner=user, status=FollowUpStatus.OPEN).select_related("account"))
    # docs/rules.md §3: a day in a year without a holiday notice is provisional; the event says so.
    provisional = provisional_days([v.planned_on for v in planned] + [f.due_on for f in followups])
    for visit in planned:
        assert visit.planned_on is not None
        event = Event()
        event.add("uid", f"planned-visit-{visit.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", visit.planned_on)
        event.add("dtend", visit.planned_on + dt.timedelta(days=1))
        summary = _("Visit: %(name)s (%(id)s)") % {"name": visit.account.name, "id": visit.account.customer_id}
        event.add("summary", _mark(summary, visit.planned_on in provisional))
        if visit.account.address or visit.district:
            event.add("location", " ".join(p for p in (visit.district, visit.account.address) if p))
        lines = [
            _("Grade %(grade)s, due %(due)s") % {"grade": visit.grade, "due": visit.due_on.isoformat()},
        ]
        if visit.late:
            lines.append(_("Late: %(reason)s") % {"reason": visit.get_reason_display()})
        if visit.planned_on in provisional:
            lines.append(provisional_warning([visit.planned_on.year]))
        event.add("description", "\n".join(lines))
        event.add("status", "CONFIRMED")
        if visit.status == PlannedStatus.COMPLETED:
            event.add("categories", [_("Visited")])
        cal.add_component(event)
    for followup in followups:
        event = Event()
        event.add("uid", f"follow-up-{followup.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", followup.due_on)
        event.add("dtend", followup.due_on + dt.timedelta(days=1))
        summary = _("Follow-up: %(need)s (%(name)s)") % {"need": followup.need[:80], "name": followup.account.name}
        event.add("summary", _mark(summary, followup.due_on in provisional))
        description = followup.need
        if followup.due_on in provisional:
            description += "\n" + provisional_warning([followup.due_on.year])
        event.add("description", description)
        cal.add_component(event)
    return cal.to_ical()
