"""Reads for planned outages: the effective rules, who each feeder supplies, the impact of a window,
the least harmful windows, a month plan — the CRM side of :mod:`powerkam.analytics.outages`.

The accounts considered are the CRM's active accounts (every customer at 10 kV and above) with
their supplying feeders; a feeder is known when the topology (GIS import) holds it and it is not
archived. Analytics refusals become :class:`ApplicationError` in the user's language, and an
interrupted account without interval data becomes a warning naming it (its ENS is unknown).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from powerkam.accounts.models import Account, KeyStatus
from powerkam.analytics import outages as engine
from powerkam.core.errors import ApplicationError
from powerkam.grid.models import Feeder
from powerkam.outages.models import OutageRulesVersion, OutageStatus, PlannedOutage
from powerkam.workdays.selectors import work_calendar


def store_dir() -> Path:
    return Path(settings.ANALYTICS_DIR)


def outage_rules() -> engine.OutageRules:
    """The newest rules an administrator saved, else the defaults of docs/rules.md §4."""
    latest = OutageRulesVersion.objects.first()
    if latest is None:
        return engine.DEFAULT_RULES
    try:
        return engine.OutageRules.from_toml(latest.rules_toml, source=_("the outage rules"))
    except engine.OutageError as exc:
        raise ApplicationError(exc.message) from exc


# -- time: the CRM is timezone-aware, the analytics store naive local ------------------------------


def to_local_naive(moment: dt.datetime) -> dt.datetime:
    if timezone.is_naive(moment):
        return moment
    return timezone.localtime(moment).replace(tzinfo=None)


def to_aware(moment: dt.datetime) -> dt.datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_moment(text: str, *, what: str = "") -> dt.datetime:
    """An ISO timestamp (local time when it has no offset) as an aware datetime."""
    try:
        value = dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ApplicationError(
            _("%(value)r is not a timestamp like 2026-11-20T08:00.") % {"value": text}, {"field": what}
        ) from None
    return to_aware(value)


def parse_day(text: str, *, what: str = "") -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ApplicationError(
            _("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": text}, {"field": what}
        ) from None


# -- errors -------------------------------------------------------------------------------------------


def application_error(exc: engine.OutageError) -> ApplicationError:
    """The analytics refusal in the user's language."""
    p = exc.params
    reason = p.get("reason", "")
    job = p.get("job")
    if isinstance(exc, engine.UnknownFeedersError):
        message = ngettext(
            "Unknown feeder: %(feeders)s. Check the id or import the feeders from GIS first.",
            "Unknown feeders: %(feeders)s. Check the ids or import the feeders from GIS first.",
            len(p.get("feeders", [])),
        ) % {"feeders": ", ".join(p.get("feeders", []))}
    elif isinstance(exc, engine.NoWindowError):
        if p.get("infeasible"):
            message = _(
                "No plan fits every job into its allowed dates and hours with one job per crew at a time "
                "and jobs that would black out a dual-supply account kept apart."
            )
        elif "time_limit_s" in p:
            message = _("No plan was found within %(seconds)s seconds; allow more time or wider windows.") % {
                "seconds": p["time_limit_s"]
            }
        else:
            where = _(" between %(hours)s each day") % {"hours": p["hours"]} if p.get("hours") else ""
            message = _("A %(hours)s-hour outage fits nowhere from %(first)s to %(last)s%(where)s.") % {
                "hours": f"{p.get('duration_hours', 0):g}",
                "first": p.get("first"),
                "last": p.get("last"),
                "where": where,
            }
    elif reason == "end_before_start":
        message = _("The outage must end after it starts.")
    elif reason == "no_feeders":
        message = _("Name at least one feeder that goes out.")
    elif reason == "hours":
        message = _("Allowed hours %(hours)r are not in the form HH:MM-HH:MM.") % {"hours": p.get("hours")}
    elif reason == "duration":
        message = _("The duration must be a number of hours above zero, not %(value)r.") % {"value": p.get("duration")}
    elif reason == "dates":
        message = _("The period ends (%(last)s) before it starts (%(first)s).") % {
            "first": p.get("first"),
            "last": p.get("last"),
        }
    else:
        message = exc.message
    if job:
        message = _("Job %(job)s: %(message)s") % {"job": job, "message": message}
    extra = {k: v for k, v in p.items() if k in ("feeders", "job", "reason")}
    return ApplicationError(message, extra)


def unknown_warning(customer_ids: list[str] | tuple[str, ...]) -> str:
    return ngettext(
        "No interval load data for %(count)d interrupted account, its energy not supplied is unknown "
        "(not counted as zero): %(ids)s.",
        "No interval load data for %(count)d interrupted accounts, their energy not supplied is unknown "
        "(not counted as zero): %(ids)s.",
        len(customer_ids),
    ) % {"count": len(customer_ids), "ids": ", ".join(customer_ids)}


def provisional_warning() -> str:
    return _(
        "Part of the window lies in a year whose official holiday notice is not known yet: day types there "
        "follow the weekend rule (provisional)."
    )


# -- topology for the engine --------------------------------------------------------------------------


def known_feeder_ids() -> set[str]:
    return set(Feeder.objects.filter(archived=False).values_list("feeder_id", flat=True))


@dataclass(frozen=True)
class AccountInfo:
    customer_id: str
    name: str
    key_account: bool
    grade: str
    important_grade: str
    feeders: tuple[str, ...]


def supply_accounts() -> dict[str, AccountInfo]:
    rows = (
        Account.objects.active()
        .exclude(feeders="")
        .values_list("customer_id", "name", "key_status", "grade", "important_grade", "feeders")
    )
    return {
        cid: AccountInfo(cid, name, status == KeyStatus.KEY, grade, important, tuple(engine.parse_feeders(feeders)))
        for cid, name, status, grade, important, feeders in rows
    }


def supply_points(rules: engine.OutageRules | None = None) -> list[engine.SupplyPoint]:
    rules = rules or outage_rules()
    return [
        engine.SupplyPoint(
            a.customer_id, a.feeders, a.name, rules.weight(grade=a.grade, important_grade=a.important_grade)
        )
        for a in supply_accounts().values()
    ]


# -- impact ---------------------------------------------------------------------------------------------


@dataclass
class ImpactReport:
    feeders: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime
    interrupted: list[dict[str, Any]]
    riding_through: list[str]
    ens_kwh: float
    weighted_ens_kwh: float
    unknown: list[str]
    warnings: list[str] = field(default_factory=list)
    provisional: bool = False

    def within(self, customer_ids: Collection[str] | None) -> ImpactReport:
        """The report as a person whose scope is ``customer_ids`` sees it (None: the whole base): the
        same totals, only the accounts in the scope named (docs/permissions.md)."""
        if customer_ids is None:
            return self
        ids = set(customer_ids)
        unknown = [c for c in self.unknown if c in ids]
        warnings = [w for w in self.warnings if not self.unknown or w != unknown_warning(self.unknown)]
        if unknown:
            warnings.insert(0, unknown_warning(unknown))
        return replace(
            self,
            interrupted=[r for r in self.interrupted if r["customer_id"] in ids],
            riding_through=[c for c in self.riding_through if c in ids],
            unknown=unknown,
            warnings=warnings,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "feeders": list(self.feeders),
            "start": self.start,
            "end": self.end,
            "hours": round((self.end - self.start).total_seconds() / 3600, 3),
            "interrupted": self.interrupted,
            "riding_through": self.riding_through,
            "ens_kwh": round(self.ens_kwh, 3),
            "weighted_ens_kwh": round(self.weighted_ens_kwh, 3),
            "unknown": self.unknown,
            "warnings": self.warnings,
            "provisional": self.provisional,
        }


def outage_impact(*, feeders: str | list[str], start: dt.datetime, end: dt.datetime) -> ImpactReport:
    """Who ``feeders`` out over ``[start, end)`` interrupts and the energy each would not get."""
    rules = outage_rules()
    accounts = supply_accounts()
    points = [
        engine.SupplyPoint(
            a.customer_id, a.feeders, a.name, rules.weight(grade=a.grade, important_grade=a.important_grade)
        )
        for a in accounts.values()
    ]
    try:
        impact = engine.outage_impact(
            points=points,
            known_feeders=known_feeder_ids(),
            feeders=feeders,
            start=to_local_naive(start),
            end=to_local_naive(end),
            calendar=work_calendar(),
            store_dir=store_dir(),
            typical_days=rules.typical_days,
        )
    except engine.OutageError as exc:
        raise application_error(exc) from exc
    interrupted = []
    for a in impact.interrupted:
        row = a.as_dict()
        info = accounts[a.customer_id]
        row.update({"key_account": info.key_account, "grade": info.grade, "important_grade": info.important_grade})
        interrupted.append(row)
    report = ImpactReport(
        feeders=impact.feeders,
        start=to_aware(impact.start),
        end=to_aware(impact.end),
        interrupted=interrupted,
        riding_through=list(impact.riding_through),
        ens_kwh=impact.ens_kwh,
        weighted_ens_kwh=impact.weighted_ens_kwh,
        unknown=list(impact.unknown),
        provisional=impact.provisional,
    )
    if impact.unknown:
        report.warnings.append(unknown_warning(impact.unknown))
    if impact.provisional:
        report.warnings.append(provisional_warning())
    return report


@dataclass
class SuggestionReport:
    feeders: tuple[str, ...]
    windows: list[dict[str, Any]]
    interrupted: list[str]
    unknown: list[str]
    candidates: int
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "feeders": list(self.feeders),
            "windows": self.windows,
            "interrupted": self.interrupted,
            "unknown": self.unknown,
            "candidates": self.candidates,
            "warnings": self.warnings,
        }


def suggest_windows(
    *,
    feeders: str | list[str],
    duration_hours: float | str,
    first: dt.date,
    last: dt.date,
    hours: str | None = None,
    limit: int = 5,
) -> SuggestionReport:
    """The least harmful windows, best first (least weighted ENS; ties → earliest)."""
    rules = outage_rules()
    try:
        result = engine.suggest_windows(
            points=supply_points(rules),
            known_feeders=known_feeder_ids(),
            feeders=feeders,
            duration_hours=duration_hours,
            first=first,
            last=last,
            hours=hours or None,
            calendar=work_calendar(),
            store_dir=store_dir(),
            typical_days=rules.typical_days,
            limit=limit,
        )
    except engine.OutageError as exc:
        raise application_error(exc) from exc
    windows = []
    for w in result.windows:
        row = w.as_dict()
        row["start"], row["end"] = to_aware(w.start), to_aware(w.end)
        windows.append(row)
    report = SuggestionReport(
        feeders=result.feeders,
        windows=windows,
        interrupted=[p.customer_id for p in result.interrupted],
        unknown=list(result.unknown),
        candidates=result.candidates,
    )
    if result.unknown:
        report.warnings.append(
            unknown_warning(result.unknown)
            + " "
            + _("The ranking leaves them out: check their windows with the impact view.")
        )
    if result.provisional:
        report.warnings.append(provisional_warning())
    return report


# -- month plan -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobInput:
    job_id: str
    feeders: str
    duration_hours: float | str
    first: dt.date
    last: dt.date
    crew: str
    hours: str = ""


PLAN_GAP = 0.01


def plan_month(*, jobs: list[JobInput], time_limit_s: float = 30.0, compare_naive: bool = True) -> dict[str, Any]:
    """The month plan of least weighted ENS (CP-SAT) and, for comparison, the earliest-start plan.

    The search stops after ``time_limit_s`` or the installation's ``OUTAGE_PLAN_MAX_SECONDS``,
    whichever comes first."""
    time_limit_s = min(time_limit_s, settings.OUTAGE_PLAN_MAX_SECONDS)
    rules = outage_rules()
    try:
        engine_jobs = [
            engine.Job(
                job_id=j.job_id,
                feeders=tuple(engine.parse_feeders(j.feeders)),
                duration_hours=float(engine.duration_minutes(j.duration_hours)) / 60,
                first=j.first,
                last=j.last,
                crew=j.crew or j.job_id,
                hours=engine.HoursOfDay.parse(j.hours) if j.hours else None,
            )
            for j in jobs
        ]
        common: dict[str, Any] = {
            "jobs": engine_jobs,
            "points": supply_points(rules),
            "known_feeders": known_feeder_ids(),
            "calendar": work_calendar(),
            "store_dir": store_dir(),
            "typical_days": rules.typical_days,
        }
        # Within 1 % of the proven bound is good enough to plan a month: the answer comes in seconds
        # (and the same every time) instead of CP-SAT searching the whole time limit for the last tenths.
        plan = engine.plan_month(**common, time_limit_s=time_limit_s, relative_gap=PLAN_GAP)
        naive = engine.naive_plan(**common) if compare_naive else None
    except engine.OutageError as exc:
        raise application_error(exc) from exc
    result = plan.as_dict()
    for job in result["jobs"]:
        job["start"], job["end"] = to_aware(job["start"]), to_aware(job["end"])
    warnings = []
    if plan.unknown:
        warnings.append(unknown_warning(plan.unknown))
    if plan.provisional:
        warnings.append(provisional_warning())
    result["warnings"] = warnings
    if naive is not None:
        result["naive"] = {
            "status": naive.status,
            "weighted_ens_kwh": round(naive.weighted_ens_kwh, 3),
            "ens_kwh": round(naive.ens_kwh, 3),
            "unplaced": list(naive.unplaced),
        }
    return result


# -- records ------------------------------------------------------------------------------------------


def outage_list(
    *, first: dt.date | None = None, last: dt.date | None = None, include_cancelled: bool = False
) -> QuerySet[PlannedOutage]:
    outages = PlannedOutage.objects.all()
    if not include_cancelled:
        outages = outages.exclude(status=OutageStatus.CANCELLED)
    if first is not None:
        outages = outages.filter(end__gte=to_aware(dt.datetime.combine(first, dt.time())))
    if last is not None:
        outages = outages.filter(start__lt=to_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time())))
    return outages.order_by("start", "id")


def notice_deadline(outage: PlannedOutage, rules: engine.OutageRules | None = None) -> dt.datetime:
    naive = engine.notice_deadline(
        to_local_naive(outage.start), temporary=outage.temporary, rules=rules or outage_rules()
    )
    return to_aware(naive)


@dataclass(frozen=True)
class NoticeState:
    deadline: dt.datetime
    #: "in_time", "late" (notified after the deadline), "overdue" (not notified, deadline passed), "due" (not yet)
    state: str

    @property
    def flagged(self) -> bool:
        return self.state in ("late", "overdue")


def notice_state(
    outage: PlannedOutage, *, now: dt.datetime | None = None, rules: engine.OutageRules | None = None
) -> NoticeState:
    deadline = notice_deadline(outage, rules)
    now = now or timezone.now()
    if outage.notified_at is not None:
        return NoticeState(deadline, "late" if outage.notified_at > deadline else "in_time")
    if outage.status in (OutageStatus.DRAFT, OutageStatus.SCHEDULED) and now > deadline:
        return NoticeState(deadline, "overdue")
    return NoticeState(deadline, "due")
