"""The account list: search, filters, sorting, pagination, HTMX fragments and the Excel export."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from factories import AccountFactory, AssignmentFactory, Team
from powerkam.accounts.models import Account, Assignment
from workbooks import INJECTED, assert_header, assert_injected_names_are_text, assert_numbers, column, open_workbook

#: The customer id in the first cell of each row of the account table.
ROW_IDS = re.compile(
    r'<tr>\s*<td class="nowrap cell-id"><label class="select-row">.*?</label>(?:<input type="hidden"[^>]*>)?'
    r'<a href="[^"]*">([^<]+)</a></td>'
)


def row_ids(html: str) -> list[str]:
    return ROW_IDS.findall(html)


pytestmark = pytest.mark.django_db


def listed(client: Client, **params: str) -> list[str]:
    response = client.get("/accounts/", params)
    assert response.status_code == 200
    return row_ids(response.content.decode())  # the HTML: the table may come from the cache


@pytest.fixture
def supervisor(client: Client, team: Team) -> Client:
    client.force_login(team.supervisor.user)
    return client


def test_search_by_customer_id_or_by_name(supervisor: Client) -> None:
    assert listed(supervisor, q="e20") == ["E200"]
    assert listed(supervisor, q="医院") == ["E101"]
    assert listed(supervisor, q="  示范  ") == ["E100", "E101", "E200", "E300"]
    assert listed(supervisor, q="nothing like it") == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"grade": "A"}, ["E100"]),
        ({"grade": "none"}, ["E300"]),
        ({"district": "东城区"}, ["E100", "E200"]),
        ({"industry": "C"}, ["E100", "E200"]),
        ({"manager": "m01"}, ["E100", "E101"]),
        ({"manager": "m02"}, ["E100", "E200"]),
        ({"voltage": "10"}, ["E101", "E300"]),
        ({"voltage": "110"}, ["E100"]),
        ({"key_status": "key"}, ["E100", "E101", "E200"]),
        ({"district": "东城区", "grade": "C"}, ["E200"]),
    ],
)
def test_filters(supervisor: Client, params: dict[str, str], expected: list[str]) -> None:
    assert listed(supervisor, **params) == expected


def test_an_unknown_filter_value_is_ignored_not_an_error(supervisor: Client) -> None:
    assert listed(supervisor, grade="Z", voltage="abc", sort="password") == ["E100", "E101", "E200", "E300"]


def test_sorting(supervisor: Client) -> None:
    assert listed(supervisor, sort="-contract_capacity_kva") == ["E100", "E200", "E101", "E300"]
    assert listed(supervisor, sort="credit_score")[:3] == ["E200", "E101", "E100"]
    assert listed(supervisor, sort="-customer_id") == ["E300", "E200", "E101", "E100"]


def test_the_filter_drop_downs_offer_what_the_user_sees(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    form = client.get("/accounts/").context["form"]
    assert [c[0] for c in form.fields["district"].choices] == ["", "东城区", "西城区"]
    assert [c[0] for c in form.fields["voltage"].choices] == ["", "10", "110"]
    assert {c[0] for c in form.fields["manager"].choices} == {"", "m01", "m02"}


def test_pagination_counts_everything_and_keeps_the_filters(supervisor: Client) -> None:
    for n in range(60):
        AccountFactory(customer_id=f"P{n:03d}", district="南区")
    response = supervisor.get("/accounts/", {"district": "南区", "page": "2"})
    html = response.content.decode()
    assert row_ids(html)[:2] == ["P025", "P026"]
    assert "district=%E5%8D%97%E5%8C%BA&amp;page=3" in html  # the next link keeps the filter
    assert 'data-count="60"' in html


def test_an_htmx_request_gets_only_the_table(supervisor: Client) -> None:
    response = supervisor.get("/accounts/", {"grade": "B"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div class="card table-card" id="account-table"')
    assert "E101" in html
    assert "E100" not in html
    full = supervisor.get("/accounts/", {"grade": "B"}).content.decode()
    assert "<html" in full
    assert 'id="account-filters"' in full


def test_managers_are_shown_on_each_row(supervisor: Client) -> None:
    html = supervisor.get("/accounts/", {"q": "E100"}).content.decode()
    assert "李娜" in html
    assert "王强" in html


def export(client: Client, **params: str) -> list[tuple]:
    response = client.get("/accounts/export.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_the_export_holds_exactly_what_is_filtered(supervisor: Client) -> None:
    rows = export(supervisor, district="东城区", sort="-customer_id")
    assert rows[0][:3] == ("户号", "户名", "等级")
    assert [r[0] for r in rows[1:]] == ["E200", "E100"]
    e100 = rows[2]
    assert e100[1] == "示范钢铁有限公司"
    assert e100[5] == 110
    assert e100[-2:] == ("李娜", "王强")


def test_the_export_of_a_manager_holds_only_their_accounts(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    assert [r[0] for r in export(client)[1:]] == ["E100", "E101"]


def test_the_export_is_not_limited_to_one_page(supervisor: Client, team: Team) -> None:
    for n in range(40):
        account = AccountFactory(customer_id=f"X{n:03d}", voltage_kv=Decimal("20"))
        AssignmentFactory(account=account, staff=team.manager.user)
    assert len(export(supervisor, voltage="20")) == 41


def test_headers_are_english_in_english(supervisor: Client) -> None:
    supervisor.cookies["django_language"] = "en"
    rows = export(supervisor, q="E100")
    assert rows[0][:3] == ("Customer id", "Name", "Grade")


def test_the_export_writes_names_as_text_and_numbers_as_numbers(supervisor: Client, team: Team) -> None:
    for n, name in enumerate(INJECTED):
        AssignmentFactory(account=AccountFactory(customer_id=f"J{n}", name=name), staff=team.manager.user)
    supervisor.cookies["django_language"] = "en"
    sheet = open_workbook(supervisor.get("/accounts/export.xlsx").content).active
    assert_header(sheet)
    assert_injected_names_are_text(sheet)
    assert_numbers(column(sheet, "Credit score"), "0")
    assert_numbers(column(sheet, "Voltage (kV)"), "General")
    assert_numbers(column(sheet, "Contract capacity (kVA)"), "#,##0")
    assert [c.value for c in column(sheet, "Customer id")][:2] == ["E100", "E101"]  # ids stay text


def test_credit_score_sorts_not_graded_last_both_ways(supervisor: Client) -> None:
    assert listed(supervisor, sort="credit_score") == ["E200", "E101", "E100", "E300"]
    assert listed(supervisor, sort="-credit_score") == ["E100", "E101", "E200", "E300"]


def test_a_deep_page_holds_the_right_accounts_in_order(supervisor: Client) -> None:
    for n in range(60):
        AccountFactory(customer_id=f"D{n:03d}", contract_capacity_kva=Decimal(1000 + n % 7))
    everything = [a.customer_id for a in Account.objects.active().order_by("-contract_capacity_kva", "-customer_id")]
    pages = [listed(supervisor, sort="-contract_capacity_kva", page=str(n)) for n in (1, 2, 3)]
    assert pages[0] + pages[1] + pages[2] == everything
    assert listed(supervisor, sort="-contract_capacity_kva", page="99") == everything[50:]  # past the end: last page


def test_the_count_follows_every_change_at_once(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    count = lambda: int(re.search(r'data-count="(\d+)"', client.get("/accounts/").content.decode())[1])  # noqa: E731
    assert count() == 2
    account = AccountFactory(customer_id="N001")
    AssignmentFactory(account=account, staff=team.manager.user)
    assert count() == 3  # a new assignment
    account.archived = True
    account.save()
    assert count() == 2  # an archived account
    assert sorted(row_ids(client.get("/accounts/").content.decode())) == ["E100", "E101"]
    team.accounts["E100"].name = "改名后的客户"
    team.accounts["E100"].save()
    assert "改名后的客户" in client.get("/accounts/").content.decode()  # the cached table follows an edit
    Assignment.objects.get(account=team.accounts["E101"], active=True).delete()
    assert count() == 1  # an assignment ended


def test_the_filter_drop_downs_keep_the_choice_and_escape_names(supervisor: Client, team: Team) -> None:
    AccountFactory(customer_id="S001", district="<北区>")
    html = supervisor.get("/accounts/", {"district": "东城区", "grade": "none"}).content.decode()
    assert '<select name="district" id="id_district">' in html
    assert '<option value="东城区" selected>东城区</option>' in html
    assert '<option value="none" selected>' in html
    assert '<option value="&lt;北区&gt;">&lt;北区&gt;</option>' in html
    assert "<北区>" not in html


def test_a_row_kept_for_one_page_shows_on_others_as_of_now(client: Client, team: Team) -> None:
    """Rows are kept across pages, filters, users and languages (accounts/views.py ``_rows``): each page
    still shows the row as the account, its managers and the reader's language and rights are now."""
    client.force_login(team.manager.user)
    assert "E100" in row_ids(client.get("/accounts/").content.decode())
    filtered = client.get("/accounts/", {"grade": "A"}).content.decode()
    assert row_ids(filtered) == ["E100"]
    assert 'data-testid="card-log-visit"' in filtered  # a manager logs visits from the card
    team.manager.name = "李娜娜"
    team.manager.save()
    html = client.get("/accounts/", {"grade": "A", "sort": "name"}).content.decode()
    assert "李娜娜" in html  # a manager renamed: the row follows
    assert "重要" in html  # the row's labels in Chinese …
    assert "登记走访" in html
    client.cookies["django_language"] = "en"
    english = client.get("/accounts/", {"grade": "A"}).content.decode()
    assert "Important" in english  # … and in English
    assert "Log a visit" in english
    assert "登记走访" not in english
    client.cookies.clear()
    client.force_login(team.viewer.user)
    viewer = client.get("/accounts/", {"grade": "A"}).content.decode()
    assert row_ids(viewer) == ["E100"]
    assert 'data-testid="card-log-visit"' not in viewer  # the viewer's card opens the 360 page instead


def test_a_row_escapes_what_it_shows_and_dashes_what_is_missing(supervisor: Client) -> None:
    """Rows are built in Python (accounts/rows.py), not by the template engine: every value is still
    escaped, and a missing score, industry, district or manager shows as a dash."""
    AccountFactory(
        customer_id="E<9>",
        name='<script>alert("x")</script>&Co',
        important_grade="1",
        credit_score=None,
        industry="",
        district="",
    )
    html = supervisor.get("/accounts/", {"q": "E<9>"}).content.decode()
    row = html[html.index('name="selected" value="E&lt;9&gt;"') :]
    row = row[: row.index("</tr>")]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;Co" in row
    assert 'aria-label="选择客户 E&lt;9&gt;"' in row  # the label translated, the id escaped in it
    assert '<input type="hidden" name="version-E&lt;9&gt;" value="0" form="account-bulk">' in row  # no primary yet
    assert 'href="/accounts/E%3C9%3E/"' in row
    assert '<span class="badge badge-warn"' in row  # an important user
    assert row.count(">—<") >= 4  # score, industry, district, managers


@pytest.mark.parametrize("portfolio_ids", [2000, 10], ids=["ids-at-once", "counted-and-paged"])
def test_a_managers_pages_hold_their_accounts_in_order_and_counted(
    client: Client, team: Team, monkeypatch: pytest.MonkeyPatch, portfolio_ids: int
) -> None:
    """A manager's list is read as its ordered ids in one query (selectors/paging.py), or, beyond
    PORTFOLIO_IDS accounts, counted and paged as the whole base is: the same pages either way."""
    from powerkam.accounts.selectors import paging

    monkeypatch.setattr(paging, "PORTFOLIO_IDS", portfolio_ids)
    for n in range(58):
        account = AccountFactory(
            customer_id=f"P{n:03d}", contract_capacity_kva=Decimal(1000 + n % 7), grade="AB"[n % 2]
        )
        AssignmentFactory(account=account, staff=team.manager.user)
    AccountFactory(customer_id="P999", grade="A")  # not theirs
    client.force_login(team.manager.user)
    mine = Account.objects.active().filter(assignments__staff=team.manager.user, assignments__active=True)
    expected = [a.customer_id for a in mine.filter(grade="A").order_by("-contract_capacity_kva", "-customer_id")]
    html = client.get("/accounts/", {"grade": "A", "sort": "-contract_capacity_kva"}).content.decode()
    assert int(re.search(r'data-count="(\d+)"', html)[1]) == len(expected) == 30  # 29 of theirs and E100
    pages = [listed(client, grade="A", sort="-contract_capacity_kva", page=str(n)) for n in (1, 2)]
    assert pages[0] + pages[1] == expected
    assert listed(client, grade="A", sort="-contract_capacity_kva", page="9") == expected[25:]  # past the end
