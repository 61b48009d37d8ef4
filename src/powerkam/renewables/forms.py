"""Forms of the renewables settings page: one consumption-responsibility weight, a new rules version."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from powerkam.renewables.models import PartyType


class WeightForm(forms.Form):
    province = forms.CharField(label=_("Province"), max_length=50)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    party_type = forms.ChoiceField(label=_("Party type"), choices=PartyType.choices)
    # Text, so "15.8%" and "0.158" are both understood (the service parses and checks the share).
    total_weight = forms.CharField(label=_("Total weight"), max_length=20, help_text=_("0.158 or 15.8%"))
    non_hydro_weight = forms.CharField(label=_("Non-hydro weight"), max_length=20, required=False)
    source = forms.CharField(
        label=_("Source"), max_length=200, required=False, help_text=_("The notice the weight comes from.")
    )


class RulesForm(forms.Form):
    rules_toml = forms.CharField(label=_("Rules (TOML)"), widget=forms.Textarea(attrs={"rows": 18, "cols": 70}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    # The id of the newest version when the page was shown: a newer one saved meanwhile refuses this one.
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
