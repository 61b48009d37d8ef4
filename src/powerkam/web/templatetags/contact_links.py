"""Phone numbers and e-mail addresses as links a phone can act on (issue 19: a manager on site taps
a contact's number to call it): ``{{ c.phone|tel_link }}``, ``{{ c.email|mailto_link }}`` and, for
free text that may hold either (a prospect's "owner contact"), ``{{ text|contact_links }}``.

A value that is not a usable number or address is shown as it is, escaped, without a link.
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

#: A Chinese landline (0571-8765 4321), a mobile (138 0013 8000), with a country code (+86 …) or an
#: extension (…-8001 or 转8001): digits with spaces, hyphens, dots and brackets between them.
_PHONE = re.compile(r"\+?\(?\d[\d\s\-.()]{5,}\d(?:\s*(?:转|ext\.?|x)\s*\d{1,6})?", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EXTENSION = re.compile(r"\s*(?:转|ext\.?|x)\s*(\d{1,6})$", re.IGNORECASE)


def tel_uri(phone: str) -> str | None:
    """The ``tel:`` URI of a written phone number (RFC 3966: digits, a leading +, ``;ext=``), or None
    when it holds fewer than five digits (not something a phone can dial)."""
    text = phone.strip()
    extension = ""
    match = _EXTENSION.search(text)
    if match:
        extension = f";ext={match.group(1)}"
        text = text[: match.start()]
    digits = re.sub(r"\D", "", text)
    if len(digits) < 5:
        return None
    plus = "+" if text.startswith("+") else ""
    return f"tel:{plus}{digits}{extension}"


def _email_ok(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


@register.filter
def tel_link(value: Any) -> str:
    phone = str(value or "").strip()
    if not phone:
        return ""
    uri = tel_uri(phone)
    if uri is None:
        return escape(phone)
    return format_html('<a href="{}" class="contact-link" data-contact="tel">{}</a>', uri, phone)


@register.filter
def mailto_link(value: Any) -> str:
    email = str(value or "").strip()
    if not email:
        return ""
    if not _email_ok(email):
        return escape(email)
    return format_html('<a href="mailto:{}" class="contact-link" data-contact="mailto">{}</a>', email, email)


@register.filter
def contact_links(value: Any) -> SafeString:
    """Free text with every e-mail address and phone number in it made a link, the rest escaped."""
    text = str(value or "")
    parts: list[str] = []
    position = 0
    spans = sorted(
        [(m.start(), m.end(), "mailto") for m in _EMAIL.finditer(text)]
        + [(m.start(), m.end(), "tel") for m in _PHONE.finditer(text)]
    )
    for start, end, kind in spans:
        if start < position:  # digits inside an e-mail address already linked
            continue
        parts.append(escape(text[position:start]))
        piece = text[start:end]
        parts.append(mailto_link(piece) if kind == "mailto" else tel_link(piece))
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped or built by format_html
