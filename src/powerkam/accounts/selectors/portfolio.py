"""The key-account portfolio of the overview: the mix by grade, the share of the base, the arrears —
cached per version of the store files, of the accounts, and the day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q

from powerkam.accounts.models import Account, Tariff
from powerkam.accounts.selectors.figures import store_cursor
from powerkam.accounts.selectors.listing import LIST_CACHE_SECONDS, accounts_version
from powerkam.accounts.selectors.visibility import accounts_visible_to, scope_key
from powerkam.analytics import portfolio, store
from powerkam.analytics.charges import late_payment_penalty
from powerkam.staff.scope import Viewer

# ---- the key-account portfolio (the overview) -------------------------------------------------------
#
# The overview's store figures read every bill of the base (the portfolio's share) or of the key
# accounts (their overdue bills): ~1 s on 3.6 million bills. They change only when the billing or
# payments files, the accounts (a version as for the list's counts) or the day change, so they are
# cached under all of these.


def _store_stamp(*kinds: str) -> str:
    parts = [str(settings.ANALYTICS_DIR)]
    for kind in kinds:
        parts.append(store.dataset_stamp(Path(settings.ANALYTICS_DIR), kind))
    return ".".join(parts)


def _key_customer_ids(user: Viewer) -> list[str]:
    return list(accounts_visible_to(user).key_accounts().values_list("customer_id", flat=True))


#: The store figures computed last, kept in this process as they are, in front of the shared cache.
#: Computing them costs seconds (the arrears of 13,000 accounts: 1.5 s of CPU); reading them back from
#: the shared cache costs tens of milliseconds (pickled), so each web process reads them there rather
#: than computing them again, and then keeps them here. Keys carry the store stamps, the accounts'
#: version and the day, so an entry is never stale, only unused; the oldest go first.
_store_memo: OrderedDict[str, Any] = OrderedDict()
_store_memo_lock = threading.Lock()
STORE_MEMO_ENTRIES = 64
#: In the shared cache until the day is over at most (the day is part of the key).
STORE_CACHE_SECONDS = 24 * 3600


def cached_store_figures(name: str, user: Viewer, today: dt.date, kinds: tuple[str, ...], compute: Any) -> Any:
    """``compute()`` (figures read from the store's ``kinds`` for what ``user`` sees on ``today``), kept
    in this process and in the shared cache under the stamps of those datasets, the accounts' version,
    the user's scope and the day."""
    key = f"{name}:{_store_stamp(*kinds)}:{accounts_version()}:{scope_key(user)}:{today.isoformat()}"
    with _store_memo_lock:
        if key in _store_memo:
            _store_memo.move_to_end(key)
            return _store_memo[key]
    shared_key = "accounts:store:" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    value = cache.get(shared_key)
    if value is None:
        value = compute()
        cache.set(shared_key, value, STORE_CACHE_SECONDS)
    with _store_memo_lock:
        _store_memo[key] = value
        while len(_store_memo) > STORE_MEMO_ENTRIES:
            _store_memo.popitem(last=False)
    return value


def portfolio_mix(*, user: Viewer, version: str | None = None) -> dict[str, int]:
    """The key accounts ``user`` sees by grade, the important users among them and the candidates:
    one pass over the accounts, cached per version of the accounts like the list's counts."""
    key = f"accounts:mix:{version or accounts_version()}:{scope_key(user)}"
    mix = cache.get(key)
    if mix is None:
        key_account = Q(key_status="key")
        mix = accounts_visible_to(user).aggregate(
            key_accounts=Count("pk", filter=key_account),
            grade_a=Count("pk", filter=key_account & Q(grade="A")),
            grade_b=Count("pk", filter=key_account & Q(grade="B")),
            grade_c=Count("pk", filter=key_account & Q(grade="C")),
            important_users=Count("pk", filter=key_account & ~Q(important_grade="")),
            candidates=Count("pk", filter=Q(key_status="candidate")),
        )
        cache.set(key, mix, LIST_CACHE_SECONDS)
    return dict(mix)


def portfolio_share(*, user: Viewer, today: dt.date, months: int = 36) -> list[portfolio.ShareMonth]:
    """The key accounts ``user`` sees against the whole base, month by month (oldest first)."""

    def compute() -> list[portfolio.ShareMonth]:
        with store_cursor() as con:
            return portfolio.portfolio_share(settings.ANALYTICS_DIR, _key_customer_ids(user), months=months, con=con)

    return cached_store_figures(f"share{months}", user, today, ("billing",), compute)


@dataclass(frozen=True)
class AccountArrears:
    customer_id: str
    name: str
    grade: str
    district: str
    bills: int
    outstanding_yuan: Decimal
    #: Days past the due date of the oldest bill still owed.
    days_overdue: int
    #: Late-payment penalty accrued on those bills (docs/rules.md §6).
    penalty_yuan: Decimal


@dataclass(frozen=True)
class PortfolioArrears:
    as_of: dt.date
    accounts: list[AccountArrears]  # most owed first
    aging: list[portfolio.AgeBucket]
    # totals over ``accounts``, summed once (the figures are read far more often than computed)
    outstanding_yuan: Decimal
    penalty_yuan: Decimal
    bills: int


def portfolio_arrears(*, user: Viewer, today: dt.date) -> PortfolioArrears:
    """The key accounts ``user`` sees with bills unpaid after their due date, as of ``today``."""

    def compute() -> PortfolioArrears:
        with store_cursor() as con:
            overdue = portfolio.overdue_bills(settings.ANALYTICS_DIR, _key_customer_ids(user), as_of=today, con=con)
        by_customer: dict[str, list[portfolio.OverdueBill]] = {}
        for bill in overdue:
            by_customer.setdefault(bill.customer_id, []).append(bill)
        accounts = {
            a.customer_id: a
            for a in Account.objects.filter(customer_id__in=by_customer).only(
                "customer_id", "name", "tariff", "grade", "district"
            )
        }
        rows = []
        for customer_id, bills in by_customer.items():
            account = accounts.get(customer_id)
            residential = account is not None and account.tariff == Tariff.RESIDENTIAL
            rows.append(
                AccountArrears(
                    customer_id=customer_id,
                    name=account.name if account else customer_id,
                    grade=account.grade if account else "",
                    district=account.district if account else "",
                    bills=len(bills),
                    outstanding_yuan=sum((b.outstanding_yuan for b in bills), Decimal("0")),
                    days_overdue=max(b.days_overdue for b in bills),
                    penalty_yuan=sum(
                        (
                            late_payment_penalty(
                                arrears_yuan=b.outstanding_yuan,
                                due_date=b.due_date,
                                as_of=today,
                                residential=residential,
                            )
                            for b in bills
                        ),
                        Decimal("0"),
                    ),
                )
            )
        rows.sort(key=lambda r: (-r.outstanding_yuan, r.customer_id))
        return PortfolioArrears(
            as_of=today,
            accounts=rows,
            aging=portfolio.aging(overdue),
            outstanding_yuan=sum((r.outstanding_yuan for r in rows), Decimal("0")),
            penalty_yuan=sum((r.penalty_yuan for r in rows), Decimal("0")),
            bills=len(overdue),
        )

    return cached_store_figures("arrears", user, today, ("billing", "payments"), compute)
