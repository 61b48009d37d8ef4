"""The overview's service tile keeps its figures five minutes per user, not per language (issue 19, one
language a page): the business types' labels are put in the reader's language after the cache, so
figures first computed on a Chinese page read in English on an English one (tile, API, workbook)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import translation

from powerkam.accounts.models import Account
from powerkam.service import services
from powerkam.service.models import TicketKind
from powerkam.web import dashboard

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


def _labels(user: User) -> dict[str, str]:
    figures = dashboard.figures_for(user, TODAY, keys=["service"])["service"]
    return {k["kind"]: k["label"] for k in figures["kinds"]}


def test_the_cached_business_types_read_in_the_readers_language(
    supervisor: User, manager: User, account: Account
) -> None:
    cache.clear()
    services.ticket_create(
        kind=TicketKind.CONSULTATION,
        title="来电咨询",
        by=manager,
        accepted_on=TODAY - dt.timedelta(days=3),
        account=account,
    )
    with translation.override("zh-hans"):
        first = _labels(supervisor)  # computed now, and cached
    assert first[TicketKind.CONSULTATION] == "咨询"
    with translation.override("en"):
        again = _labels(supervisor)  # from the cache
    assert again[TicketKind.CONSULTATION] == "Consultation"
    assert set(again) == set(first)
    cache.clear()
