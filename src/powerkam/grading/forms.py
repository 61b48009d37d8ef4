"""Forms of the grading pages: roster filters and the "start a run" form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Grade
from powerkam.grading.models import Backend, Change
from powerkam.grading.selectors import ROSTER_DEFAULT_SORT, ROSTER_SORTS, RosterFilters

#: A rules file is a few hundred bytes; anything much larger is not one.
MAX_RULES_BYTES = 64 * 1024


class RosterFilterForm(forms.Form):
    q = forms.CharField(label=_("Customer id or name"), required=False)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    change = forms.ChoiceField(label=_("Since the previous run"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, districts: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        choices: dict[str, list[tuple[str, Any]]] = {
            "grade": everything + list(Grade.choices),
            "district": everything + [(d, d) for d in districts or []],
            "change": everything + [(c.value, c.label) for c in (Change.JOINED, Change.UP, Change.DOWN, Change.SAME)],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options

    def filters(self) -> RosterFilters:
        if not self.is_valid():
            return RosterFilters()
        data = self.cleaned_data
        sort = data.get("sort") or ROSTER_DEFAULT_SORT
        return RosterFilters(
            q=(data.get("q") or "").strip(),
            grade=data.get("grade") or "",
            district=data.get("district") or "",
            change=data.get("change") or "",
            sort=sort if sort.lstrip("-") in ROSTER_SORTS else ROSTER_DEFAULT_SORT,
        )


def last_month(today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


class RunStartForm(forms.Form):
    period = forms.RegexField(
        label=_("Period"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        help_text=_("The billing month to grade, YYYY-MM."),
        error_messages={"invalid": _("Write the period as YYYY-MM, e.g. 2026-10.")},
    )
    backend = forms.ChoiceField(label=_("Engine"), choices=Backend.choices, initial=Backend.DUCKDB)
    rules = forms.FileField(
        label=_("Rules file (optional)"),
        required=False,
        help_text=_("A TOML file overriding thresholds and weights; leave empty for the standard rules."),
    )
    publish = forms.BooleanField(
        label=_("Publish even if older than the roster"),
        required=False,
        help_text=_(
            "A month older than the roster's is graded as a what-if: kept and compared, the grades do not change. "
            "Tick to make its result the current grades."
        ),
    )

    def rules_text(self) -> str | None:
        upload = self.cleaned_data.get("rules")
        if not upload:
            return None
        if upload.size > MAX_RULES_BYTES:
            self.add_error("rules", _("This file is too large to be a rules file."))
            return None
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            self.add_error("rules", _("The rules file must be UTF-8 text (TOML)."))
            return None
