"""Deep pages of the account list start after a remembered boundary row (keyset) instead of walking
the sort index: whatever the sort, filter or direction, a page read that way holds exactly the rows
the plain offset gives, and a change to the accounts forgets every boundary."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from factories import AccountFactory, Team
from powerkam.accounts import selectors
from powerkam.accounts.selectors import AccountFilters, account_page, paging

pytestmark = pytest.mark.django_db

PER_PAGE = 4


@pytest.fixture
def many(team: Team, monkeypatch: pytest.MonkeyPatch) -> Team:
    """40 more accounts with repeating capacities and districts (ties broken by customer id)."""
    for i in range(40):
        AccountFactory(
            customer_id=f"S{i:03d}",
            name=f"排序测试{i:03d}",
            contract_capacity_kva=Decimal(1000 + (i % 7) * 100),
            district=("东城区", "西城区")[i % 2],
            grade="ABC"[i % 3],
            credit_score=None if i % 5 == 0 else 50 + i,
        )
    monkeypatch.setattr(paging, "SEEK_FROM_ROW", PER_PAGE)  # every page after the first seeks
    return team


def _ids(page) -> list[str]:
    return [a.customer_id for a in page.object_list]


def _offset_pages(user, filters: AccountFilters) -> list[list[str]]:
    rows = [a.customer_id for a in selectors.account_list(user=user, filters=filters)]
    return [rows[i : i + PER_PAGE] for i in range(0, len(rows), PER_PAGE)]


@pytest.mark.parametrize(
    "sort",
    [
        "customer_id",
        "-customer_id",
        "contract_capacity_kva",
        "-contract_capacity_kva",
        "grade",
        "-name",
        "credit_score",
        "-credit_score",
    ],
)
@pytest.mark.parametrize("district", ["", "西城区"])
def test_every_page_holds_the_rows_of_the_plain_offset(many: Team, sort: str, district: str) -> None:
    user = many.supervisor.user
    filters = AccountFilters(sort=sort, district=district)
    expected = _offset_pages(user, filters)
    assert len(expected) > 3
    cache.clear()
    # first pass: each page from its offset (remembering boundaries); second pass: forward from them;
    # third: each page again, now read from its own boundary
    for _ in range(3):
        assert [
            _ids(account_page(user=user, filters=filters, number=n, per_page=PER_PAGE))
            for n in range(1, len(expected) + 1)
        ] == expected
    # jumping straight to a deep page, then back and forth
    cache.clear()
    for n in (len(expected), 3, 2, 3, len(expected) - 1, len(expected)):
        assert _ids(account_page(user=user, filters=filters, number=n, per_page=PER_PAGE)) == expected[n - 1]


def test_a_change_to_the_accounts_forgets_the_boundaries(many: Team) -> None:
    user = many.supervisor.user
    filters = AccountFilters(sort="-contract_capacity_kva")
    for n in (1, 2, 3):
        account_page(user=user, filters=filters, number=n, per_page=PER_PAGE)
    first = many.accounts["E100"]
    first.contract_capacity_kva = Decimal("1")  # from the top of the list to the bottom
    first.save()
    assert [
        _ids(account_page(user=user, filters=filters, number=n, per_page=PER_PAGE)) for n in (2, 3)
    ] == _offset_pages(user, filters)[1:3]
