"""Template helpers for the PowerKAM look: the menu, units, grade badges and the user's role.

Numbers carry units (ux.md): in Chinese, large energy figures read in 万kWh and large sums in 万元.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from powerkam.staff.selectors import person_name
from powerkam.web.navigation import MENU

register = template.Library()

DASH = "—"
TEN_THOUSAND = 10_000


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _in_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


@register.inclusion_tag("web/_menu.html", takes_context=True)
def nav_menu(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    path = request.path if request is not None else "/"
    return {"items": [(item, item.is_active(path)) for item in MENU]}


@register.filter
def kwh(value: Any) -> str:
    """Energy with its unit: 万kWh for large figures in Chinese, kWh otherwise."""
    number = _number(value)
    if number is None:
        return DASH
    if _in_chinese() and abs(number) >= TEN_THOUSAND:
        return f"{number / TEN_THOUSAND:,.2f} 万kWh"
    return f"{number:,.0f} kWh"


@register.filter
def kw(value: Any) -> str:
    number = _number(value)
    return DASH if number is None else f"{number:,.1f} kW"


@register.filter
def kva(value: Any) -> str:
    number = _number(value)
    return DASH if number is None else f"{number:,.0f} kVA"


@register.filter
def kv(value: Any) -> str:
    if value is None or value == "":
        return DASH
    text = format(Decimal(str(value)).normalize(), "f")
    return f"{text} kV"


@register.filter
def yuan(value: Any) -> str:
    """An exact amount of money: ``1,234.56 元`` in Chinese, ``¥1,234.56`` in English."""
    if value is None or value == "":
        return DASH
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{amount:,.2f} 元" if _in_chinese() else f"¥{amount:,.2f}"


@register.filter
def yuan_short(value: Any) -> str:
    """A large sum for a KPI card: 万元 in Chinese."""
    number = _number(value)
    if number is None:
        return DASH
    if _in_chinese() and abs(number) >= TEN_THOUSAND:
        return f"{number / TEN_THOUSAND:,.2f} 万元"
    return f"{number:,.0f} 元" if _in_chinese() else f"¥{number:,.0f}"


@register.filter
def percent(value: Any, digits: int = 1) -> str:
    """A share 0–1 as a percentage: ``0.4231`` → ``42.3%``; a dash when unknown."""
    number = _number(value)
    if number is None:
        return DASH
    return f"{number * 100:.{int(digits)}f}%"


@register.simple_tag
def grade_badge(grade: str | None, title: str = "") -> str:
    """A coloured grade badge (A green, B blue, C orange); a dash when not graded yet."""
    if grade:
        if title:
            return format_html('<span class="badge grade grade-{}" title="{}">{}</span>', grade, title, grade)
        return format_html('<span class="badge grade grade-{}">{}</span>', grade, grade)
    return format_html('<span class="badge grade grade-none" title="{}">—</span>', _("Not graded yet"))


@register.simple_tag
def role_label(user: Any) -> str:
    """The role shown in the top bar: the staff role, or Administrator for a superuser without a profile."""
    profile = getattr(user, "staff", None) if user is not None else None
    if profile is not None:
        return str(profile.get_role_display())
    if getattr(user, "is_superuser", False):
        return _("Administrator")
    return ""


@register.simple_tag
def display_name(user: Any) -> str:
    return person_name(user)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.simple_tag
def page_numbers(page: Any) -> list[int | None]:
    """The page numbers a pager shows: the first and last, two either side of the current one, and
    None for each gap (shown as "…"): 1 2 3 4 5 … 9 on page 3 of 9."""
    return [
        n if isinstance(n, int) else None
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
