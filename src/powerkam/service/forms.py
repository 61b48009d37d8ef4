from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from powerkam.service.models import TicketKind
from powerkam.staff.selectors import person_pick_label
from powerkam.web.widgets import DateInput


def _today() -> Any:
    return timezone.localdate()


def _now() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker (ISO values, the utility's time zone)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or "%Y-%m-%dT%H:%M")


def _moment_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, initial=_now, widget=DateTimeLocalInput)


#: A customer-id field offers the accounts the reader may see (``{% account_options %}``).
PICK_ACCOUNT = {"list": "account-options", "autocomplete": "off", "inputmode": "numeric"}


class TicketCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Business"), choices=TicketKind.choices)
    customer_id = forms.CharField(
        label=_("Customer id"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs=PICK_ACCOUNT),
        help_text=_("Leave empty for a request without an account."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    accepted_on = forms.DateField(label=_("Accepted on"), initial=_today, widget=DateInput)
    accepted_time = forms.TimeField(
        label=_("Reported at (time)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Fault repair runs round the clock from this time; empty means now (or 00:00 of an earlier day)."),
    )
    green_channel = forms.BooleanField(label=_("Green channel"), required=False)
    dual_supply = forms.BooleanField(
        label=_("Dual supply"), required=False, help_text=_("Only changes the supply scheme reply limit.")
    )


class CaseCreateForm(forms.Form):
    customer_id = forms.CharField(label=_("Customer id"), max_length=40, widget=forms.TextInput(attrs=PICK_ACCOUNT))
    title = forms.CharField(label=_("Title"), max_length=200)
    accepted_on = forms.DateField(label=_("Application accepted on"), initial=_today, widget=DateInput)
    dual_supply = forms.BooleanField(label=_("Dual supply"), required=False)
    green_channel = forms.BooleanField(label=_("Green channel"), required=False)


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_pick_label(obj)


class TransferForm(VersionedForm):
    to_user = StaffChoiceField(
        label=_("Hand over to"),
        queryset=User.objects.filter(is_active=True, staff__isnull=False, staff__archived=False).select_related(
            "staff"
        ),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class BulkTicketForm(forms.Form):
    """The ticket list's bulk bar (the selected tickets are ``selected`` values, read by web.bulk)."""

    action = forms.ChoiceField(
        label=pgettext_lazy("bulk", "Action"),
        choices=[
            ("transfer", _("Transfer")),
            ("close", pgettext_lazy("ticket", "Close")),
            ("export", _("Export to Excel")),
        ],
    )
    to_user = StaffChoiceField(
        label=_("Hand over to"),
        queryset=User.objects.filter(is_active=True, staff__isnull=False, staff__archived=False).select_related(
            "staff"
        ),
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    resolution = forms.CharField(label=_("Resolution"), max_length=2000, required=False)


class PauseForm(VersionedForm):
    on = forms.DateField(label=_("Paused on"), initial=_today, widget=DateInput)
    reason = forms.CharField(label=_("Waiting for"), max_length=300)


class ResumeForm(VersionedForm):
    on = forms.DateField(label=_("Resumed on"), initial=_today, widget=DateInput)


class CloseForm(VersionedForm):
    on = forms.DateField(label=_("Closed on"), initial=_today, widget=DateInput)
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class EditForm(VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    green_channel = forms.BooleanField(label=_("Green channel"), required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class NoticeForm(forms.Form):
    delivered_on = forms.DateField(label=_("Delivered on"), initial=_today, widget=DateInput)
    recipient = forms.CharField(label=_("Recipient"), max_length=200, required=False)
    channel = forms.CharField(
        label=_("Channel"), max_length=40, required=False, help_text=_("In person, email, post …")
    )


class NextStepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    accepted_on = forms.DateField(label=_("Input accepted on"), initial=_today, widget=DateInput)


# -- round-the-clock tickets (fault repair): times instead of days --------------------------------


class HourPauseForm(VersionedForm):
    at = _moment_field(_("Paused at"))
    reason = forms.CharField(label=_("Waiting for"), max_length=300)


class HourResumeForm(VersionedForm):
    at = _moment_field(_("Resumed at"))


class HourCloseForm(VersionedForm):
    at = _moment_field(_("Closed at"))
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ArriveForm(VersionedForm):
    at = _moment_field(_("Arrived on site at"))


class RestoreForm(VersionedForm):
    at = _moment_field(_("Supply restored at"))


class ContactForm(VersionedForm):
    on = forms.DateField(label=_("Customer contacted on"), initial=_today, widget=DateInput)
