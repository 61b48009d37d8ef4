"""Role-aware screens (issue 19 part 7): a role sees only the menus, buttons and forms it may use, and
the server refuses what it hides; pick lists name people and accounts by id, name and district; pagers
show page numbers; jobs write to each person in their language (part 2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.paginator import Paginator
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from factories import Team
from powerkam.staff.selectors import language_of

pytestmark = pytest.mark.django_db


def _page(client: Client, user: User, url: str, language: str = "zh-hans") -> str:
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _admin() -> User:
    return User.objects.create_superuser("root", "root@example.com", "x")


def test_settings_show_imports_and_the_admin_site_to_the_administrator_only(client: Client, team: Team) -> None:
    html = _page(client, _admin(), "/settings/")
    assert {"admin", "calendar", "imports", "rules", "api"} <= set(re.findall(r'data-setting="(\w+)"', html))
    for person in (team.supervisor, team.manager, team.planner, team.viewer):
        html = _page(client, person.user, "/settings/")
        shown = set(re.findall(r'data-setting="(\w+)"', html))
        assert shown == {"calendar", "api"}, person.user.username
        assert 'href="/imports/"' not in html
        assert 'href="/admin/"' not in html


@pytest.mark.parametrize(
    "url", ["/visits/new/", "/visits/new/?customer_id=E100", "/service/tickets/new/", "/service/cases/new/"]
)
def test_the_viewer_is_refused_an_entry_form_before_filling_it_in(client: Client, team: Team, url: str) -> None:
    client.force_login(team.viewer.user)
    assert client.get(url).status_code == 403
    client.force_login(team.supervisor.user)
    assert client.get(url).status_code == 200


def test_the_planner_may_record_a_request_but_not_a_visit(client: Client, team: Team) -> None:
    client.force_login(team.planner.user)
    assert client.get("/service/tickets/new/").status_code == 200
    assert client.get("/visits/new/").status_code == 403


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_buttons_for_entries_show_only_to_those_who_may_make_them(client: Client, team: Team, language: str) -> None:
    for person, may in ((team.viewer, False), (team.manager, True)):
        service = _page(client, person.user, "/service/", language)
        assert ('href="/service/tickets/new/"' in service) is may
        assert ('href="/service/cases/new/"' in service) is may
        visits = _page(client, person.user, "/visits/records/", language)
        assert ('href="/visits/new/"' in visits) is may
    compliance = _page(client, team.manager.user, "/visits/compliance/", language)
    assert 'href="/visits/reassign/"' not in compliance
    compliance = _page(client, team.supervisor.user, "/visits/compliance/", language)
    assert 'href="/visits/reassign/"' in compliance


def test_a_staff_pick_list_names_id_name_and_district(client: Client, team: Team) -> None:
    team.other.district = "滨江区"
    team.other.save()
    html = _page(client, team.supervisor.user, "/visits/reassign/")
    assert ">m02 · 王强 · 滨江区</option>" in html


def test_the_account_pick_list_offers_id_name_and_district_of_the_accounts_in_scope(client: Client, team: Team) -> None:
    html = _page(client, team.manager.user, "/service/tickets/new/")
    assert 'list="account-options"' in html
    options = re.search(r'<datalist id="account-options"[^>]*>(.*?)</datalist>', html, re.S)
    assert options is not None
    labels = re.findall(r'label="([^"]+)"', options.group(1))
    assert labels == ["E100 · 示范钢铁有限公司 · 东城区", "E101 · 示范医院 · 西城区"]  # not E200: another's account
    html = _page(client, team.supervisor.user, "/visits/reassign/")
    assert "E200 · 示范化工有限公司 · 东城区" in html
    assert "已归档客户" not in html


def test_the_account_search_suggests_a_real_customer_id(client: Client, team: Team) -> None:
    assert "E002" not in _page(client, team.manager.user, "/accounts/")
    assert 'placeholder="户号（10 位）或名称中的字"' in _page(client, team.manager.user, "/accounts/")
    assert 'placeholder="Customer id (10 digits) or part of the name"' in _page(
        client, team.manager.user, "/accounts/", "en"
    )


@pytest.mark.parametrize(
    ("language", "number", "expected"),
    [
        ("zh-hans", 1, ["[1]", "2", "3", "…", "7", "下一页"]),
        ("en", 4, ["Previous", "1", "2", "3", "[4]", "5", "6", "7", "Next"]),
        ("en", 7, ["Previous", "1", "…", "5", "6", "[7]"]),
    ],
)
def test_the_pager_shows_page_numbers_with_the_current_one_marked(
    language: str, number: int, expected: list[str]
) -> None:
    request = RequestFactory().get("/accounts/", {"q": "钢铁", "page": 1})
    page = Paginator(list(range(140)), 20).get_page(number)
    with translation.override(language):
        html = Template('{% include "web/_pager.html" %}').render(RequestContext(request, {"page": page}))
    nav = re.search(r'<nav class="pager"[^>]*>(.*?)</nav>', html, re.S)
    assert nav is not None
    tags = re.findall(r"<((?:a|span)\b[^>]*)>([^<]*)</(?:a|span)>", nav.group(1))
    shown = [f"[{text}]" if "aria-current" in attrs else text for attrs, text in tags]
    assert shown == expected
    if number > 1:
        assert f'href="?q=%E9%92%A2%E9%93%81&amp;page={number - 1}" rel="prev"' in html  # the query is kept


def test_the_language_switch_is_remembered_for_the_persons_mail(client: Client, team: Team) -> None:
    assert language_of(team.manager.user) == "zh-hans"
    client.force_login(team.manager.user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    team.manager.refresh_from_db()
    assert team.manager.language == "en"
    assert language_of(team.manager.user) == "en"
    assert '<html lang="en">' in client.get("/").content.decode()


def test_an_escalation_mails_each_person_in_their_language_and_the_inbox_follows_the_reader(
    client: Client, team: Team
) -> None:
    from powerkam.service.escalation import escalate_tickets
    from powerkam.service.models import TicketKind
    from powerkam.service.services import ticket_create

    team.manager.user.email = "m01@example.com"
    team.manager.user.save()
    team.supervisor.user.email = "boss@example.com"
    team.supervisor.user.save()
    team.manager.language = "en"
    team.manager.save()
    ticket = ticket_create(
        kind=TicketKind.CONSULTATION,
        title="峰谷电价咨询",
        by=team.manager.user,
        accepted_on=timezone.localdate() - dt.timedelta(days=40),
        account=team.accounts["E101"],
    )
    escalate_tickets(today=timezone.localdate())
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["m01@example.com"].startswith(f"Breached: ticket #{ticket.pk}")
    assert subjects["boss@example.com"].startswith(f"已超时：工单 #{ticket.pk}")  # the supervisor chose nothing
    inbox_en = _page(client, team.manager.user, "/inbox/", "en")
    assert f"Breached: ticket #{ticket.pk}" in inbox_en
    inbox_zh = _page(client, team.manager.user, "/inbox/", "zh-hans")
    assert f"Breached: ticket #{ticket.pk}" not in inbox_zh
    assert f"#{ticket.pk}" in inbox_zh


def test_a_command_speaks_the_language_asked_for(db: None) -> None:
    """``--lang`` on every command (core/commands.py); without it, the site language."""
    import io

    from django.core.management import call_command

    def is_workday(*args: str) -> str:
        out = io.StringIO()
        call_command("calendar", *args, "is-workday", "2026-10-01", stdout=out)
        return out.getvalue().strip()

    assert is_workday("--lang", "en") == "2026-10-01: day off · National Day"
    assert is_workday("--lang", "zh") == "2026-10-01: 休息日 · 国庆节"
    assert is_workday() == "2026-10-01: 休息日 · 国庆节"
