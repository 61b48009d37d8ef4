"""The account's own page (360): its managers, its contacts as a stakeholder map, its feeders."""

from __future__ import annotations

from dataclasses import dataclass

from powerkam.accounts.models import Account, AssignmentRole, Contact, ContactRole, InfluenceLevel
from powerkam.grid.models import Feeder


@dataclass(frozen=True)
class ManagerRow:
    role: str
    role_label: str
    username: str
    name: str
    phone: str
    #: the assignment's id (a bulk reassignment names the primary one the person saw)
    assignment_id: int = 0


def account_managers(*, account: Account) -> list[ManagerRow]:
    """The account's active managers, primary first: the staff name, else the user's full name."""
    rows = []
    for role, username, first, last, profile_id, name, phone, assignment_id in (
        account.assignments.filter(active=True)
        .order_by("role")
        .values_list(
            "role",
            "staff__username",
            "staff__first_name",
            "staff__last_name",
            "staff__staff__id",
            "staff__staff__name",
            "staff__staff__phone",
            "pk",
        )
    ):
        full_name = f"{first} {last}".strip()
        rows.append(
            ManagerRow(
                role=role,
                role_label=str(AssignmentRole(role).label),
                username=username,
                name=name if profile_id is not None else full_name or username,
                phone=phone if profile_id is not None else "",
                assignment_id=assignment_id,
            )
        )
    return rows


def account_contacts(*, account: Account) -> list[Contact]:
    """The account's people as a stakeholder map reads: most influential first, the decision maker
    before the other roles, then by name."""
    influence = {level: i for i, level in enumerate(InfluenceLevel.values)}
    role = {r: i for i, r in enumerate(ContactRole.values)}
    # An account has a handful of contacts: the database orders them by name (its collation), and a
    # stable sort puts them by influence and role — cheaper than two CASE expressions to compile.
    by_name = account.contacts.filter(archived=False).order_by("name")
    return sorted(by_name, key=lambda c: (influence.get(c.influence, len(influence)), role.get(c.role, len(role))))


@dataclass(frozen=True)
class SupplyFeeder:
    feeder_id: str
    feeder: Feeder | None


def account_feeders(*, account: Account) -> list[SupplyFeeder]:
    ids = account.feeder_list
    known = {f.feeder_id: f for f in Feeder.objects.filter(feeder_id__in=ids).select_related("substation")}
    return [SupplyFeeder(feeder_id=i, feeder=known.get(i)) for i in ids]
