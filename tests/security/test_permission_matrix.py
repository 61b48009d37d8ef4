"""The access rule of docs/permissions.md, cell by cell: role × object × read/write × surface.

``MATRIX`` mirrors the document's tables: each row names an object, read or write, a surface (UI
page, API endpoint, CLI command, export, or the admin site) and the roles the document allows. Each
cell is tried for every role in a small world — two managers with one account each, a ticket on the
other manager's account, a visit, a planned outage's feeder — and the test fails on any cell where
the software serves or refuses differently from the document. "Served" is judged by what happened,
not only the status: a write is served when the database changed, a read when the answer carries
the object (an account's name, a ticket's title).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

from factories import AccountFactory, AssignmentFactory, StaffFactory, UserFactory, monthly_bills, write_dataset
from powerkam.accounts.models import Account, Assignment, AssignmentRole, Contact
from powerkam.core.errors import ApplicationError
from powerkam.grid.models import Feeder, Substation
from powerkam.insights import campaigns as insights_campaigns
from powerkam.insights import services as insights_services
from powerkam.insights.models import RetentionOffer, TariffRulesVersion
from powerkam.outages.models import AffectedAccount, OutageRulesVersion, PlannedOutage
from powerkam.prospects.models import Project
from powerkam.renewables.models import RenewableRulesVersion
from powerkam.service import services as service_services
from powerkam.service.models import Ticket
from powerkam.staff.models import Role
from powerkam.visits import services as visit_services
from powerkam.visits.models import Visit, VisitPlan
from powerkam.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db

MANAGER, SUPERVISOR, PLANNER, VIEWER, ADMIN, NONE = "manager", "supervisor", "planner", "viewer", "admin", "none"
ROLES = (MANAGER, SUPERVISOR, PLANNER, VIEWER, ADMIN, NONE)
EVERY_ROLE = frozenset({MANAGER, SUPERVISOR, PLANNER, VIEWER, ADMIN})
WHOLE_BASE = frozenset({SUPERVISOR, PLANNER, VIEWER, ADMIN})
EDITORS = frozenset({MANAGER, SUPERVISOR, PLANNER, ADMIN})
LEADS = frozenset({SUPERVISOR, ADMIN})
ADMINS = frozenset({ADMIN})
PLANNERS = frozenset({PLANNER, SUPERVISOR, ADMIN})
OWN_ACCOUNT_EDITORS = frozenset({MANAGER, SUPERVISOR, ADMIN})

TODAY = dt.date.today()


@dataclass
class World:
    users: dict[str, User]
    own: Account  # managed by the manager
    other: Account  # managed by another manager
    other_manager: User
    ticket: Ticket  # on the other account, recorded and owned by the other manager

    def client(self, role: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(self.users[role])
        return client


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Assertions read the English messages; the language the requests activate ends with the test."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: Any) -> World:
    manager = StaffFactory(role=Role.MANAGER, user__username="mgr").user
    other_manager = StaffFactory(role=Role.MANAGER, user__username="mgr2").user
    users = {
        MANAGER: manager,
        SUPERVISOR: StaffFactory(role=Role.SUPERVISOR, user__username="sup").user,
        PLANNER: StaffFactory(role=Role.PLANNER, user__username="plan").user,
        VIEWER: StaffFactory(role=Role.VIEWER, user__username="view").user,
        # The staff import makes every administrator a superuser (docs/permissions.md "Roles").
        ADMIN: StaffFactory(role=Role.ADMIN, user__username="adm", user__is_superuser=True, user__is_staff=True).user,
        NONE: UserFactory(username="nobody"),
    }
    own = AccountFactory(customer_id="M0000001", name="自管客户甲")
    other = AccountFactory(customer_id="M0000002", name="他管客户乙")
    AssignmentFactory(account=own, staff=manager, role=AssignmentRole.PRIMARY)
    AssignmentFactory(account=other, staff=other_manager, role=AssignmentRole.PRIMARY)
    ticket = service_services.ticket_create(
        kind="consultation", title="他人的工单", by=other_manager, accepted_on=TODAY, account=other
    )
    visit_services.visit_record(account=other, visited_on=TODAY, by=other_manager, topics="他人的走访")
    substation = Substation.objects.create(substation_id="S01", name="S01")
    Feeder.objects.create(
        feeder_id="F001", name="F001", substation=substation, voltage_kv=Decimal("10"),
        rated_capacity_kva=Decimal("12000"), peak_load_kw=Decimal("7000"),
    )  # fmt: skip
    return World(users, own, other, other_manager, ticket)


# ---- the cells -------------------------------------------------------------------------------------
#
# Each cell function tries one thing as ``role`` and answers whether it was served (True) or refused
# (False). A refusal must be a refusal: 403/404 or an unchanged database, never a server error.


def _json(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def _text(response: Any) -> str:
    """The answer as text, JSON decoded (its non-ASCII characters may be escaped)."""
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return str(response.content.decode())


def _refused_or(response: Any, served: bool) -> bool:
    assert response.status_code < 500, response.content[:500]
    if response.status_code in (401, 403, 404):
        return False
    return served


def _xlsx_text(response: Any) -> str:
    if response.status_code != 200:
        return ""
    book = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return " ".join(str(c) for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row if c)


def account_page_own(w: World, role: str) -> bool:
    r = w.client(role).get(f"/accounts/{w.own.customer_id}/")
    return _refused_or(r, w.own.name in _text(r))


def account_page_other(w: World, role: str) -> bool:
    r = w.client(role).get(f"/accounts/{w.other.customer_id}/")
    return _refused_or(r, w.other.name in _text(r))


def account_api_other(w: World, role: str) -> bool:
    r = w.client(role).get(f"/api/v1/accounts/{w.other.customer_id}")
    served = _refused_or(r, r.json().get("name") == w.other.name)
    if not served:
        assert w.other.name not in _text(r)  # a refusal never names the account
    return served


def account_api_list_other(w: World, role: str) -> bool:
    r = w.client(role).get("/api/v1/accounts/")
    return _refused_or(r, w.other.customer_id in _text(r))


def account_export_other(w: World, role: str) -> bool:
    r = w.client(role).get("/accounts/export.xlsx")
    return _refused_or(r, w.other.customer_id in _xlsx_text(r))


def _contact_add(w: World, role: str, account: Account) -> bool:
    before = Contact.objects.filter(account=account).count()
    data = {
        "name": "联系人",
        "title": "",
        "role": "other",
        "influence": "medium",
        "phone": "",
        "email": "",
        "notes": "",
    }
    r = w.client(role).post(f"/accounts/{account.customer_id}/contacts/", data)
    return _refused_or(r, Contact.objects.filter(account=account).count() > before)


def contact_add_own(w: World, role: str) -> bool:
    return _contact_add(w, role, w.own)


def contact_add_other(w: World, role: str) -> bool:
    return _contact_add(w, role, w.other)


def reassign_page(w: World, role: str) -> bool:
    r = w.client(role).post("/visits/reassign/", {"customer_id": w.other.customer_id, "to_user": w.users[MANAGER].pk})
    moved = Assignment.objects.filter(
        account=w.other, staff=w.users[MANAGER], role=AssignmentRole.PRIMARY, active=True
    ).exists()
    return _refused_or(r, moved)


def visits_api_other(w: World, role: str) -> bool:
    r = w.client(role).get("/api/v1/visits/visits")
    return _refused_or(r, w.other.customer_id in _text(r))


def visits_export_other(w: World, role: str) -> bool:
    r = w.client(role).get("/visits/records/export.xlsx")
    return _refused_or(r, w.other.customer_id in _xlsx_text(r))


def _visit_record(w: World, role: str, account: Account) -> bool:
    before = Visit.objects.filter(account=account).count()
    body = {"customer_id": account.customer_id, "visited_on": TODAY.isoformat(), "topics": "走访"}
    r = _json(w.client(role), "post", "/api/v1/visits/visits", body)
    return _refused_or(r, Visit.objects.filter(account=account).count() > before)


def visit_record_own(w: World, role: str) -> bool:
    return _visit_record(w, role, w.own)


def visit_record_other(w: World, role: str) -> bool:
    return _visit_record(w, role, w.other)


def visit_plan_api(w: World, role: str) -> bool:
    body = {"from": TODAY.isoformat(), "to": (TODAY + dt.timedelta(days=30)).isoformat()}
    r = _json(w.client(role), "post", "/api/v1/visits/plan", body)
    return _refused_or(r, VisitPlan.objects.exists())


def _ticket_record_api(w: World, role: str) -> bool:
    before = Ticket.objects.count()
    body = {
        "kind": "consultation",
        "title": "来电咨询",
        "accepted_on": TODAY.isoformat(),
        "customer_id": w.other.customer_id,
    }
    r = _json(w.client(role), "post", "/api/v1/service/tickets", body)
    return _refused_or(r, Ticket.objects.count() > before)


def ticket_record_api(w: World, role: str) -> bool:
    return _ticket_record_api(w, role)


def ticket_record_page(w: World, role: str) -> bool:
    before = Ticket.objects.count()
    data = {
        "kind": "consultation",
        "title": "来电咨询",
        "accepted_on": TODAY.isoformat(),
        "customer_id": w.other.customer_id,
    }
    r = w.client(role).post("/service/tickets/new/", data)
    return _refused_or(r, Ticket.objects.count() > before)


def ticket_read_api(w: World, role: str) -> bool:
    r = w.client(role).get(f"/api/v1/service/tickets/{w.ticket.pk}")
    return _refused_or(r, w.ticket.title in _text(r))


def ticket_read_page(w: World, role: str) -> bool:
    r = w.client(role).get(f"/service/tickets/{w.ticket.pk}/")
    return _refused_or(r, w.ticket.title in _text(r))


def ticket_change_api(w: World, role: str) -> bool:
    body = {"version": w.ticket.version, "title": "改过的标题"}
    r = _json(w.client(role), "patch", f"/api/v1/service/tickets/{w.ticket.pk}", body)
    return _refused_or(r, Ticket.objects.get(pk=w.ticket.pk).title == "改过的标题")


def projects_api_read(w: World, role: str) -> bool:
    Project.objects.create(project_id="P1", name="示范项目")
    r = w.client(role).get("/api/v1/prospects/projects")
    return _refused_or(r, "示范项目" in _text(r))


def projects_api_write(w: World, role: str) -> bool:
    r = _json(w.client(role), "post", "/api/v1/prospects/projects", {"project_id": "P9", "name": "新项目"})
    return _refused_or(r, Project.objects.filter(project_id="P9").exists())


def projects_export(w: World, role: str) -> bool:
    Project.objects.create(project_id="P1", name="示范项目")
    r = w.client(role).get("/prospects/export/")
    return _refused_or(r, "示范项目" in _xlsx_text(r))


def outages_api_read(w: World, role: str) -> bool:
    PlannedOutage.objects.create(
        title="计划停电", feeders="F001", start=dt.datetime(2030, 5, 6, 8, tzinfo=dt.UTC),
        end=dt.datetime(2030, 5, 6, 12, tzinfo=dt.UTC),
    )  # fmt: skip
    r = w.client(role).get("/api/v1/grid/outages", {"first": "2030-05-01", "last": "2030-05-31"})
    return _refused_or(r, "计划停电" in _text(r))


def outages_api_write(w: World, role: str) -> bool:
    body = {
        "title": "新停电",
        "feeders": "F001",
        "start": "2030-05-06T08:00:00+08:00",
        "end": "2030-05-06T12:00:00+08:00",
    }
    r = _json(w.client(role), "post", "/api/v1/grid/outages", body)
    return _refused_or(r, PlannedOutage.objects.filter(title="新停电").exists())


def grading_api_read(w: World, role: str) -> bool:
    r = w.client(role).get("/api/v1/grading/runs")
    return _refused_or(r, r.status_code == 200)


def grading_api_start(w: World, role: str) -> bool:
    # Without an analytics store the run itself is refused with 400 (no billing data): the
    # permission was granted. A refusal of the person is 403.
    r = _json(w.client(role), "post", "/api/v1/grading/runs", {"period": "2026-10"})
    assert r.status_code in (201, 400, 403), r.content
    return r.status_code != 403


def grading_page_start(w: World, role: str) -> bool:
    r = w.client(role).post("/grading/runs/", {"period": "2026-10", "backend": "duckdb"})
    assert r.status_code < 500
    return r.status_code != 403


def grading_cli_start(w: World, role: str) -> bool:
    out = io.StringIO()
    with pytest.raises(SystemExit):  # no store: refused one way or the other
        call_command(
            "grade",
            "--period",
            "2026-10",
            "--by",
            w.users[role].username,
            "--format",
            "json",
            stdout=out,
            stderr=io.StringIO(),
        )
    return json.loads(out.getvalue()).get("action") != "grading.start_run"


def tariff_rules_change(w: World, role: str) -> bool:
    try:
        insights_services.tariff_rules_set(rules_toml="", by=w.users[role])
    except ApplicationError as exc:  # a refusal of the person, or of the (empty) rules
        return exc.extra.get("action") != "insights.change_rules"
    return TariffRulesVersion.objects.exists()


def rules_admin_site(w: World, role: str) -> bool:
    r = w.client(role).get("/admin/outages/outagerulesversion/")
    return r.status_code == 200


def calendar_api_read(w: World, role: str) -> bool:
    r = w.client(role).get("/api/v1/calendar/status")
    return _refused_or(r, r.status_code == 200)


def calendar_page_write(w: World, role: str) -> bool:
    data = {"date": f"{TODAY.year}-12-31", "is_workday": "0", "name": "测试", "note": ""}
    r = w.client(role).post("/calendar/overrides/", data)
    return _refused_or(r, CalendarOverride.objects.exists())


def imports_page(w: World, role: str) -> bool:
    r = w.client(role).get("/imports/")
    return _refused_or(r, r.status_code == 200)


def audit_log_admin_site(w: World, role: str) -> bool:
    r = w.client(role).get("/admin/audit/auditevent/")
    return r.status_code == 200


def _outage_affecting_the_other_account() -> PlannedOutage:
    outage = PlannedOutage.objects.create(
        title="计划停电", feeders="F001", start=dt.datetime(2030, 5, 6, 8, tzinfo=dt.UTC),
        end=dt.datetime(2030, 5, 6, 12, tzinfo=dt.UTC),
    )  # fmt: skip
    return outage


def outage_affected_api_other(w: World, role: str) -> bool:
    outage = _outage_affecting_the_other_account()
    AffectedAccount.objects.create(outage=outage, account=w.other, key_account=True, ens_kwh=10.0)
    r = w.client(role).get(f"/api/v1/grid/outages/{outage.pk}")
    return _refused_or(r, w.other.name in _text(r))


def outage_affected_page_other(w: World, role: str) -> bool:
    outage = _outage_affecting_the_other_account()
    AffectedAccount.objects.create(outage=outage, account=w.other, key_account=True, ens_kwh=10.0)
    r = w.client(role).get(f"/grid/outages/{outage.pk}/")
    return _refused_or(r, w.other.name in _text(r))


def outage_letter_other(w: World, role: str) -> bool:
    outage = _outage_affecting_the_other_account()
    AffectedAccount.objects.create(outage=outage, account=w.other, key_account=True, ens_kwh=10.0)
    r = w.client(role).get(f"/grid/outages/{outage.pk}/letter/{w.other.customer_id}/")
    return _refused_or(r, w.other.name in _text(r))


def account_panel_other(w: World, role: str) -> bool:
    r = w.client(role).get(f"/accounts/{w.other.customer_id}/panels/grading/")
    return _refused_or(r, r.status_code == 200)


def account_payments_api_other(w: World, role: str) -> bool:
    r = w.client(role).get(f"/api/v1/accounts/{w.other.customer_id}/payments")
    return _refused_or(r, r.status_code == 200)


def grade_history_api_other(w: World, role: str) -> bool:
    r = w.client(role).get(f"/api/v1/grading/accounts/{w.other.customer_id}/history")
    return _refused_or(r, r.status_code == 200)


def health_api_other(w: World, role: str) -> bool:
    r = w.client(role).get(f"/api/v1/insights/health/{w.other.customer_id}")
    return _refused_or(r, r.status_code == 200)


def tariff_api_other(w: World, role: str) -> bool:
    # Without billing in the store there is no advice to give (400): the account itself was granted.
    r = w.client(role).get(f"/api/v1/insights/tariff/{w.other.customer_id}")
    assert r.status_code in (200, 400, 403), r.content
    return r.status_code != 403


def case_page_other(w: World, role: str) -> bool:
    case = service_services.case_create(account=w.other, title="他人的新装", by=w.other_manager, accepted_on=TODAY)
    r = w.client(role).get(f"/service/cases/{case.pk}/")
    return _refused_or(r, "他人的新装" in _text(r))


# -- rules versions (docs/api.md, "Rules versions") ---------------------------------------------------


def _rules_api_add(w: World, role: str, kind: str, document: str, model: Any) -> bool:
    r = _json(w.client(role), "post", f"/api/v1/rules/{kind}", {"rules_toml": document})
    return _refused_or(r, model.objects.exists())


def outage_rules_api_add(w: World, role: str) -> bool:
    return _rules_api_add(w, role, "outage", "[weights.grade]\nA = 3\n", OutageRulesVersion)


def tariff_rules_api_add(w: World, role: str) -> bool:
    return _rules_api_add(w, role, "tariff", "# 默认\n", TariffRulesVersion)


def renewables_rules_api_add(w: World, role: str) -> bool:
    return _rules_api_add(w, role, "renewables", 'province = "福建"\n', RenewableRulesVersion)


def outage_rules_api_read(w: World, role: str) -> bool:
    OutageRulesVersion.objects.create(rules_toml="# 停电规则甲\n")
    r = w.client(role).get("/api/v1/rules/outage")
    return _refused_or(r, "停电规则甲" in _text(r))


def renewables_rules_page_add(w: World, role: str) -> bool:
    r = w.client(role).post("/renewables/settings/", {"form": "rules", "rules_toml": 'province = "福建"\n'})
    return _refused_or(r, RenewableRulesVersion.objects.exists())


# -- the overview on the command line, the insights exports (figures of the other manager's account) --


def overview_cli_other(w: World, role: str) -> bool:
    """`powerkam overview --user`: the figures in that person's scope — the other manager's open ticket
    counts only for those who read every ticket."""
    cache.clear()
    out = io.StringIO()
    call_command("overview", "--user", w.users[role].username, "--tiles", "service", "--format", "json", stdout=out)
    return bool(json.loads(out.getvalue())["service"]["open"])


@contextmanager
def _store(**datasets: list[dict[str, Any]]) -> Iterator[None]:
    """An analytics store holding ``datasets`` for the requests inside (the world has none)."""
    path = Path(tempfile.mkdtemp(prefix="matrix-store-"))
    try:
        for kind, rows in datasets.items():
            write_dataset(path, kind, rows)
        with override_settings(ANALYTICS_DIR=path):
            cache.clear()
            yield
    finally:
        cache.clear()
        shutil.rmtree(path, ignore_errors=True)


def _key_account(account: Account, **fields: Any) -> None:
    Account.objects.filter(pk=account.pk).update(key_status="key", grade="B", district="东城区", **fields)


def _bills(customer_id: str, *, recent_kwh: float = 250_000.0, **values: Any) -> list[dict[str, Any]]:
    """24 months of bills to 2026-10 at 250,000 kWh, the last three at ``recent_kwh``."""
    rows = []
    for i in range(24):
        year, month = divmod(2024 * 12 + 10 + i, 12)
        rows.append(
            {
                "customer_id": customer_id,
                "period": f"{year}-{month + 1:02d}",
                "kwh": recent_kwh if i >= 21 else 250_000.0,
                "amount_yuan": Decimal("180000.00"),
                "due_date": dt.date(year, month + 1, 28),
                **values,
            }
        )
    return rows


def health_export_other(w: World, role: str) -> bool:
    _key_account(w.other)
    with _store(billing=_bills(w.other.customer_id, recent_kwh=150_000.0)):  # down 40 %: at risk
        r = w.client(role).get("/insights/health/export.xlsx")
        return _refused_or(r, w.other.customer_id in _xlsx_text(r))


def tariff_export_other(w: World, role: str) -> bool:
    _key_account(w.other, voltage_kv=Decimal("35"), contract_capacity_kva=Decimal("8000"))
    poor_power_factor = _bills(w.other.customer_id, kvarh=154_937.0, amount_yuan=Decimal("184500.00"))
    with _store(billing=poor_power_factor):
        r = w.client(role).get("/insights/tariff/export.xlsx")
        return _refused_or(r, w.other.customer_id in _xlsx_text(r))


def arrears_export_other(w: World, role: str) -> bool:
    _key_account(w.other)
    bill = monthly_bills(w.other.customer_id, last_period="2026-01", months=1, kwh=10_000.0, price="1.00")[0]
    bill["due_date"] = TODAY - dt.timedelta(days=40)
    with _store(billing=[bill], payments=[]):
        r = w.client(role).get("/service/arrears/", {"format": "xlsx"})
        return _refused_or(r, w.other.customer_id in _xlsx_text(r))


def campaign_export_other(w: World, role: str) -> bool:
    _key_account(w.other)
    campaign = insights_services.campaign_launch(
        name="满意度调查", starts_on=TODAY, due_on=TODAY + dt.timedelta(days=30), grades=[], by=w.users[SUPERVISOR]
    )
    assert insights_campaigns.campaign_progress(campaign=campaign, user=w.users[ADMIN]).rows
    r = w.client(role).get(f"/insights/surveys/{campaign.pk}/", {"format": "xlsx"})
    return _refused_or(r, w.other.customer_id in _xlsx_text(r))


def outage_plan_page(w: World, role: str) -> bool:
    r = w.client(role).get("/grid/plan/")
    return _refused_or(r, r.status_code == 200 and 'name="time_limit"' in _text(r))


def _offer_api_add(w: World, role: str, account: Account) -> bool:
    body = {
        "customer_id": account.customer_id,
        "strategy": "payment_plan",
        "offered_what": "分期缴费方案",
        "offered_on": TODAY.isoformat(),
        "expected_yuan": "1000.00",
    }
    r = _json(w.client(role), "post", "/api/v1/insights/offers", body)
    return _refused_or(r, RetentionOffer.objects.filter(account=account).exists())


def offer_api_add_own(w: World, role: str) -> bool:
    return _offer_api_add(w, role, w.own)


def offer_api_add_other(w: World, role: str) -> bool:
    return _offer_api_add(w, role, w.other)


def _offer_on_other(w: World) -> None:
    RetentionOffer.objects.create(
        account=w.other, strategy="payment_plan", offered_what="他人的挽留方案", offered_on=TODAY,
        offered_by=w.other_manager, expected_yuan=Decimal("1000"),
    )  # fmt: skip


def what_worked_page(w: World, role: str) -> bool:
    _offer_on_other(w)
    r = w.client(role).get("/insights/offers/")
    return _refused_or(r, 'data-strategy="payment_plan"' in _text(r))


def what_worked_api(w: World, role: str) -> bool:
    _offer_on_other(w)
    r = w.client(role).get("/api/v1/insights/what-worked")
    return _refused_or(r, '"payment_plan"' in _text(r))


@dataclass(frozen=True)
class Row:
    obj: str
    access: str  # "read" | "write"
    surface: str  # "UI" | "API" | "CLI" | "export" | "admin site" | "service"
    cell: Callable[[World, str], bool]
    allowed: frozenset[str]


#: docs/permissions.md, "What each role may do" and "Surfaces", one row per (object, access, surface).
MATRIX = [
    Row("account (own)", "read", "UI", account_page_own, EVERY_ROLE),
    Row("account (not theirs)", "read", "UI", account_page_other, WHOLE_BASE),
    Row("account (not theirs)", "read", "API", account_api_other, WHOLE_BASE),
    Row("account list", "read", "API", account_api_list_other, WHOLE_BASE),
    Row("account list", "read", "export", account_export_other, WHOLE_BASE),
    Row("account 360 panel (not theirs)", "read", "UI", account_panel_other, WHOLE_BASE),
    Row("account payments (not theirs)", "read", "API", account_payments_api_other, WHOLE_BASE),
    Row("account grade history (not theirs)", "read", "API", grade_history_api_other, WHOLE_BASE),
    Row("account health (not theirs)", "read", "API", health_api_other, WHOLE_BASE),
    Row("account tariff advice (not theirs)", "read", "API", tariff_api_other, WHOLE_BASE),
    Row("contact (own account)", "write", "UI", contact_add_own, OWN_ACCOUNT_EDITORS),
    Row("contact (not theirs)", "write", "UI", contact_add_other, LEADS),
    Row("assignment", "write", "UI", reassign_page, LEADS),
    Row("visit (not theirs)", "read", "API", visits_api_other, WHOLE_BASE),
    Row("visit (not theirs)", "read", "export", visits_export_other, WHOLE_BASE),
    Row("visit (own account)", "write", "API", visit_record_own, OWN_ACCOUNT_EDITORS),
    Row("visit (not theirs)", "write", "API", visit_record_other, LEADS),
    Row("visit plan", "write", "API", visit_plan_api, LEADS),
    Row("ticket: record (first inquiry)", "write", "API", ticket_record_api, EDITORS),
    Row("ticket: record (first inquiry)", "write", "UI", ticket_record_page, EDITORS),
    Row("ticket (not theirs)", "read", "API", ticket_read_api, WHOLE_BASE),
    Row("ticket (not theirs)", "read", "UI", ticket_read_page, WHOLE_BASE),
    Row("ticket (not theirs)", "write", "API", ticket_change_api, LEADS),
    Row("case (not theirs)", "read", "UI", case_page_other, WHOLE_BASE),
    Row("project", "read", "API", projects_api_read, EVERY_ROLE),
    Row("project", "write", "API", projects_api_write, EDITORS),
    Row("project", "read", "export", projects_export, EVERY_ROLE),
    Row("outage", "read", "API", outages_api_read, EVERY_ROLE | {NONE}),
    Row("outage: affected account (not theirs)", "read", "API", outage_affected_api_other, WHOLE_BASE),
    Row("outage: affected account (not theirs)", "read", "UI", outage_affected_page_other, WHOLE_BASE),
    Row("outage: notice letter (not theirs)", "read", "export", outage_letter_other, WHOLE_BASE),
    Row("outage", "write", "API", outages_api_write, PLANNERS),
    Row("outage month plan", "read", "UI", outage_plan_page, PLANNERS),
    Row("grading run", "read", "API", grading_api_read, EVERY_ROLE | {NONE}),
    Row("grading run", "write", "API", grading_api_start, LEADS),
    Row("grading run", "write", "UI", grading_page_start, LEADS),
    Row("grading run", "write", "CLI", grading_cli_start, LEADS),
    Row("rules version (tariff)", "write", "service", tariff_rules_change, LEADS),
    Row("rules version", "read", "admin site", rules_admin_site, ADMINS),
    Row("rules version (outage)", "read", "API", outage_rules_api_read, PLANNERS),
    Row("rules version (outage)", "write", "API", outage_rules_api_add, PLANNERS),
    Row("rules version (tariff)", "write", "API", tariff_rules_api_add, LEADS),
    Row("rules version (renewables)", "write", "API", renewables_rules_api_add, LEADS),
    Row("rules version (renewables)", "write", "UI", renewables_rules_page_add, LEADS),
    Row("overview: tickets (not theirs)", "read", "CLI", overview_cli_other, WHOLE_BASE),
    Row("health list (not theirs)", "read", "export", health_export_other, WHOLE_BASE),
    Row("tariff advice list (not theirs)", "read", "export", tariff_export_other, WHOLE_BASE),
    Row("arrears list (not theirs)", "read", "export", arrears_export_other, WHOLE_BASE),
    Row("survey campaign (not theirs)", "read", "export", campaign_export_other, WHOLE_BASE),
    Row("retention offer (own account)", "write", "API", offer_api_add_own, OWN_ACCOUNT_EDITORS),
    Row("retention offer (not theirs)", "write", "API", offer_api_add_other, LEADS),
    Row("what worked", "read", "UI", what_worked_page, frozenset({SUPERVISOR, VIEWER, ADMIN})),
    Row("what worked", "read", "API", what_worked_api, frozenset({SUPERVISOR, VIEWER, ADMIN})),
    Row("calendar", "read", "API", calendar_api_read, EVERY_ROLE | {NONE}),
    Row("calendar", "write", "UI", calendar_page_write, ADMINS),
    Row("import", "read", "UI", imports_page, ADMINS),
    Row("audit log", "read", "admin site", audit_log_admin_site, ADMINS),
]


@pytest.mark.parametrize(
    ("row", "role"),
    [pytest.param(row, role, id=f"{row.obj}|{row.access}|{row.surface}|{role}") for row in MATRIX for role in ROLES],
)
def test_cell(world: World, row: Row, role: str) -> None:
    expected = role in row.allowed
    served = row.cell(world, role)
    verb = "served" if served else "refused"
    assert served == expected, (
        f"{row.obj} / {row.access} / {row.surface}: {role} was {verb}; docs/permissions.md says "
        f"{'allowed' if expected else 'refused'}"
    )


# ---- first inquiry (docs/permissions.md "First inquiry") ------------------------------------------


def test_first_inquiry_the_recorder_owns_the_request_and_sees_only_the_accounts_id_and_name(world: World) -> None:
    w = world
    manager = w.client(MANAGER)
    body = {
        "kind": "complaint",
        "title": "电压偏低",
        "accepted_on": TODAY.isoformat(),
        "customer_id": w.other.customer_id,
    }
    created = _json(manager, "post", "/api/v1/service/tickets", body)
    assert created.status_code == 201, created.content
    ticket = created.json()
    # 1–2: recorded on an account that is not theirs; they own it, its manager is asked to take it over.
    assert (ticket["owner"], ticket["received_by"]) == ("mgr", "mgr")
    assert ticket["pending_transfer"]["to_user"] == w.other_manager.username
    # 3: they see the ticket with the account's customer id and name …
    shown = manager.get(f"/api/v1/service/tickets/{ticket['id']}").json()
    assert (shown["customer_id"], shown["account_name"]) == (w.other.customer_id, w.other.name)
    page = manager.get(f"/service/tickets/{ticket['id']}/")
    assert page.status_code == 200
    assert w.other.name in page.content.decode()
    assert f"/accounts/{w.other.customer_id}/" not in page.content.decode()  # no link to a page they may not open
    # … and nothing else of the account: not its page, its figures, its other tickets, its visits.
    for url in (
        f"/api/v1/accounts/{w.other.customer_id}",
        f"/api/v1/accounts/{w.other.customer_id}/consumption",
        f"/api/v1/accounts/{w.other.customer_id}/payments",
        f"/api/v1/grading/accounts/{w.other.customer_id}/history",
        f"/accounts/{w.other.customer_id}/",
        f"/accounts/{w.other.customer_id}/history/",
        f"/api/v1/service/tickets/{w.ticket.pk}",
        f"/service/tickets/{w.ticket.pk}/",
    ):
        r = manager.get(url)
        assert r.status_code in (403, 404), url
        assert w.other.name not in _text(r), url
    assert w.other.customer_id not in _text(manager.get("/api/v1/visits/visits"))
    assert w.other.customer_id not in _text(manager.get("/api/v1/accounts/"))

    # 2: once the account's manager accepts, the recorder still reads what they received, but no
    # longer changes it.
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(w.other_manager)
    accepted = other.post(f"/api/v1/service/transfers/{ticket['pending_transfer']['id']}/accept")
    assert (accepted.status_code, accepted.json()["owner"]) == (200, w.other_manager.username)
    assert manager.get(f"/api/v1/service/tickets/{ticket['id']}").status_code == 200
    patch = _json(
        manager,
        "patch",
        f"/api/v1/service/tickets/{ticket['id']}",
        {"version": accepted.json()["version"], "title": "x"},
    )
    assert patch.status_code == 403


def test_first_inquiry_a_refused_customer_id_names_no_account(world: World) -> None:
    w = world
    w.other.archived = True
    w.other.save()
    for customer_id in (w.other.customer_id, "NO-SUCH-ID"):
        body = {"kind": "consultation", "title": "来电", "accepted_on": TODAY.isoformat(), "customer_id": customer_id}
        r = _json(w.client(MANAGER), "post", "/api/v1/service/tickets", body)
        assert r.status_code == 400
        assert r.json()["detail"] == f"There is no account with customer id {customer_id!r}."
        assert w.other.name not in _text(r)
    assert not Ticket.objects.exclude(pk=w.ticket.pk).exists()


def test_the_command_line_runs_as_the_installations_administrator(world: World) -> None:
    """Without --by, `powerkam grade` is not refused for want of a role (it fails on the empty store)."""
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("grade", "--period", "2026-10", "--format", "json", stdout=out, stderr=io.StringIO())
    assert "action" not in json.loads(out.getvalue())
