"""The prospects' panels: on the account 360 page, the government project the account grew from
(its stages, managers and contacts stay visible once it is a key account); on "My work", the
projects I co-manage with their next step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from powerkam.accounts.models import Account
from powerkam.core.stamps import tables_stamp
from powerkam.prospects import selectors
from powerkam.prospects.models import FollowUp, FollowUpStatus, Project, ProspectNote, StageChange
from powerkam.staff.models import StaffProfile
from powerkam.web.panels import Panel, register

CSS = ("prospects/prospects.css",)


def _account_projects(request: HttpRequest, account: Account) -> dict[str, Any] | None:
    projects = list(
        Project.objects.filter(account=account).select_related("primary_manager__staff", "secondary_manager__staff")
    )
    if not projects:
        return None
    return {
        "projects": [
            {
                "project": p,
                "changes": selectors.stage_changes(p),
                "contacts": p.contacts.count(),
                "url": reverse("prospects:detail", args=[p.project_id]),
            }
            for p in projects
        ]
    }


def _my_projects(request: HttpRequest, user: Any) -> dict[str, Any] | None:
    if not selectors.user_sees_prospects(user):
        return None
    today = timezone.localdate()
    projects = list(
        Project.objects.in_progress()
        .managed_by(user)
        .order_by("stage_since", "project_id")
        .prefetch_related("follow_ups")
    )
    notes = list(selectors.notes_for(user=user)[:5])
    if not projects and not notes:
        return None
    rows = []
    for p in projects:
        open_tasks = sorted(
            (t for t in p.follow_ups.all() if t.status == FollowUpStatus.OPEN),
            key=lambda t: (t.due_on is None, t.due_on or today),
        )
        rows.append(
            {
                "project": p,
                "days": selectors.days_in_stage(p, today),
                "next": next((t for t in open_tasks if not t.blocker), None),
                "blockers": sum(1 for t in open_tasks if t.blocker),
            }
        )
    return {
        "rows": rows,
        "notes": notes,
        "all_url": reverse("prospects:list") + "?mine=on&stage=open",
        "empty_text": _("You co-manage no approved project right now."),
    }


def _my_projects_stamp(user: Any, today: dt.date) -> str:
    """Everything the projects panel reads: projects, their tasks and stage changes, the staff (who may
    see projects) and the notes (a note read is an update without history: the count of unread ones)."""
    unread = selectors.notes_for(user=user).count()
    return f"{tables_stamp(Project, FollowUp, StageChange, ProspectNote, StaffProfile)}.{unread}"


def register_panels() -> None:
    register(
        "account",
        Panel(
            "prospect",
            gettext_lazy("From a government key project"),
            "prospects/_panel_account.html",
            _account_projects,
            order=15,
            css=CSS,
            lazy=True,
        ),
    )
    register(
        "home",
        Panel(
            "prospects",
            gettext_lazy("My government projects"),
            "prospects/_panel_home.html",
            _my_projects,
            order=40,
            stamp=_my_projects_stamp,
            css=CSS,
        ),
    )
