"""The import pages' labels: a kind of data by its name in the reader's language, not its code."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from powerkam.imports.forms import KIND_LABELS

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    """``billing`` → "Monthly billing" / "月度电费"; the CRM's own count reads "CRM accounts"."""
    if kind == "crm_accounts":
        return _("Key accounts in the CRM")
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind
