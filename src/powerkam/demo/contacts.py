"""Contacts for the demo province's accounts: the data contract has no contacts extract (managers
record them in PowerKAM), so the demo adds a believable stakeholder map to every CRM account."""

from __future__ import annotations

import numpy as np
from simple_history.utils import bulk_create_with_history

from powerkam.accounts.models import Account, Contact, ContactRole, InfluenceLevel
from powerkam.demo.generator import catalog as cat

#: (title, role, influence) — who a key-account manager deals with at a large customer
ROLES = (
    ("总经理", ContactRole.DECISION_MAKER, InfluenceLevel.HIGH),
    ("分管副总", ContactRole.DECISION_MAKER, InfluenceLevel.HIGH),
    ("动力部部长", ContactRole.ENERGY_MANAGER, InfluenceLevel.HIGH),
    ("能源管理员", ContactRole.ENERGY_MANAGER, InfluenceLevel.MEDIUM),
    ("财务经理", ContactRole.FINANCE, InfluenceLevel.MEDIUM),
    ("值班电工", ContactRole.ELECTRICIAN, InfluenceLevel.LOW),
)


def add_demo_contacts(*, seed: int) -> int:
    """Give every CRM account without contacts three or four; returns how many were created."""
    rng = np.random.default_rng(seed + 7)
    weights = np.array([s[2] for s in cat.SURNAMES])
    weights = weights / weights.sum()
    have = set(Contact.objects.values_list("account_id", flat=True).distinct())
    created: list[Contact] = []
    for account in Account.objects.filter(archived=False).order_by("customer_id").only("pk", "customer_id"):
        if account.pk in have:
            continue
        picks = [0, 2, 4] + ([int(rng.choice([1, 3, 5]))] if rng.random() < 0.6 else [])
        for index in picks:
            title, role, influence = ROLES[index]
            surname = cat.SURNAMES[int(rng.choice(len(cat.SURNAMES), p=weights))]
            given = "".join(cat.GIVEN_NAME_CHARS[int(k)][0] for k in rng.integers(0, len(cat.GIVEN_NAME_CHARS), 2))
            phone = (
                "1" + str(int(rng.choice([35, 38, 39, 58, 86, 87]))) + "".join(str(d) for d in rng.integers(0, 10, 8))
            )
            created.append(
                Contact(
                    account=account,
                    name=surname[0] + given,
                    title=title,
                    role=role,
                    influence=influence,
                    phone=phone,
                    email=f"{surname[1]}{account.customer_id[-4:]}{index}@example.com",
                )
            )
    if created:
        bulk_create_with_history(created, Contact, batch_size=1000, default_change_reason="demo")
    return len(created)
