"""Accounts API: the list (same filters and visibility as the web page) and one account's 360 data.

A manager sees only the accounts they manage: another account answers 403, an unknown one 404.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from powerkam.accounts import ranks, selectors, services
from powerkam.accounts.models import Account, Assignment, Contact
from powerkam.api.errors import BulkRefusedOut, ErrorOut
from powerkam.api.fields import MAX_ID, USERNAME, VOLTAGE, ApiDate, length
from powerkam.api.versioning import VERSIONED, expected_version, set_etag

router = Router(tags=["accounts"])

MAX_PAGE_SIZE = 200


class ManagerOut(Schema):
    role: str = Field(description="primary or secondary")
    username: str
    name: str
    assignment_id: int = Field(
        0, description="The assignment's id; the primary one is the row's version for a bulk reassignment"
    )


class AccountOut(Schema):
    customer_id: str
    name: str
    grade: str = Field(description="A, B, C, or empty when not graded")
    credit_score: int | None
    value_rank: float | None = Field(
        description="The value rank in the newest published grading run that graded the account (null: not "
        "a key account there, or never graded); each run's rank: GET /grading/accounts/{customer_id}/history"
    )
    key_status: str
    voltage_kv: Decimal
    contract_capacity_kva: Decimal
    tariff: str
    industry: str
    district: str
    area_class: str
    important_grade: str
    feeders: list[str]
    multiple_supply: bool
    managers: list[ManagerOut]
    primary_assignment: int = Field(
        0,
        description="The id of the primary manager's assignment (0: none): the version to send for this "
        "account in a bulk reassignment (POST /accounts/bulk)",
    )


class AccountsContactOut(Schema):
    id: int
    name: str
    title: str
    role: str
    influence: str
    phone: str
    email: str
    notes: str
    version: int = Field(description="Send it back when you change the contact (or If-Match: the ETag)")


class ContactPatchIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    role: str | None = None
    influence: str | None = None
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    notes: str | None = None
    version: int | None = Field(None, ge=1, description="The version you edited (or send it as If-Match)")


class AccountDetailOut(AccountOut):
    parent_id: str | None
    basic_charge_mode: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    connected_on: dt.date | None
    key_since: dt.date | None
    contacts: list[AccountsContactOut]


class AccountPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[AccountOut]


class AccountQuery(Schema):
    q: str = Field("", description="part of the customer id or name")
    grade: str = Field("", description="A, B, C, or 'none' for accounts not graded")
    district: str = ""
    industry: str = Field("", description="GB/T 4754-2017 section letter")
    manager: str = Field("", description="username of an active manager")
    voltage_kv: Annotated[Decimal, VOLTAGE] | None = None
    key_status: str = Field("", description="candidate, key or former")
    sort: str = Field(selectors.DEFAULT_SORT, description=f"one of {', '.join(selectors.SORTS)}; prefix '-' to reverse")
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=MAX_PAGE_SIZE)


class MonthOut(Schema):
    period: str
    kwh: float | None
    amount_yuan: Decimal | None


class BillOut(Schema):
    period: str
    amount_yuan: Decimal
    due_date: dt.date
    paid_yuan: Decimal
    settled_on: dt.date | None
    days_late: int
    outstanding_yuan: Decimal
    in_arrears: bool


class PaymentRecordOut(Schema):
    as_of: dt.date
    arrears_yuan: Decimal
    late_bills: int
    max_days_late: int
    bills: list[BillOut]


def _managers(account: Account) -> list[ManagerOut]:
    rows = getattr(account, "manager_rows", None)  # a page of the list carries them
    if rows is None:
        rows = selectors.account_managers(account=account)
    return [ManagerOut(role=m.role, username=m.username, name=m.name, assignment_id=m.assignment_id) for m in rows]


def _account_fields(account: Account, ranks: dict[int, float | None]) -> dict[str, Any]:
    return {
        "customer_id": account.customer_id,
        "name": account.name,
        "grade": account.grade,
        "credit_score": account.credit_score,
        "value_rank": ranks.get(account.pk),
        "key_status": account.key_status,
        "voltage_kv": account.voltage_kv,
        "contract_capacity_kva": account.contract_capacity_kva,
        "tariff": account.tariff,
        "industry": account.industry,
        "district": account.district,
        "area_class": account.area_class,
        "important_grade": account.important_grade,
        "feeders": account.feeder_list,
        "multiple_supply": account.multiple_supply,
        "managers": (managers := _managers(account)),
        "primary_assignment": next((m.assignment_id for m in managers if m.role == "primary"), 0),
    }


def _get(request: HttpRequest, customer_id: str) -> Account:
    try:
        return selectors.account_get(user=request.user, customer_id=customer_id)
    except Account.DoesNotExist:
        raise HttpError(404, _("No account with this customer id.")) from None
    except selectors.AccountNotVisible as exc:
        raise HttpError(403, str(exc)) from None


class BulkAccountIn(Schema):
    customer_id: Annotated[str, length(Account, "customer_id", required=True)]
    version: int = Field(
        ge=0, le=MAX_ID, description="The account's primary_assignment the client saw (0: it had no primary manager)"
    )


class AccountsBulkIn(Schema):
    action: Literal["reassign"]
    accounts: list[BulkAccountIn] = Field(min_length=1, max_length=500)
    to: Annotated[str, USERNAME] = Field(description="reassign: the new primary manager's username")


class BulkAccountOut(Schema):
    customer_id: str
    primary_assignment: int


class AccountsBulkOut(Schema):
    action: str
    done: int
    accounts: list[BulkAccountOut] = Field(description="Each account with its new primary assignment")


@router.post(
    "/bulk",
    response={200: AccountsBulkOut, 400: BulkRefusedOut, 403: ErrorOut, 404: ErrorOut, 409: BulkRefusedOut},
    summary="Reassign several accounts at once, all or nothing",
    description='The same service as the account list\'s bulk bar (docs/api.md, "Bulk actions"). Each account '
    "carries the primary_assignment the client saw; if any account is refused — reassigned since (409), "
    "already managed by the new manager (400) — nothing is changed and `refused` names every refused account.",
    operation_id="accounts_bulk",
)
def accounts_bulk(request: HttpRequest, payload: AccountsBulkIn) -> dict[str, Any]:
    from django.contrib.auth.models import User

    from powerkam.web import bulk

    wanted: dict[str, int] = {}
    for row in payload.accounts:
        wanted.setdefault(row.customer_id, row.version)
    found = {a.customer_id: a for a in selectors.accounts_visible_to(request.user).filter(customer_id__in=list(wanted))}
    missing = [k for k in wanted if k not in found]
    if missing:
        raise HttpError(404, _("No account with this customer id: %(ids)s.") % {"ids": ", ".join(missing)})
    to_user = User.objects.filter(username=payload.to).first()
    if to_user is None:
        raise HttpError(404, _("There is no user %(name)r.") % {"name": payload.to})
    # The reassignment is the visits' action, registered for the account list (web/bulk.py).
    action = bulk.action("accounts", payload.action)
    if action is None:
        raise HttpError(404, _("No such bulk action: %(action)s.") % {"action": payload.action})
    done: list[Assignment] = action.run(
        [found[k] for k in wanted], request.user, dict(wanted), {"to_user": payload.to}
    ).rows
    return {
        "action": payload.action,
        "done": len(done),
        "accounts": [{"customer_id": a.account.customer_id, "primary_assignment": a.pk} for a in done],
    }


@router.get("/", response=AccountPage, summary="List accounts", operation_id="accounts_list")
def accounts_list(request: HttpRequest, query: Query[AccountQuery]) -> AccountPage:
    filters = selectors.AccountFilters(
        q=query.q.strip(),
        grade=query.grade,
        district=query.district,
        industry=query.industry,
        manager=query.manager,
        voltage_kv=query.voltage_kv,
        key_status=query.key_status,
        sort=selectors.normalise_sort(query.sort),
    )
    page = selectors.account_page(user=request.user, filters=filters, number=query.page, per_page=query.page_size)
    value_ranks = ranks.value_ranks([a.pk for a in page.object_list])
    return AccountPage(
        count=page.paginator.count,
        page=page.number,
        page_size=query.page_size,
        pages=max(1, math.ceil(page.paginator.count / query.page_size)),
        results=[AccountOut(**_account_fields(a, value_ranks)) for a in page.object_list],
    )


@router.get(
    "/{customer_id}",
    response={200: AccountDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="One account",
    operation_id="accounts_detail",
)
def accounts_detail(request: HttpRequest, customer_id: str) -> AccountDetailOut:
    account = _get(request, customer_id)
    return AccountDetailOut(
        **_account_fields(account, ranks.value_ranks([account.pk])),
        parent_id=account.parent.customer_id if account.parent else None,
        basic_charge_mode=account.basic_charge_mode,
        address=account.address,
        latitude=account.latitude,
        longitude=account.longitude,
        connected_on=account.connected_on,
        key_since=account.key_since,
        contacts=[AccountsContactOut.from_orm(c) for c in selectors.account_contacts(account=account)],
    )


def _contact(request: HttpRequest, customer_id: str, contact_id: int) -> Contact:
    account = _get(request, customer_id)
    contact = Contact.objects.filter(pk=contact_id, account=account, archived=False).first()
    if contact is None:
        raise HttpError(404, _("This account has no such contact."))
    return contact


@router.get(
    "/{customer_id}/contacts/{contact_id}",
    response={200: AccountsContactOut, 403: ErrorOut, 404: ErrorOut},
    summary="One contact person (ETag: its version)",
    operation_id="accounts_contact",
)
def accounts_contact(request: HttpRequest, customer_id: str, contact_id: int, response: HttpResponse) -> Contact:
    contact = _contact(request, customer_id, contact_id)
    set_etag(response, contact)
    return contact


@router.patch(
    "/{customer_id}/contacts/{contact_id}",
    response={200: AccountsContactOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, **VERSIONED},
    summary="Change a contact person (send the version you edited; a stale one answers 409)",
    operation_id="accounts_contact_update",
)
def accounts_contact_update(
    request: HttpRequest, customer_id: str, contact_id: int, payload: ContactPatchIn, response: HttpResponse
) -> Contact:
    contact = _contact(request, customer_id, contact_id)
    fields = payload.dict(exclude_unset=True)
    fields.pop("version", None)
    version = expected_version(request, payload.version)
    services.contact_update(contact=contact, by=request.user, version=version, **fields)  # type: ignore[arg-type]
    set_etag(response, contact)
    return contact


@router.get(
    "/{customer_id}/consumption",
    response={200: list[MonthOut], 403: ErrorOut, 404: ErrorOut},
    summary="Monthly consumption and billed revenue, 36 months",
    operation_id="accounts_consumption",
)
def accounts_consumption(request: HttpRequest, customer_id: str) -> list[MonthOut]:
    account = _get(request, customer_id)
    return [
        MonthOut(period=m.period, kwh=m.kwh, amount_yuan=m.amount_yuan)
        for m in selectors.account_monthly_history(account=account)
    ]


@router.get(
    "/{customer_id}/payments",
    response={200: PaymentRecordOut, 403: ErrorOut, 404: ErrorOut},
    summary="Bills, payments and arrears",
    operation_id="accounts_payments",
)
def accounts_payments(request: HttpRequest, customer_id: str, as_of: ApiDate | None = None) -> PaymentRecordOut:
    account = _get(request, customer_id)
    record = selectors.account_payment_record(account=account, as_of=as_of)
    return PaymentRecordOut(
        as_of=record.as_of,
        arrears_yuan=record.arrears_yuan,
        late_bills=record.late_bills,
        max_days_late=record.max_days_late,
        bills=[
            BillOut(
                period=b.period,
                amount_yuan=b.amount_yuan,
                due_date=b.due_date,
                paid_yuan=b.paid_yuan,
                settled_on=b.settled_on,
                days_late=b.days_late,
                outstanding_yuan=b.outstanding_yuan,
                in_arrears=b.in_arrears,
            )
            for b in record.bills
        ],
    )
