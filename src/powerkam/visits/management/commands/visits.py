"""``powerkam visits``: due dates, plans and the weekly digest from the command line.

powerkam visits due [--as-of DATE] [--manager USERNAME] [--format json]
    → items {customer_id, grade, username, last_visit_on, due_on}
powerkam visits plan --from DATE --to DATE [--dry-run] [--format json]
    → items {customer_id, username, planned_on, due_on, late, reason, district}; saved unless --dry-run
powerkam visits digest [--today DATE] [--enqueue]
    → the weekly email to every manager (run it each Monday from cron, or queue it for the worker)
powerkam visits reassign --by USERNAME --to USERNAME ROW… [--format json]
    → the account list's bulk reassignment: ROW is a customer id, or CUSTOMER_ID:SEEN with the id of the
      primary assignment the person saw (the API's primary_assignment; 0: none) — an account reassigned
      since is refused; one refused account changes nothing, every refused one is named
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.analytics.visits import PlanItem
from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.visits import digest, selectors, services
from powerkam.visits.models import LateReason


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ApplicationError(_("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": text}) from None


def _plan_item(item: PlanItem) -> dict[str, Any]:
    return {
        "customer_id": item.customer_id,
        "username": item.username,
        "planned_on": item.planned_on,
        "due_on": item.due_on,
        "grade": item.grade,
        "late": item.late,
        "reason": item.reason,
        "district": item.district,
        "occurrence": item.occurrence,
        "provisional": item.provisional,
    }


def _reassign(options: dict[str, Any]) -> dict[str, Any]:
    """The same service as the account list's bulk bar and ``POST /api/v1/accounts/bulk``."""
    from django.contrib.auth.models import User

    from powerkam.accounts.selectors import accounts_visible_to
    from powerkam.core.bulk import BulkRefused, parse_rows

    people = {u.get_username(): u for u in User.objects.filter(username__in=[options["by"], options["to"]])}
    for name in (options["by"], options["to"]):
        if name not in people:
            raise ApplicationError(_("There is no user '%(username)s'.") % {"username": name})
    by, to_user = people[options["by"]], people[options["to"]]
    rows = parse_rows(options["rows"])
    found = {a.customer_id: a for a in accounts_visible_to(by).filter(customer_id__in=list(rows))}
    missing = [k for k in rows if k not in found]
    if missing:
        raise ApplicationError(_("No account with this customer id: %(ids)s.") % {"ids": ", ".join(missing)})
    try:
        done = services.accounts_reassign(accounts=[found[k] for k in rows], to_user=to_user, by=by, seen=rows)
    except BulkRefused as exc:
        raise exc.with_rows() from None
    return {
        "action": "reassign",
        "to": to_user.get_username(),
        "done": len(done),
        "accounts": [{"customer_id": a.account.customer_id, "primary_assignment": a.pk} for a in done],
    }


class Command(PowerKAMCommand):
    help = "Visit cadence per grade: what is due, the plan for a period, the weekly digest."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = self.subcommands(parser)

        due = sub("due", "The next visit due of every graded key account, soonest first.")
        due.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
        due.add_argument("--manager", default="", help="Only the accounts of this manager (user name).")

        plan = sub("plan", "Plan every visit due in a period on working days within each manager's capacity.")
        plan.add_argument("--from", dest="first", required=True, help="YYYY-MM-DD")
        plan.add_argument("--to", dest="last", required=True, help="YYYY-MM-DD")
        plan.add_argument("--dry-run", action="store_true", help="Show the plan without saving it.")

        again = sub("reassign", "Make one manager the primary manager of several accounts, all or nothing.")
        again.add_argument("--by", required=True, metavar="USERNAME", help="The supervisor acting.")
        again.add_argument("--to", required=True, metavar="USERNAME", help="The new primary manager.")
        again.add_argument("rows", nargs="+", metavar="ROW", help="A customer id, or CUSTOMER_ID:SEEN.")

        dig = sub("digest", "Send the weekly digest (this week's visits, overdue visits, open follow-ups).")
        dig.add_argument("--today", default=None, help="YYYY-MM-DD (default: today)")
        dig.add_argument("--enqueue", action="store_true", help="Queue it for the worker instead of sending now.")

    def run(self, *args: Any, **options: Any) -> Any:
        self._action = action = options["action"]
        if action == "reassign":
            return _reassign(options)
        if action == "due":
            as_of = _date(options["as_of"]) if options["as_of"] else None
            rows = selectors.all_visits_due(as_of=as_of, manager=options["manager"])
            return {
                "as_of": rows[0].as_of if rows else as_of,
                "items": [
                    {
                        "customer_id": r.customer_id,
                        "grade": r.grade,
                        "username": r.username,
                        "last_visit_on": r.last_visit_on,
                        "due_on": r.due_on,
                        "overdue": r.overdue,
                    }
                    for r in rows
                ],
            }
        if action == "plan":
            first, last = _date(options["first"]), _date(options["last"])
            as_of = timezone.localdate()
            computed = services.plan_compute(first_day=first, last_day=last, as_of=as_of)
            plan_id = None
            if not options["dry_run"]:
                plan_id = services.plan_save(computed=computed, as_of=as_of).pk
            # docs/rules.md §3: days in a year without a holiday notice are provisional — say which.
            warning = selectors.provisional_note([i.planned_on for i in computed.items if i.provisional])
            if warning:
                self.stderr.write(self.style.WARNING(warning))
            return {
                "from": first,
                "to": last,
                "plan": plan_id,
                "late": len(computed.late),
                "unassigned": len(computed.unassigned),
                "provisional": sum(1 for i in computed.items if i.provisional),
                "items": [_plan_item(i) for i in computed.items],
            }
        today = _date(options["today"]) if options["today"] else None
        if options["enqueue"]:
            from powerkam.visits.tasks import weekly_digest

            result = weekly_digest.enqueue(today.isoformat() if today else None)
            return {"queued": str(result.id)}
        return digest.send_weekly_digests(today=today).as_dict()

    def render_text(self, result: Any) -> str:
        if self._action == "reassign":
            return _("%(n)d accounts now have %(user)s as primary manager.") % {
                "n": result["done"],
                "user": result["to"],
            }
        if self._action == "due":
            lines = [f"{'customer_id':<14}{'grade':<6}{'manager':<14}{'last visit':<12}{'due':<12}"]
            for item in result["items"]:
                mark = "  " + _("overdue") if item["overdue"] else ""
                lines.append(
                    f"{item['customer_id']:<14}{item['grade']:<6}{item['username'] or '—':<14}"
                    f"{item['last_visit_on'] or '—'!s:<12}{item['due_on']!s:<12}{mark}"
                )
            lines.append(_("%(n)s accounts") % {"n": len(result["items"])})
            return "\n".join(lines)
        if self._action == "plan":
            lines = [f"{'planned':<12}{'manager':<14}{'district':<10}{'customer_id':<14}{'due':<12}"]
            for item in result["items"]:
                note = str(LateReason(item["reason"]).label) if item["reason"] else ""
                if item["provisional"]:
                    note = f"{note} {_('(provisional)')}".strip()
                lines.append(
                    f"{item['planned_on'] or '—'!s:<12}{item['username'] or '—':<14}{item['district'] or '—':<10}"
                    f"{item['customer_id']:<14}{item['due_on']!s:<12}{note}"
                )
            lines.append(
                _("%(n)s visits, %(late)s late, %(unassigned)s without a manager")
                % {"n": len(result["items"]), "late": result["late"], "unassigned": result["unassigned"]}
            )
            if result["provisional"]:
                lines.append(
                    _("%(n)s visits on provisional days (no holiday notice for their year yet).")
                    % {"n": result["provisional"]}
                )
            if result["plan"]:
                lines.append(_("Saved as plan #%(id)s.") % {"id": result["plan"]})
            return "\n".join(lines)
        if "queued" in result:
            return _("Digest queued (task %(id)s).") % {"id": result["queued"]}
        return _("Digest sent to %(n)s manager(s).") % {"n": result["sent"]}
