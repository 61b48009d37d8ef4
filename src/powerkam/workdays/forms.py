from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from powerkam.web.widgets import DateInput


class OverrideForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    is_workday = forms.TypedChoiceField(
        label=_("This day is"),
        choices=[("0", _("a day off (holiday)")), ("1", _("an adjusted working day"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label=_("Holiday"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class YearImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Columns date,is_workday,name — one row per holiday or adjusted working day.")
    )
    source_note = forms.CharField(label=_("Source"), max_length=300, required=False)


class DeclareYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    complete = forms.TypedChoiceField(
        label=_("Complete"), choices=[("1", _("yes")), ("0", _("no"))], coerce=lambda v: v == "1", initial="1"
    )
    source_note = forms.CharField(label=_("Source"), max_length=300, required=False)
