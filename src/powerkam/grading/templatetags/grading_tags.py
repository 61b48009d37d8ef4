"""Template helpers of the grading pages: reasons in the reader's language, shares of the base."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from powerkam.analytics.grading_reasons import render_one

register = template.Library()


@register.filter
def reason_texts(reasons: Any) -> list[str]:
    """The reasons (codes with figures) of an AccountGrade as sentences in the current language."""
    lang = get_language() or "zh-hans"
    return [render_one(r, lang) for r in reasons or []]


@register.filter
def reasons_title(reasons: Any) -> str:
    """All reasons in one line, for a tooltip."""
    return " ".join(reason_texts(reasons))


@register.filter
def share(value: Any, total: Any) -> str:
    """``value`` as a percentage of ``total`` with one decimal (— when there is no total)."""
    try:
        part, whole = float(value), float(total)
    except (TypeError, ValueError):
        return "—"
    if not whole:
        return "—"
    return f"{part / whole * 100:.1f}%"


@register.filter
def percent(value: Any) -> str:
    """A 0…1 rank as a percentage."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"
