"""Shared factory_boy factories for the CRM models.

Other test packages import ``UserFactory``, ``StaffFactory``, ``AccountFactory`` and
``AssignmentFactory`` from here; keep their names and defaults stable.

- ``UserFactory``: a Django user with the password ``"pw"`` (``user.raw_password``).
- ``StaffFactory``: a :class:`~powerkam.staff.models.StaffProfile` (and its user), role ``manager``
  by default; pass ``role=Role.SUPERVISOR`` etc.  The user is added to the Django group named by role.
- ``AccountFactory``: a 10 kV key-account candidate with a unique customer id.
- ``AssignmentFactory``: an active primary assignment (pass ``staff=<User>`` and ``account=``).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import factory
import pyarrow as pa
import pyarrow.parquet as pq
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from factory.django import DjangoModelFactory

from powerkam.accounts.models import Account, Assignment, AssignmentRole, Contact, ContactRole, Tariff
from powerkam.analytics import store
from powerkam.staff.models import Role, StaffProfile

DEFAULT_PASSWORD = "pw"


@functools.cache
def _hashed(raw: str) -> str:
    """Hash each test password once: the real hasher is deliberately slow."""
    return make_password(raw)


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = ""
    last_name = ""

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        raw = extracted or DEFAULT_PASSWORD
        obj.password = _hashed(raw)
        obj.raw_password = raw  # type: ignore[attr-defined]
        if create:
            obj.save(update_fields=["password"])


class StaffFactory(DjangoModelFactory[StaffProfile]):
    class Meta:
        model = StaffProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"经理{n}")
    district = "示范区"
    role = Role.MANAGER

    @factory.post_generation
    def group(obj: StaffProfile, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            group, _ = Group.objects.get_or_create(name=obj.role)
            obj.user.groups.add(group)


class AccountFactory(DjangoModelFactory[Account]):
    class Meta:
        model = Account
        django_get_or_create = ("customer_id",)

    customer_id = factory.Sequence(lambda n: f"C{n:06d}")
    name = factory.Sequence(lambda n: f"示范客户{n}有限公司")
    industry = "C"
    voltage_kv = Decimal("10")
    contract_capacity_kva = Decimal("2500")
    tariff = Tariff.LARGE_INDUSTRIAL
    district = "示范区"


class ContactFactory(DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = "电气主管"
    role = ContactRole.ENERGY_MANAGER
    phone = factory.Sequence(lambda n: f"1380000{n:04d}")


class AssignmentFactory(DjangoModelFactory[Assignment]):
    class Meta:
        model = Assignment

    account = factory.SubFactory(AccountFactory)
    staff = factory.SubFactory(UserFactory)
    role = AssignmentRole.PRIMARY
    active = True


def write_dataset(store_dir: Path, kind: str, rows: list[dict[str, Any]]) -> Path:
    """Write ``rows`` as the store's ``kind`` dataset (columns not given are null), as the importer would."""
    schema = store.SCHEMAS[kind]
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    if kind == "payments":
        columns["seq"] = [row.get("seq", 0) for row in rows]
    table = pa.table(columns, schema=schema)
    path = store.dataset_path(store_dir, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def monthly_bills(
    customer_id: str, *, last_period: str, months: int, kwh: float = 100_000.0, price: str = "0.70", due_day: int = 15
) -> list[dict[str, Any]]:
    """``months`` consecutive bills ending with ``last_period``, each due on ``due_day`` of the next month."""
    year, month = int(last_period[:4]), int(last_period[5:7])
    rows = []
    for offset in range(months - 1, -1, -1):
        index = year * 12 + month - 1 - offset
        y, m = divmod(index, 12)
        due_y, due_m = divmod(index + 1, 12)
        rows.append(
            {
                "customer_id": customer_id,
                "period": f"{y:04d}-{m + 1:02d}",
                "kwh": kwh,
                "amount_yuan": (Decimal(str(kwh)) * Decimal(price)).quantize(Decimal("0.01")),
                "due_date": dt.date(due_y, due_m + 1, due_day),
            }
        )
    return rows


def paid_on_time(bills: list[dict[str, Any]], *, except_: set[tuple[str, str]] = frozenset()) -> list[dict[str, Any]]:
    """A payment of each bill in full on its due date, except the (customer id, period) left unpaid."""
    return [
        {
            "customer_id": b["customer_id"],
            "period": b["period"],
            "paid_on": b["due_date"],
            "amount_yuan": b["amount_yuan"],
        }
        for b in bills
        if (b["customer_id"], b["period"]) not in except_
    ]


@dataclass
class Team:
    """A small supply area: a supervisor, two managers, a viewer, a planner and their accounts.

    - ``mine``: E100 (primary: manager, secondary: other) and E101 (primary: manager)
    - ``theirs``: E200 (primary: other)
    - ``nobody``: E300 (no manager), E301 archived (never listed)
    """

    supervisor: StaffProfile
    manager: StaffProfile
    other: StaffProfile
    viewer: StaffProfile
    planner: StaffProfile
    accounts: dict[str, Account]


def build_team() -> Team:
    supervisor = StaffFactory(user__username="zhangwei", name="张伟", role=Role.SUPERVISOR)
    manager = StaffFactory(user__username="m01", name="李娜", role=Role.MANAGER, supervisor=supervisor)
    other = StaffFactory(user__username="m02", name="王强", role=Role.MANAGER, supervisor=supervisor)
    viewer = StaffFactory(user__username="viewer", name="赵敏", role=Role.VIEWER)
    planner = StaffFactory(user__username="planner", name="陈刚", role=Role.PLANNER)
    accounts = {
        "E100": AccountFactory(
            customer_id="E100",
            name="示范钢铁有限公司",
            grade="A",
            credit_score=100,
            key_status="key",
            voltage_kv=Decimal("110"),
            contract_capacity_kva=Decimal("40000"),
            feeders="F001;F002",
            important_grade="first",
            district="东城区",
            industry="C",
        ),
        "E101": AccountFactory(
            customer_id="E101",
            name="示范医院",
            grade="B",
            credit_score=90,
            key_status="key",
            voltage_kv=Decimal("10"),
            contract_capacity_kva=Decimal("2500"),
            district="西城区",
            industry="Q",
        ),
        "E200": AccountFactory(
            customer_id="E200",
            name="示范化工有限公司",
            grade="C",
            credit_score=50,
            key_status="key",
            voltage_kv=Decimal("35"),
            contract_capacity_kva=Decimal("8000"),
            district="东城区",
            industry="C",
        ),
        "E300": AccountFactory(
            customer_id="E300",
            name="示范商场",
            voltage_kv=Decimal("10"),
            contract_capacity_kva=Decimal("1600"),
            district="西城区",
            industry="F",
        ),
        "E301": AccountFactory(customer_id="E301", name="已归档客户", archived=True),
    }
    AssignmentFactory(account=accounts["E100"], staff=manager.user, role=AssignmentRole.PRIMARY)
    AssignmentFactory(account=accounts["E100"], staff=other.user, role=AssignmentRole.SECONDARY)
    AssignmentFactory(account=accounts["E101"], staff=manager.user, role=AssignmentRole.PRIMARY)
    AssignmentFactory(account=accounts["E200"], staff=other.user, role=AssignmentRole.PRIMARY)
    # An ended assignment gives no visibility.
    AssignmentFactory(account=accounts["E300"], staff=manager.user, role=AssignmentRole.PRIMARY, active=False)
    return Team(supervisor, manager, other, viewer, planner, accounts)


def work_off_the_queue() -> None:
    """What ``powerkam worker --batch`` does, in this process: run every queued task, then stop."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()
