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
from powerkam.visits.selectors import active_planned_visits

#: Completed visits stay in the feed this long; everything planned ahead is in it.
KEEP_PAST_DAYS = 90


def manager_calendar(*, user: User, host: str = "powerkam", today: dt.date | None = None) -> bytes:
    today = today or timezone.localdate()
    cal = Calendar()
    cal.add("prodid", "-//PowerKAM//Key-account visits//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("PowerKAM visits · %(user)s") % {"user": user.get_username()})
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = timezone.now()
    planned = (
        active_planned_visits()
        .filter(manager=user, planned_on__gte=today - dt.timedelta(days=KEEP_PAST_DAYS))
        .order_by("planned_on", "district", "account__customer_id")
    )
    for visit in planned:
        assert visit.planned_on is not None
        event = Event()
        event.add("uid", f"planned-visit-{visit.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", visit.planned_on)
        event.add("dtend", visit.planned_on + dt.timedelta(days=1))
        event.add(
            "summary", _("Visit: %(name)s (%(id)s)") % {"name": visit.account.name, "id": visit.account.customer_id}
        )
        if visit.account.address or visit.district:
            event.add("location", " ".join(p for p in (visit.district, visit.account.address) if p))
        lines = [
            _("Grade %(grade)s, due %(due)s") % {"grade": visit.grade, "due": visit.due_on.isoformat()},
        ]
        if visit.late:
            lines.append(_("Late: %(reason)s") % {"reason": visit.get_reason_display()})
        event.add("description", "\n".join(lines))
        event.add("status", "CONFIRMED")
        if visit.status == PlannedStatus.COMPLETED:
            event.add("categories", [_("Visited")])
        cal.add_component(event)
    for followup in FollowUp.objects.filter(owner=user, status=FollowUpStatus.OPEN).select_related("account"):
        event = Event()
        event.add("uid", f"follow-up-{followup.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", followup.due_on)
        event.add("dtend", followup.due_on + dt.timedelta(days=1))
        event.add(
            "summary",
            _("Follow-up: %(need)s (%(name)s)") % {"need": followup.need[:80], "name": followup.account.name},
        )
        event.add("description", followup.need)
        cal.add_component(event)
    return cal.to_ical()
