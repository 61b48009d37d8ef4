"""The weekly email to each account manager: this week's planned visits, overdue visits and open
follow-ups (Django's mail API: the console in development, SMTP when POWERKAM_SMTP_HOST is set)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from powerkam.staff.models import Role, StaffProfile
from powerkam.staff.selectors import language_of
from powerkam.visits.selectors import MyWork, my_visits_and_followups


@dataclass
class DigestReport:
    today: dt.date
    sent: int = 0
    recipients: list[str] = field(default_factory=list)
    skipped_without_email: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "sent": self.sent,
            "recipients": self.recipients,
            "skipped_without_email": self.skipped_without_email,
        }


def digest_message(*, name: str, work: MyWork) -> tuple[str, str]:
    subject = _(
        "PowerKAM visits for the week of %(week)s: %(visits)s planned, %(overdue)s overdue, %(followups)s follow-ups"
    ) % {
        "week": work.week_start.isoformat(),
        "visits": len(work.visits_this_week),
        "overdue": len(work.overdue),
        "followups": len(work.followups),
    }
    lines = [_("Hello %(name)s,") % {"name": name}, ""]
    lines.append(
        _("Visits planned this week (%(first)s – %(last)s):")
        % {"first": work.week_start.isoformat(), "last": work.week_end.isoformat()}
    )
    for visit in work.visits_this_week:
        lines.append(
            f"  {visit.planned_on} {visit.account.customer_id} {visit.account.name}"
            + (f" · {visit.district}" if visit.district else "")
            + ("  " + _("due %(due)s") % {"due": visit.due_on.isoformat()})
        )
    if not work.visits_this_week:
        lines.append("  " + _("none"))
    lines += ["", _("Overdue visits:")]
    for row in work.overdue:
        lines.append(
            f"  {row.customer_id} {row.account.name}  "
            + _("due %(due)s, %(days)s day(s) overdue") % {"due": row.due_on.isoformat(), "days": row.days_overdue}
        )
    if not work.overdue:
        lines.append("  " + _("none"))
    lines += ["", _("Open follow-ups:")]
    for followup in work.followups:
        lines.append(f"  {followup.due_on} {followup.account.customer_id} {followup.need}")
    if not work.followups:
        lines.append("  " + _("none"))
    lines += ["", "PowerKAM"]
    return subject, "\n".join(lines)


def send_weekly_digests(*, today: dt.date | None = None) -> DigestReport:
    """One email to every active account manager with an email address."""
    today = today or timezone.localdate()
    report = DigestReport(today=today)
    messages = []
    managers = StaffProfile.objects.filter(archived=False, role=Role.MANAGER, user__is_active=True).select_related(
        "user"
    )
    for profile in managers.order_by("user__username"):
        if not profile.user.email:
            report.skipped_without_email.append(profile.username)
            continue
        with translation.override(language_of(profile.user)):  # each manager's digest in their language
            work = my_visits_and_followups(profile.user, today)
            subject, body = digest_message(name=profile.name, work=work)
        messages.append(EmailMessage(subject, body, to=[profile.user.email]))
        report.recipients.append(profile.username)
    if messages:
        with get_connection() as connection:
            report.sent = connection.send_messages(messages) or 0
    return report
