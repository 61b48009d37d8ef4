"""Exports in one language (issue 19, part 2): every Excel workbook a supervisor can download — found by
crawling their pages for export links, plus the exports' own addresses — is read back with openpyxl in
Chinese and in English; a sheet title, a heading line, a header cell or any other text cell with a
word of the other language fails (customer data excepted, tests/langcrawl.py): the labels a sheet
writes in its rows (business types, statuses, the summary's figure names) are the product's text too."""

from __future__ import annotations

import io
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import load_workbook

from powerkam.web.excel import XLSX_CONTENT_TYPE
from powerkam.web.navigation import MENU
from tests.langcrawl import crawl, data_strings, foreign_strings, parse
from tests.web.test_language_crawl import province  # noqa: F401 - the demo province fixture

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

#: Exports the crawl must find (a link or a form on some page): if one disappears, say so.
KNOWN = {
    "/accounts/export.xlsx",
    "/visits/due/export.xlsx",
    "/visits/records/export.xlsx",
    "/prospects/export/",
    "/renewables/export.xlsx",
    "/insights/overview.xlsx",
    "/insights/tariff/export.xlsx",
    "/insights/health/export.xlsx",
    "/insights/offers/export.xlsx",
    "/service/arrears/",
    "/grading/",
}
EXPORT = re.compile(r"(\.xlsx|/export/)(\?|$)|[?&](format|export)=xlsx\b")


def _exports(pages: dict[str, str]) -> set[str]:
    """One address per export (its first filtered variant found): the headers do not change with filters."""
    found: dict[str, str] = {}
    for url, html in pages.items():
        _, links = parse(html)
        actions = re.findall(r'<form\b[^>]*\baction="([^"]+)"', html)
        for link in [*links, *actions]:
            link = link.replace("&amp;", "&").split("#")[0]
            if EXPORT.search(link):
                parts = urlsplit(urljoin(url, link))
                found.setdefault(parts.path, parts.path + (f"?{parts.query}" if parts.query else ""))
    return set(found.values())


def _selection_exports(client: Client, person: User) -> dict[str, bytes]:
    """The bulk bars' "Export the selection" (a POST of the rows ticked) on the accounts and tickets."""
    from powerkam.accounts.selectors import accounts_visible_to
    from powerkam.service.selectors import tickets_visible_to

    accounts = list(accounts_visible_to(person).order_by("customer_id").values_list("customer_id", flat=True)[:3])
    tickets = [str(pk) for pk in tickets_visible_to(person).order_by("pk").values_list("pk", flat=True)[:3]]
    assert accounts
    assert tickets
    answers = {
        "/accounts/bulk/": client.post("/accounts/bulk/", {"action": "export", "selected": accounts}),
        "/service/tickets/bulk/": client.post("/service/tickets/bulk/", {"action": "export", "selected": tickets}),
    }
    for url, response in answers.items():
        assert response.status_code == 200, (url, response.status_code, response.get("Location"))
        assert response["Content-Type"] == XLSX_CONTENT_TYPE, url
    return {url: response.content for url, response in answers.items()}


def _month_plan_export(client: Client) -> bytes:
    """The outage month plan's workbook (issue 19 part 4): plan next month's work on a demo feeder from an
    uploaded jobs file, as a planner does on /grid/plan/, then download the plan the page shows."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from powerkam.accounts.models import Account

    feeder = next(a.feeders for a in Account.objects.exclude(feeders="").order_by("customer_id")).split(";")[0]
    first = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    last = first + dt.timedelta(days=20)
    jobs = f"job_id,feeders,duration_hours,from,to\n1001,{feeder},3,{first},{last}\n"
    answer = client.post(
        "/grid/plan/",
        {
            "month": f"{first:%Y-%m}",
            "from": f"{first}",
            "to": f"{last}",
            "hours": "08:00-18:00",
            "time_limit": "3",
            "jobs": SimpleUploadedFile("jobs.csv", jobs.encode(), content_type="text/csv"),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    page = client.get(answer["Location"]).content.decode()
    token = re.search(r'name="plan" value="([^"]+)"', page)
    assert token, "the month plan page shows no plan"
    export = client.get(f"/grid/plan/export.xlsx?plan={token.group(1)}")
    assert export.status_code == 200
    assert export["Content-Type"] == XLSX_CONTENT_TYPE
    return bytes(export.content)


def _sheet_texts(content: bytes) -> list[str]:
    """Each sheet's title and the text of every cell (headings, header row, rows)."""
    book = load_workbook(io.BytesIO(content), read_only=False)
    texts: list[str] = []
    for sheet in book.worksheets:
        texts.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            texts += [str(value) for value in row if isinstance(value, str) and value.strip()]
    return texts


@pytest.mark.usefixtures("province")
def test_every_export_a_supervisor_can_download_is_in_the_page_language() -> None:
    data = data_strings()
    person = User.objects.filter(groups__name="supervisor", is_active=True).order_by("username").first()
    assert person is not None
    problems: list[str] = []
    downloaded: dict[str, set[str]] = {}
    for language in ("zh-hans", "en"):
        client = Client()
        client.force_login(person)
        client.cookies["django_language"] = language
        pages, _refused = crawl(client, [item.url for item in MENU], per_pattern=1, limit=150)
        exports = _exports(pages)
        missing = {path for path in KNOWN if not any(urlsplit(url).path == path for url in exports)}
        assert not missing, (language, sorted(missing), sorted(exports))
        downloaded[language] = set()
        for url in sorted(exports):
            response = client.get(url)
            assert response.status_code == 200, (language, url, response.status_code)
            assert response["Content-Type"] == XLSX_CONTENT_TYPE, (language, url)
            texts = _sheet_texts(response.content)
            assert texts, (language, url)
            downloaded[language].add(urlsplit(url).path)
            page_language = "en" if language == "en" else "zh-hans"
            problems += [f"{language} {url}: {t!r}" for t in sorted(set(foreign_strings(texts, page_language, data)))]
        plan = _sheet_texts(_month_plan_export(client))
        assert len(plan) > 10  # the figures and the job's row, not an empty book
        downloaded[language].add("/grid/plan/export.xlsx")
        problems += [f"{language} month plan: {t!r}" for t in sorted(set(foreign_strings(plan, language, data)))]
        for url, content in _selection_exports(client, person).items():
            downloaded[language].add(url)
            texts = _sheet_texts(content)
            problems += [f"{language} {url}: {t!r}" for t in sorted(set(foreign_strings(texts, language, data)))]
    assert downloaded["zh-hans"] == downloaded["en"]
    assert len(downloaded["en"]) >= len(KNOWN) + 3
    assert problems == [], "\n".join(problems)
