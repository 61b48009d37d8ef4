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

from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import Group, User
from factory.django import DjangoModelFactory

from powerkam.accounts.models import Account, Assignment, AssignmentRole, Contact, ContactRole, Tariff
from powerkam.staff.models import Role, StaffProfile

DEFAULT_PASSWORD = "pw"


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
        obj.set_password(raw)
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
