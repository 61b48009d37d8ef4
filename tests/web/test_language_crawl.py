"""One language per page, and only the buttons a role may use: a crawler through the demo province.

Each role of the demo (administrator, supervisor, manager, planner, viewer) signs in, starts from the
main menu and follows every link of the site it finds (two URLs per shape, tests/langcrawl.py), in
Chinese and in English. It fails on

* a string of the other language outside customer data (tests/langcrawl.py says what counts as data);
* a link that answers 403 or 404 to the person it is shown to (a button for something their role may
  not do);
* an entry form shown to the viewer (read-only: the only forms left are the language switch, logging
  out, their own calendar-feed link and exporting a selection of a list).

The demo is the ordinary ``demo build`` (a small province) plus what a day's work adds to it: a
ticket handed over between two managers, a planned outage with its notices, the escalation job's
messages — so the ticket timeline, the notice deadline and the inbox are crawled too.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from powerkam.web.navigation import MENU
from tests.langcrawl import crawl, data_strings, foreign_strings, parse

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROLES = ("admin", "supervisor", "manager", "planner", "viewer")
LANGUAGES = ("zh-hans", "en")
#: Forms every signed-in person has: the language switch, logging out, their own calendar-feed link.
PERSONAL_FORMS = ("/i18n/setlang/", "/logout/", "/visits/feed/")
#: Forms that read, not enter: exporting a selection of a list (a POST only because a selection can be
#: long). The viewer may export what they may read; no other bulk action may be offered to them.
EXPORT_FORMS = ("/accounts/bulk/", "/prospects/export/", "/visits/records/export.xlsx")


def _a_days_work() -> None:
    """A transfer accepted, an outage notified, the escalation job run: their texts get crawled."""
    from powerkam.accounts.models import Account
    from powerkam.outages import services as outages
    from powerkam.service import services as service
    from powerkam.service.escalation import escalate_tickets
    from powerkam.service.models import TicketKind

    supervisor = User.objects.filter(groups__name="supervisor").order_by("username").first()
    managers = list(User.objects.filter(groups__name="manager").order_by("username")[:2])
    planner = User.objects.filter(groups__name="planner").order_by("username").first()
    assert supervisor is not None
    assert planner is not None
    assert len(managers) == 2
    account = Account.objects.filter(assignments__staff=managers[0], assignments__active=True).first()
    ticket = service.ticket_create(
        kind=TicketKind.CONSULTATION,
        title="咨询峰谷电价",
        by=managers[1],
        accepted_on=timezone.localdate() - dt.timedelta(days=20),
        account=account,
    )
    ticket.refresh_from_db()
    transfer = ticket.transfers.filter(status="pending").first() or service.ticket_transfer_request(
        ticket=ticket, version=ticket.version, to_user=managers[0], by=managers[1]
    )
    service.ticket_transfer_accept(transfer=transfer, by=transfer.to_user)
    feeders = next(a.feeders for a in Account.objects.exclude(feeders="").order_by("customer_id"))
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=10), dt.time(8)))
    outage = outages.outage_create(
        title="10kV线路检修", feeders=feeders.split(";")[0], start=start, end=start + dt.timedelta(hours=6), by=planner
    )
    outage = outages.outage_schedule(outage=outage, by=planner)
    outages.outage_notify(outage=outage, by=planner, ack_base_url="http://testserver")
    escalate_tickets(today=timezone.localdate() + dt.timedelta(days=30))


@pytest.fixture
def province(settings: Any, tmp_path: Path) -> None:
    from powerkam.demo.services import demo_build

    settings.DATA_DIR = tmp_path
    settings.ANALYTICS_DIR = tmp_path / "store"
    settings.ALLOWED_HOSTS = ["testserver"]
    demo_build(customers=400, months=13, load_months=1, today=timezone.localdate() - dt.timedelta(days=10))
    _a_days_work()


def _person(role: str) -> User:
    user = User.objects.filter(groups__name=role, is_active=True).order_by("username").first()
    assert user is not None, role
    return user


def _post_forms(html: str) -> list[str]:
    actions = []
    for tag in re.findall(r"<form\b[^>]*>", html, re.I):
        if not re.search(r'method="post"', tag, re.I):
            continue
        action = re.search(r'action="([^"]*)"', tag)
        actions.append(action.group(1) if action else "")
    return actions


def test_every_page_of_every_role_is_in_one_language_and_offers_only_what_the_role_may_do(
    province: None,
) -> None:
    data = data_strings()
    problems: dict[str, list[str]] = {}
    for role in ROLES:
        person = _person(role)
        for language in LANGUAGES:
            client = Client()
            client.force_login(person)
            client.cookies["django_language"] = language
            pages, refused = crawl(client, [item.url for item in MENU], per_pattern=1, limit=150)
            key = f"{role} ({person.username}) {language}"
            found = problems.setdefault(key, [])
            assert len(pages) > 40, (key, sorted(pages))  # the crawl reached the site, not one page
            found += [f"link refused {status}: {url}" for url, status in refused.items()]
            for url, html in pages.items():
                declared = re.search(r'<html lang="([^"]+)"', html)
                assert declared, (key, url)
                # a letter to the customer (notice of a business, an outage letter) is written in Chinese
                # whatever the reader's language, and says so; everything else is in the reader's
                page_language = declared.group(1).lower()
                if page_language != language:
                    assert (page_language == "zh-hans" and "letter" in url) or "notice" in url, (
                        key,
                        url,
                        page_language,
                    )
                texts, _links = parse(html, page_language)
                found += [f"{url}: {text!r}" for text in sorted(set(foreign_strings(texts, page_language, data)))]
                if role == "viewer":
                    forms = [a for a in _post_forms(html) if a and not a.startswith(PERSONAL_FORMS + EXPORT_FORMS)]
                    actions = set(re.findall(r'name="action" value="([^"]*)"', html)) - {"export"}
                    forms += [f"bulk action {a}" for a in sorted(actions)]
                    forms += ["(this page)" for a in _post_forms(html) if not a and not url.startswith("/visits/feed/")]
                    found += [f"{url}: entry form {a}" for a in forms]
            if not found:
                del problems[key]
    report = "\n".join(f"{key}:\n  " + "\n  ".join(lines) for key, lines in problems.items())
    assert problems == {}, report
