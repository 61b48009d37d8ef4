from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Tariff
from powerkam.core.locking import version_field
from powerkam.grid.models import Feeder, Substation
from powerkam.prospects import selectors
from powerkam.prospects.models import Channel, Party, Project, Stage
from powerkam.staff.selectors import person_pick_label
from powerkam.web.widgets import DateInput


def _today() -> Any:
    return timezone.localdate()


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_pick_label(obj)


class FeederChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.feeder_id} · {obj.name} · {obj.substation.name}"


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    mine = forms.BooleanField(label=_("Mine"), required=False)
    green = forms.BooleanField(label=_("Green channel"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = selectors.filter_choices()
        self.fields["stage"].choices = [("", _("All stages")), ("open", _("Not energised or lost")), *Stage.choices]  # type: ignore[attr-defined]
        self.fields["district"].choices = [("", _("All districts"))] + [(d, d) for d in choices["districts"]]  # type: ignore[attr-defined]
        self.fields["industry"].choices = [("", _("All industries"))] + [(i, i) for i in choices["industries"]]  # type: ignore[attr-defined]

    def filters(self) -> selectors.ProjectFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.ProjectFilters(
            q=(data.get("q") or "").strip(),
            stage=data.get("stage") or "",
            district=data.get("district") or "",
            industry=data.get("industry") or "",
            mine=bool(data.get("mine")),
            green=bool(data.get("green")),
        )


class ProjectForm(forms.ModelForm):
    """The demand classification and who is behind the project."""

    feeder = FeederChoiceField(
        label=_("Expected supply feeder"),
        queryset=Feeder.objects.filter(archived=False).select_related("substation"),
        required=False,
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "industry",
            "district",
            "expected_capacity_kva",
            "expected_annual_kwh",
            "expected_energize_on",
            "supply_voltage_kv",
            "dual_supply",
            "green_channel",
            "government_contact",
            "owner_name",
            "owner_contact",
            "feeder",
            "notes",
            "version",
        ]
        widgets = {
            "expected_energize_on": DateInput,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "version": forms.HiddenInput,
        }


class ProjectCreateForm(ProjectForm):
    project_id = forms.CharField(label=_("Project id"), max_length=40)
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[(Stage.PLANNED, Stage.PLANNED.label), (Stage.APPROVED, Stage.APPROVED.label)]
    )
    on = forms.DateField(
        label=_("Since"), initial=_today, widget=DateInput, help_text=_("When it was planned or approved.")
    )

    field_order = ["project_id", "name", "stage", "on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["version"]  # a new project starts at version 1

    def validate_unique(self) -> None:
        """The service checks the project id (with a message of its own)."""


class ManagersForm(forms.Form):
    primary = StaffChoiceField(
        label=_("Primary manager (business)"), queryset=selectors.manager_choices(), required=False
    )
    secondary = StaffChoiceField(
        label=_("Secondary manager (technical)"), queryset=selectors.manager_choices(), required=False
    )
    version = version_field()


class StageForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    on = forms.DateField(label=_("On"), initial=_today, widget=DateInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    lost_reason = forms.CharField(label=_("Why was it lost?"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    customer_id = forms.CharField(
        label=_("Customer id (户号)"),
        max_length=40,
        required=False,
        help_text=_("Applied for connection: the customer id the billing system assigned."),
    )
    tariff = forms.ChoiceField(
        label=_("Tariff"), choices=Tariff.choices, initial=Tariff.LARGE_INDUSTRIAL, required=False
    )
    voltage_kv = forms.DecimalField(
        label=_("Supply voltage (kV)"), required=False, help_text=_("Default: the likely supply voltage.")
    )
    capacity_kva = forms.DecimalField(
        label=_("Capacity applied for (kVA)"), required=False, help_text=_("Default: the expected capacity.")
    )


class FollowUpForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput)
    assignee = StaffChoiceField(label=_("Assignee"), queryset=selectors.manager_choices(), required=False)
    blocker = forms.BooleanField(label=_("Blocker"), required=False, help_text=_("The project waits on this."))


class FollowUpDoneForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    on = forms.DateField(label=_("Done on"), initial=_today, widget=DateInput)
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=500)


class ContactForm(forms.Form):
    on = forms.DateField(label=_("On"), initial=_today, widget=DateInput)
    party = forms.ChoiceField(label=_("With"), choices=Party.choices)
    organisation = forms.CharField(label=_("Department / company"), required=False, max_length=200)
    person = forms.CharField(label=_("Person"), required=False, max_length=200)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2}))


class ReservationForm(forms.Form):
    feeder = FeederChoiceField(
        label=_("Feeder"), queryset=Feeder.objects.filter(archived=False).select_related("substation"), required=False
    )
    substation = forms.ModelChoiceField(
        label=_("or a whole substation"), queryset=Substation.objects.filter(archived=False), required=False
    )
    kva = forms.DecimalField(label=_("Capacity (kVA)"), min_value=0, max_digits=12, decimal_places=2)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput)


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)
