"""Read side of the insights area: tariff advice for one account and the opportunities across
the key accounts a user sees (docs/rules.md §5). The arithmetic is :mod:`powerkam.analytics.tariff`."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account, Assignment, AssignmentRole
from powerkam.accounts.selectors import AnyUser, accounts_visible_to
from powerkam.analytics import store
from powerkam.analytics import tariff as engine
from powerkam.core.errors import ApplicationError
from powerkam.insights.models import TariffRulesVersion
from powerkam.staff.scope import Viewer
from powerkam.workdays.selectors import work_calendar

KINDS = ("basic_charge", "time_of_use", "power_factor")


def store_dir() -> Path:
    return Path(settings.ANALYTICS_DIR)


def tariff_rules() -> engine.TariffRules:
    """The newest rules an administrator saved, else the defaults (docs/rules.md §5, demo province prices)."""
    latest = TariffRulesVersion.objects.first()
    if latest is None:
        return engine.DEFAULT_RULES
    try:
        return engine.TariffRules.from_toml(latest.rules_toml)
    except engine.TariffRulesError as exc:
        raise ApplicationError(_("The saved tariff rules cannot be used: %(error)s") % {"error": exc}) from exc


def _rules_version() -> int:
    latest = TariffRulesVersion.objects.values_list("pk", flat=True).first()
    return latest or 0


def check_period(period: str | None) -> str:
    """The period asked for (YYYY-MM) or the newest billed one; a clear error when there is none."""
    if period:
        try:
            dt.date(int(period[:4]), int(period[5:7]), 1)
            if len(period) != 7 or period[4] != "-":
                raise ValueError
        except ValueError:
            raise ApplicationError(_("%(value)r is not a period like 2026-10.") % {"value": period}) from None
        return period
    latest = engine.latest_period(store_dir())
    if latest is None:
        raise ApplicationError(_("No billing data has been imported yet: tariff advice needs 12 months of bills."))
    return latest


def terms_of(account: Account) -> engine.Terms:
    return engine.Terms(
        customer_id=account.customer_id,
        tariff=account.tariff,
        voltage_kv=float(account.voltage_kv),
        capacity_kva=float(account.contract_capacity_kva),
        basic_charge_mode=account.basic_charge_mode,
    )


def workday_test() -> Callable[[dt.date], bool]:
    """Whether a day is a working day on the official calendar, looked up once for many days."""
    calendar = work_calendar()
    return lambda day: calendar.is_workday(day).workday


def account_tariff_advice(
    *,
    account: Account,
    period: str | None = None,
    today: dt.date | None = None,
    rules: engine.TariffRules | None = None,
) -> engine.Advice:
    """The account's tariff advice for ``period`` (default: the latest complete one) under the
    installation's current rules, or ``rules`` when given (the CLI's ``--rules FILE``)."""
    period = check_period(period)
    rules = rules or tariff_rules()
    bills = engine.read_bills(store_dir(), [account.customer_id], period=period).get(account.customer_id, [])
    return engine.advise(
        terms_of(account),
        bills,
        period=period,
        rules=rules,
        today=today or timezone.localdate(),
        is_workday=workday_test(),
    )


@dataclass(frozen=True)
class Opportunity:
    customer_id: str
    name: str
    district: str
    grade: str
    manager: str
    advice: engine.Advice

    @property
    def savings(self) -> dict[str, float]:
        return dict(self.advice.items)


@dataclass(frozen=True)
class Opportunities:
    period: str
    rows: list[Opportunity]
    evaluated: int

    @property
    def total_yuan(self) -> float:
        return round(sum(r.advice.annual_saving_yuan for r in self.rows), 2)

    def by_kind(self) -> list[tuple[str, int, float]]:
        """(kind, accounts, yuan a year) for each kind of advice."""
        result = []
        for kind in KINDS:
            amounts = [r.savings[kind] for r in self.rows if kind in r.savings]
            result.append((kind, len(amounts), round(sum(amounts), 2)))
        return result

    def by_kind_and_grade(self) -> list[KindSavings]:
        """For each kind of advice, the yuan a year it saves split by the accounts' grade (the tariff
        page's chart and its table)."""
        result = []
        for kind in KINDS:
            yuan = dict.fromkeys(GRADES, 0.0)
            accounts = 0
            for r in self.rows:
                if kind in r.savings:
                    accounts += 1
                    yuan[r.grade if r.grade in yuan else ""] += r.savings[kind]
            result.append(KindSavings(kind, accounts, {g: round(v, 2) for g, v in yuan.items()}))
        return result


#: Grades in the order the savings chart stacks them ("" is not graded yet).
GRADES = ("A", "B", "C", "")


@dataclass(frozen=True)
class KindSavings:
    kind: str
    accounts: int
    yuan_by_grade: dict[str, float]

    @property
    def total_yuan(self) -> float:
        return round(sum(self.yuan_by_grade.values()), 2)


# Advice for every key account, computed once per (store file, rules, master data, period, day).
_cache: dict[tuple[Any, ...], dict[str, engine.Advice]] = {}
_lock = threading.Lock()


def _key_accounts() -> list[Account]:
    return list(
        Account.objects.key_accounts()
        .active()
        .only(
            "customer_id",
            "name",
            "district",
            "grade",
            "tariff",
            "voltage_kv",
            "contract_capacity_kva",
            "basic_charge_mode",
        )
        .order_by("customer_id")
    )


def _all_advice(period: str, today: dt.date, accounts: Sequence[Account]) -> dict[str, engine.Advice]:
    stamp = store.dataset_stamp(store_dir(), "billing")
    master = Account.objects.key_accounts().aggregate(n=Count("id"), t=Max("updated_at"))
    key = (str(store_dir()), stamp, _rules_version(), master["n"], master["t"], period, today)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    advice = engine.advise_many(
        store_dir(),
        [terms_of(a) for a in accounts],
        period=period,
        rules=tariff_rules(),
        today=today,
        is_workday=workday_test(),
    )
    result = {a.customer_id: a for a in advice}
    with _lock:
        _cache.clear()
        _cache[key] = result
    return result


def _primary_managers(account_ids: Sequence[int]) -> dict[int, str]:
    rows = (
        Assignment.objects.filter(account_id__in=account_ids, role=AssignmentRole.PRIMARY, active=True)
        .select_related("staff__staff")
        .only("account_id", "staff__username", "staff__staff__name")
    )
    names = {}
    for a in rows:
        profile = getattr(a.staff, "staff", None)
        names[a.account_id] = profile.name if profile is not None else a.staff.get_username()
    return names


def tariff_opportunities(
    *,
    user: Viewer | None,
    period: str | None = None,
    district: str = "",
    kind: str = "",
    today: dt.date | None = None,
) -> Opportunities:
    """The key accounts ``user`` sees (all of them for ``None``: the command line, run by the data
    administrator) with tariff advice worth giving, largest saving first."""
    period = check_period(period)
    if kind and kind not in KINDS:
        raise ApplicationError(_("Unknown kind of advice %(kind)r.") % {"kind": kind})
    everyone = _key_accounts()
    advice = _all_advice(period, today or timezone.localdate(), everyone)
    visible = None if user is None else set(accounts_visible_to(user).key_accounts().values_list("pk", flat=True))
    chosen = [a for a in everyone if (visible is None or a.pk in visible) and (not district or a.district == district)]
    managers = _primary_managers([a.pk for a in chosen])
    rows = [
        Opportunity(a.customer_id, a.name, a.district, a.grade, managers.get(a.pk, ""), advice[a.customer_id])
        for a in chosen
        if advice[a.customer_id].items and (not kind or kind in dict(advice[a.customer_id].items))
    ]
    rows.sort(key=lambda r: (-r.advice.annual_saving_yuan, r.customer_id))
    return Opportunities(period=period, rows=rows, evaluated=len(chosen))


def districts(*, user: AnyUser) -> list[str]:
    # order_by() first: the model's ordering (customer id) would otherwise be part of the DISTINCT
    found = accounts_visible_to(user).key_accounts().exclude(district="").order_by("district")
    return list(found.values_list("district", flat=True).distinct())
