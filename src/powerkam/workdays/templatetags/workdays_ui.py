from __future__ import annotations

from django import template

from powerkam.workdays.selectors import holiday_label as _holiday_label

register = template.Library()


@register.filter
def holiday_label(name: str) -> str:
    """The holiday's name in the user's language."""
    return _holiday_label(name) if name else ""
