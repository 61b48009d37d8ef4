"""The visits' bulk action on the account list: reassign the primary manager of the selected accounts
(issue 19 part 6), registered in the shell (web/bulk.py) so the account list offers it without
importing the visits (docs/architecture.md, "Layers")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from powerkam.core.errors import ApplicationError
from powerkam.visits import selectors, services
from powerkam.web.bulk import BulkAction, BulkDone, register


def _choices() -> dict[str, Any]:
    return {"managers": list(selectors.staff_managers().order_by("user__username"))}


def _reassign(accounts: list[Any], by: Any, seen: Mapping[str, int | None], params: Mapping[str, str]) -> BulkDone:
    """``params["to_user"]``: the username of the new primary manager. Supervisors and administrators
    only (the service checks); an account reassigned since it was seen is refused (``seen``)."""
    to_user = User.objects.filter(username=params.get("to_user", "")).first()
    if to_user is None:
        raise ApplicationError(_("New primary manager: choose who takes the accounts over."))
    done = services.accounts_reassign(accounts=accounts, to_user=to_user, by=by, seen=seen)
    message = _("%(n)d accounts now have %(user)s as primary manager.") % {
        "n": len(accounts),
        "user": to_user.get_username(),
    }
    return BulkDone(message, done)


def register_actions() -> None:
    register(
        "accounts",
        BulkAction(
            key="reassign",
            right="accounts.reassign",
            template="visits/_bulk_reassign.html",
            choices=_choices,
            run=_reassign,
            order=10,
        ),
    )
