from __future__ import annotations

from typing import Any

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


#: The strategies' names (as insights/_strategy.html words them), for the offer form.
STRATEGY_LABELS = {
    "senior_visit": _("Senior management visit"),
    "dedicated_service": _("Dedicated service plan"),
    "efficiency_audit": _("Energy-efficiency audit"),
    "tariff_optimisation": _("Tariff plan optimisation"),
    "payment_plan": _("Payment plan"),
    "reliability_upgrade": _("Supply reliability upgrade (dual supply)"),
    "green_power": _("Green power and renewables service"),
    "capacity_fast_track": _("Capacity change fast track"),
}


#: Short names of the health reasons (the health page's reason filter; insights/_reason.html words each
#: with its figures).
REASON_LABELS = {
    "consumption_down": _("Consumption down"),
    "credit_low": _("Low credit score"),
    "complaints": _("Complaints"),
    "late_requests": _("Late service requests"),
    "interruptions": _("Unplanned interruptions"),
    "visit_overdue": _("Visit overdue"),
    "satisfaction_low": _("Low satisfaction"),
    "arrears_overdue": _("Overdue arrears"),
    "closure_applied": _("Closure applied for"),
    "relocation_applied": _("Relocation applied for"),
    "capacity_reduced": _("Capacity reduced or paused"),
    "contract_declined": _("Contract renewal declined"),
    "contract_expiring": _("Contract expiring"),
    "market_retailer": _("Buys through a retailer"),
    "market_direct": _("Trades directly"),
    "self_generation_up": _("Own generation growing"),
    "complaints_repeated": _("Repeated complaints"),
}


def strategy_choices() -> list[tuple[str, Any]]:
    from powerkam.analytics.strategies import DEFAULT_RULES

    return [(s.code, STRATEGY_LABELS.get(s.code, s.code)) for s in DEFAULT_RULES.strategies]


class OfferForm(forms.Form):
    """A retention offer recorded on the account's health panel (docs/health.md, "Offers and outcomes")."""

    strategy = forms.ChoiceField(label=_("Strategy"))
    offered_what = forms.CharField(label=_("What was offered"), max_length=300, required=False)
    offered_by = forms.TypedChoiceField(label=_("Offered by"), coerce=int)
    offered_on = forms.DateField(label=_("Offered on"), widget=DateInput())
    expected_yuan = forms.DecimalField(
        label=_("Revenue expected to be kept (yuan a year)"), min_value=0, max_digits=16, decimal_places=2
    )
    follow_up_on = forms.DateField(
        label=_("Answer due"), widget=DateInput(), required=False, help_text=_("Empty: 30 days after the offer.")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, makers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["strategy"].choices = strategy_choices()  # type: ignore[attr-defined]
        self.fields["offered_by"].choices = [  # type: ignore[attr-defined]
            (u.pk, getattr(getattr(u, "staff", None), "name", "") or u.get_username()) for u in makers
        ]


class OfferAnswerForm(forms.Form):
    """The customer's answer to an offer; ``version`` is the offer's version the person saw."""

    outcome = forms.ChoiceField(label=_("Answer"), choices=[("accepted", _("Accepted")), ("declined", _("Declined"))])
    outcome_on = forms.DateField(label=_("Answered on"), widget=DateInput())
    saved_yuan = forms.DecimalField(
        label=_("Yuan saved for the customer"), min_value=0, max_digits=16, decimal_places=2, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput())
