"""Forms of the account pages: the list's filter bar and the contact form on the 360 page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Contact, Grade, KeyStatus
from powerkam.accounts.selectors import NO_GRADE, SORTS, AccountFilters, normalise_sort, parse_voltage

INDUSTRY_LABELS = {
    "A": _("A · Agriculture, forestry, fishing"),
    "B": _("B · Mining"),
    "C": _("C · Manufacturing"),
    "D": _("D · Electricity, heat, gas and water"),
    "E": _("E · Construction"),
    "F": _("F · Wholesale and retail"),
    "G": _("G · Transport, storage and post"),
    "H": _("H · Hotels and catering"),
    "I": _("I · Information technology"),
    "J": _("J · Finance"),
    "K": _("K · Real estate"),
    "L": _("L · Leasing and business services"),
    "M": _("M · Research and technical services"),
    "N": _("N · Water, environment and public facilities"),
    "O": _("O · Resident and other services"),
    "P": _("P · Education"),
    "Q": _("Q · Health and social work"),
    "R": _("R · Culture, sports and entertainment"),
    "S": _("S · Public administration"),
    "T": _("T · International organisations"),
}


class PlainSelect(forms.Select):
    """A drop-down written in one go. Django's widget templates render every option through a template
    of its own, which made the filter bar (a hundred managers, sixteen districts…) cost more than the
    table of accounts; the markup is the same."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        selected = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, mark_safe(" selected") if str(option) in selected else "", label)
                for option, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Customer id or name"), required=False, max_length=100)
    grade = forms.ChoiceField(label=_("Grade"), required=False, widget=PlainSelect)
    district = forms.ChoiceField(label=_("District"), required=False, widget=PlainSelect)
    industry = forms.ChoiceField(label=_("Industry"), required=False, widget=PlainSelect)
    manager = forms.ChoiceField(label=_("Manager"), required=False, widget=PlainSelect)
    voltage = forms.ChoiceField(label=_("Voltage"), required=False, widget=PlainSelect)
    key_status = forms.ChoiceField(label=_("Status"), required=False, widget=PlainSelect)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, choices: dict[str, list[Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self._set_choices("grade", [*everything, *Grade.choices, (NO_GRADE, _("Not graded"))])
        self._set_choices("district", [*everything, *((d, d) for d in choices["districts"])])
        self._set_choices(
            "industry",
            [
                *everything,
                *((i, INDUSTRY_LABELS.get(i, i)) for i in choices["industries"]),
            ],
        )
        self._set_choices("manager", [*everything, *choices["managers"]])
        self._set_choices(
            "voltage",
            [
                *everything,
                *((format(v.normalize(), "f"), f"{format(v.normalize(), 'f')} kV") for v in choices["voltages"]),
            ],
        )
        self._set_choices("key_status", [*everything, *KeyStatus.choices])

    def _set_choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> AccountFilters:
        """The filters as given; values that are not offered are ignored rather than refused."""
        data = self.cleaned_data if self.is_valid() else {}
        if not self.is_valid():
            # Keep whatever parts are valid: an outdated link must still show a list.
            data = {name: self.data.get(name, "") for name in self.fields if name not in self.errors}
        return AccountFilters(
            q=(data.get("q") or "").strip(),
            grade=data.get("grade") or "",
            district=data.get("district") or "",
            industry=data.get("industry") or "",
            manager=data.get("manager") or "",
            voltage_kv=parse_voltage(data.get("voltage")),
            key_status=data.get("key_status") or "",
            sort=normalise_sort(self.data.get("sort")),
        )


SORTABLE = tuple(SORTS)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "role", "influence", "phone", "email", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2}), "role": PlainSelect, "influence": PlainSelect}


class ContactEditForm(ContactForm):
    """Change a contact; the hidden version keeps two people from overwriting each other."""

    class Meta(ContactForm.Meta):
        fields = [*ContactForm.Meta.fields, "version"]
        widgets = {**ContactForm.Meta.widgets, "version": forms.HiddenInput}
