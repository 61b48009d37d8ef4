from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from powerkam.insights.models import SatisfactionSurvey


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
            "surveyed_on": forms.DateInput(attrs={"type": "date"}),
            "comments": forms.Textarea(attrs={"rows": 2}),
        }
