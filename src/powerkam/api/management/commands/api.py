"""``powerkam api token USERNAME``: issue (or rotate) a user's API token and print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from powerkam.api.services import api_token_issue
from powerkam.core.commands import PowerKAMCommand


class Command(PowerKAMCommand):
    help = "API administration. `api token USERNAME` issues a new API token for the user (the old one stops working)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["token"], help="token: issue or rotate the user's API token")
        parser.add_argument("username", help="the user's login name")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        issued = api_token_issue(username=options["username"])
        return {"username": issued.username, "token": issued.token, "rotated": issued.rotated}

    def render_text(self, result: Any) -> str:
        verb = "rotated" if result["rotated"] else "issued"
        return (
            f"API token {verb} for {result['username']} (shown once, keep it safe):\n"
            f"{result['token']}\n"
            f"Use it as: Authorization: Bearer {result['token'][:8]}…"
        )
