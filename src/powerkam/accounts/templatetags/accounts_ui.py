"""``{% account_link account %}``: an account's name, linked to its 360 page only for those who may open it.

A ticket or case is shown to whoever recorded it, even on an account that is not theirs (first inquiry,
docs/permissions.md): they see the account's name, but a link to a 360 page they may not open would only
lead to a refusal. The rule is ``accounts.view_account`` (accounts/permissions.py), asked once per request
for all the accounts a page shows.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from powerkam.accounts.permissions import openable_account_ids

register = template.Library()

_CACHE = "_powerkam_openable_account_ids"


def _openable(context: template.Context) -> frozenset[int] | None:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return frozenset()
    if request is None:
        return openable_account_ids(user)
    if not hasattr(request, _CACHE):
        setattr(request, _CACHE, openable_account_ids(user))
    cached: frozenset[int] | None = getattr(request, _CACHE)
    return cached


@register.simple_tag(takes_context=True)
def account_link(context: template.Context, account: Any) -> SafeString:
    """The name as a link to the 360 page when the viewer may open the account, else as text."""
    if account is None:
        return SafeString("—")
    openable = _openable(context)
    if openable is None or account.pk in openable:
        return format_html('<a href="{}">{}</a>', reverse("accounts:detail", args=[account.customer_id]), account.name)
    return SafeString(conditional_escape(account.name))


@register.inclusion_tag("accounts/_account_options.html", takes_context=True)
def account_options(context: template.Context) -> dict[str, Any]:
    """``<datalist id="account-options">`` of the accounts the reader may see, labelled id · name ·
    district; a customer-id field points at it with ``list="account-options"``."""
    from powerkam.accounts.selectors import account_pick_options

    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return {"options": account_pick_options(user=user) if user is not None else []}
