from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def person(user: Any) -> str:
    """A staff member's name (their username without a profile); "—" for nobody."""
    if user is None:
        return "—"
    profile = getattr(user, "staff", None)
    return profile.name if profile is not None else user.get_username()


@register.filter(name="note_text")
def note_text_filter(note: Any) -> str:
    """A project note in the reader's language (prospects/inbox.py)."""
    from powerkam.prospects.inbox import note_text

    return note_text(note)
