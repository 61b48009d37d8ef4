from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from powerkam.insights.models import SatisfactionSurvey
from powerkam.web.widgets import DateInput


class SurveyForm(forms.ModelForm):
    score = forms.TypedChoiceField(
        label=_("Satisfaction"),
        coerce=int,
        choices=[
            (5, _("5 · very satisfied")),
            (4, _("4 · satisfied")),
            (3, _("3 · neutral")),
            (2, _("2 · dissatisfied")),
            (1, _("1 · very dissatisfied")),
        ],
    )

    class Meta:
        model = SatisfactionSurvey
        fields = ("surveyed_on", "score", "channel", "respondent", "comments")
        widgets = {
            "surveyed_on": DateInput(),
            "comments": forms.Textarea(attrs={"rows": 2}),
        }


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=200)
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    due_on = forms.DateField(label=_("Due"), widget=DateInput())
    grades = forms.MultipleChoiceField(
        label=_("Grades"),
        required=False,
        choices=[("A", _("A · premium")), ("B", _("B · medium")), ("C", _("C · low credit"))],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every key account."),
    )
