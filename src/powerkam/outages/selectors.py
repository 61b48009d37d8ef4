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
from powerkam.outages.models import AffectedAccount, OutageRulesVersion, OutageStatus, PlannedOutage
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
    #: The accounts of ``riding_through`` named: customer id, name, feeders, key account, grades.
    riding_through_accounts: list[dict[str, Any]] = field(default_factory=list)

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
            riding_through_accounts=[r for r in self.riding_through_accounts if r["customer_id"] in ids],
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
            "riding_through_accounts": self.riding_through_accounts,
            "ens_kwh": round(self.ens_kwh, 3),
            "weighted_ens_kwh": round(self.weighted_ens_kwh, 3),
            "unknown": self.unknown,
            "warnings": self.warnings,
            "provisional": self.provisional,
        }


def _riding(info: AccountInfo) -> dict[str, Any]:
    """An account that keeps supply on another feeder, named (issue 19: counted and named)."""
    return {
        "customer_id": info.customer_id,
        "name": info.name,
        "feeders": list(info.feeders),
        "key_account": info.key_account,
        "grade": info.grade,
        "important_grade": info.important_grade,
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
        riding_through_accounts=[_riding(accounts[cid]) for cid in impact.riding_through],
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
    #: The draft or scheduled outage this job is (picked on the plan page): accepting the plan
    #: moves it, with the version seen when it was picked; None for a job of a file.
    outage_id: int | None = None
    outage_version: int | None = None
    title: str = ""


#: The columns of a jobs file (CSV or xlsx; ``powerkam outages plan``, the plan page).
JOB_COLUMNS = ("job_id", "feeders", "duration_hours", "from", "to")
JOB_OPTIONAL = ("crew", "hours")


def _job_rows(name: str, content: bytes) -> list[dict[str, str]]:
    """The rows of a jobs file as text, header names lower-cased."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        import io

        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ApplicationError(
                _("%(name)s is not a readable Excel workbook: %(error)s") % {"name": name, "error": exc},
                {"field": "jobs"},
            ) from exc
        table = [
            ["" if v is None else (f"{v:%Y-%m-%d}" if isinstance(v, dt.date) else f"{v}") for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    else:
        import csv

        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ApplicationError(_("%(name)s is neither UTF-8 nor GB18030 text.") % {"name": name}, {"field": "jobs"})
        table = list(csv.reader(text.splitlines()))
    table = [row for row in table if any(str(c).strip() for c in row)]
    if not table:
        raise ApplicationError(_("%(name)s holds no jobs.") % {"name": name}, {"field": "jobs"})
    header = [str(c).strip().lower() for c in table[0]]
    missing = [c for c in JOB_COLUMNS if c not in header]
    if missing:
        raise ApplicationError(
            _("%(path)s needs the columns %(columns)s (and optionally crew, hours).")
            % {"path": name, "columns": ", ".join(JOB_COLUMNS)},
            {"field": "jobs", "missing": missing},
        )
    return [{h: str(row[i]).strip() if i < len(row) else "" for i, h in enumerate(header)} for row in table[1:]]


def read_jobs(name: str, content: bytes) -> list[JobInput]:
    """The jobs of a file (CSV in UTF-8 or GB18030, or the first sheet of an xlsx): columns
    job_id, feeders, duration_hours, from, to and optionally crew, hours. A bad value is refused
    naming its row (the row number the user sees) and column; nothing is planned."""
    jobs = []
    seen: set[str] = set()
    for number, row in enumerate(_job_rows(name, content), start=2):
        job_id = row["job_id"]
        try:
            if not job_id:
                raise ApplicationError(_("job_id is empty."), {"field": "job_id"})
            if job_id in seen:
                raise ApplicationError(_("job_id %(job)s appears twice.") % {"job": job_id}, {"field": "job_id"})
            seen.add(job_id)
            jobs.append(
                JobInput(
                    job_id=job_id,
                    feeders=row["feeders"],
                    duration_hours=row["duration_hours"],
                    first=parse_day(row["from"], what="from"),
                    last=parse_day(row["to"], what="to"),
                    crew=row.get("crew", ""),
                    hours=row.get("hours", ""),
                )
            )
        except ApplicationError as exc:
            raise ApplicationError(
                _("%(name)s, row %(row)d: %(message)s") % {"name": name, "row": number, "message": exc.message},
                {**exc.extra, "row": number},
            ) from exc
    return jobs


def plan_candidates(first: dt.date, last: dt.date) -> QuerySet[PlannedOutage]:
    """The outages of a month a plan may move: drafts and scheduled ones (not yet notified)."""
    return outage_list(first=first, last=last).filter(status__in=[OutageStatus.DRAFT, OutageStatus.SCHEDULED])


def jobs_from_outages(outage_ids: Collection[int], *, first: dt.date, last: dt.date, hours: str = "") -> list[JobInput]:
    """Picked outages as jobs: their feeders, length and crew, allowed anywhere from ``first`` to
    ``last`` within ``hours``. Only drafts and scheduled outages can be moved."""
    outages = list(PlannedOutage.objects.filter(pk__in=outage_ids).order_by("start", "pk"))
    for outage in outages:
        if not outage.editable:
            raise ApplicationError(
                _("Outage %(title)s is %(status)s: only drafts and scheduled outages can be planned.")
                % {"title": outage.title, "status": outage.get_status_display()},
                {"field": "outages"},
            )
    return [
        JobInput(
            job_id=f"#{o.pk}",
            feeders=o.feeders,
            duration_hours=round((o.end - o.start).total_seconds() / 3600, 4),
            first=first,
            last=last,
            crew=o.crew,
            hours=hours,
            outage_id=o.pk,
            outage_version=o.version,
            title=o.title,
        )
        for o in outages
    ]


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


def outages_affecting(*, account: Account, limit: int = 10) -> list[AffectedAccount]:
    """The newest outages that interrupt ``account`` (its affected rows with their outage), newest first."""
    return list(
        AffectedAccount.objects.filter(account=account).select_related("outage").order_by("-outage__start")[:limit]
    )


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
