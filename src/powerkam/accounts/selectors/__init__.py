"""Reads of accounts for the web pages, the API and the CLI — one place for the visibility rule.

Visibility: an account manager sees the accounts they manage (an active :class:`Assignment`);
supervisors, planners, viewers and administrators see every account; a user without a staff
profile sees none unless they are a superuser. Archived accounts are not listed.

One module per concern; this package re-exports their public names, so callers keep writing
``from powerkam.accounts import selectors`` and ``selectors.account_page(...)``:

- :mod:`.visibility` — who sees which accounts, one account by id, pick lists;
- :mod:`.listing` — the list's filters, sort, cached counts, filter choices and KPI summary;
- :mod:`.paging` — pages of the list (index-only ids, keyset seek for deep pages);
- :mod:`.profile` — the 360 page's managers, contacts and feeders;
- :mod:`.history` — recent changes to an account, its contacts and managers;
- :mod:`.figures` — the 360 page's figures from the analytics store (the shared DuckDB cursor);
- :mod:`.portfolio` — the overview's key-account mix, share and arrears;
- :mod:`.groups` — group companies (集团客户).

Tuning constants (``SEEK_FROM_ROW``, ``STORE_DB_MEMORY``, ``STORE_MEMO_ENTRIES``…) are not
re-exported: they are read where they are defined, so set them on that module.
"""

from __future__ import annotations

from powerkam.accounts.models import AccountQuerySet
from powerkam.accounts.selectors.figures import (
    PaymentRecord,
    account_load_curve,
    account_monthly_history,
    account_payment_record,
    store_cursor,
)
from powerkam.accounts.selectors.groups import AccountGroup, GroupMember, account_group
from powerkam.accounts.selectors.history import HistoryEntry, account_history
from powerkam.accounts.selectors.listing import (
    DEFAULT_SORT,
    LIST_CACHE_SECONDS,
    NO_GRADE,
    SORTS,
    AccountFilters,
    AccountSummary,
    account_count,
    account_list,
    account_summary,
    accounts_version,
    criteria_digest,
    filter_choices,
    list_fragment_key,
    normalise_sort,
    parse_voltage,
    sort_ordering,
)
from powerkam.accounts.selectors.paging import account_page
from powerkam.accounts.selectors.portfolio import (
    AccountArrears,
    PortfolioArrears,
    cached_store_figures,
    portfolio_arrears,
    portfolio_mix,
    portfolio_share,
)
from powerkam.accounts.selectors.profile import (
    ManagerRow,
    SupplyFeeder,
    account_contacts,
    account_feeders,
    account_managers,
)
from powerkam.accounts.selectors.visibility import (
    PICK_LIMIT,
    AccountNotVisible,
    AnyUser,
    account_get,
    account_pick_label,
    account_pick_options,
    accounts_in_scope,
    accounts_visible_to,
    scope_key,
    staff_profile,
    user_can_edit,
    user_sees_all_accounts,
)

__all__ = [
    "DEFAULT_SORT",
    "LIST_CACHE_SECONDS",
    "NO_GRADE",
    "PICK_LIMIT",
    "SORTS",
    "AccountArrears",
    "AccountFilters",
    "AccountGroup",
    "AccountNotVisible",
    "AccountQuerySet",
    "AccountSummary",
    "AnyUser",
    "GroupMember",
    "HistoryEntry",
    "ManagerRow",
    "PaymentRecord",
    "PortfolioArrears",
    "SupplyFeeder",
    "account_contacts",
    "account_count",
    "account_feeders",
    "account_get",
    "account_group",
    "account_history",
    "account_list",
    "account_load_curve",
    "account_managers",
    "account_monthly_history",
    "account_page",
    "account_payment_record",
    "account_pick_label",
    "account_pick_options",
    "account_summary",
    "accounts_in_scope",
    "accounts_version",
    "accounts_visible_to",
    "cached_store_figures",
    "criteria_digest",
    "filter_choices",
    "list_fragment_key",
    "normalise_sort",
    "parse_voltage",
    "portfolio_arrears",
    "portfolio_mix",
    "portfolio_share",
    "scope_key",
    "sort_ordering",
    "staff_profile",
    "store_cursor",
    "user_can_edit",
    "user_sees_all_accounts",
]
