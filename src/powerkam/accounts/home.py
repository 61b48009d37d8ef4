"""The accounts' part of "My work": its figures and the first accounts the user sees (the frame the
shell's page shows before its panels load: :mod:`powerkam.web.frame`)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from powerkam.accounts import selectors as account_selectors


def frame(request: HttpRequest) -> dict[str, Any]:
    """The figures and the accounts of "My work", for the page web/home.html."""
    version = account_selectors.accounts_version()
    return {
        "summary": account_selectors.account_summary(user=request.user, version=version),
        "accounts_table": home_accounts(request, version),
        "user_sees_all": account_selectors.user_sees_all_accounts(request.user),
    }


def home_accounts(request: HttpRequest, version: str) -> str:
    """The first accounts the user sees, as HTML kept per version of the accounts, user and language
    (the morning's preparation makes it: :func:`register_home`)."""
    key = account_selectors.list_fragment_key("home", user=request.user, version=version, query="")
    html = cache.get(key)
    if html is None:
        recent = list(account_selectors.account_list(user=request.user, filters=account_selectors.AccountFilters())[:8])
        html = render_to_string("web/_home_accounts.html", {"recent": recent}, request=request)
        cache.set(key, html, account_selectors.LIST_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by our own template above


def register_home() -> None:
    """Register the frame of "My work" and the morning's preparation of its accounts."""
    from powerkam.web import frame as home_frame
    from powerkam.web.prepare import Preparer
    from powerkam.web.prepare import register as register_preparer

    home_frame.register(frame)
    register_preparer(
        Preparer(
            "web.home-accounts",  # the name it had when the shell made it
            lambda request, today: home_accounts(request, account_selectors.accounts_version()),
            per_language=True,
        )
    )
