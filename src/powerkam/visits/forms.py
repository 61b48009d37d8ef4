from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account, Contact
from powerkam.staff.selectors import person_pick_label


class DateInput(forms.DateInput):
    """A native date picker; its value must be ISO (YYYY-MM-DD) whatever the language's format."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _today() -> Any:
    return timezone.localdate()


def staff_users() -> Any:
    return (
        User.objects.filter(is_active=True, staff__isnull=False, staff__archived=False)
        .select_related("staff")
        .order_by("staff__name", "username")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_pick_label(obj)


class ContactChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.title}" if obj.title else obj.name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or documents in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


SATISFACTION_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Date"), initial=_today, widget=DateInput)
    attendees = ContactChoiceField(
        label=_("Who attended"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.CharField(
        label=_("Topics"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        help_text=_("1 very unsatisfied … 5 very satisfied"),
    )
    summary = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    attachments = MultipleFileField(label=_("Photos or documents"), required=False)
    #: The visit's idempotency key; the page's script replaces it with a fresh one for every visit
    #: (docs/visits.md, "Offline capture"), so a visit sent twice is recorded once.
    client_key = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = account.contacts.filter(archived=False).order_by("name")  # type: ignore[attr-defined]


class NeedForm(forms.Form):
    text = forms.CharField(label=_("Need"), required=False, max_length=1000)
    owner = StaffChoiceField(label=_("Follow-up owner"), queryset=User.objects.none(), required=False)
    due_on = forms.DateField(label=_("Follow up by"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("owner") is None) != (data.get("due_on") is None):
            raise forms.ValidationError(_("A follow-up needs both an owner and a due date (or neither)."))
        if data.get("owner") is not None and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Say what the customer needs."))
        return data


NeedFormSet = forms.formset_factory(NeedForm, extra=3, max_num=20)


class PlanForm(forms.Form):
    first_day = forms.DateField(label=_("From"), widget=DateInput)
    last_day = forms.DateField(label=_("To"), widget=DateInput)


class MoveForm(forms.Form):
    day = forms.DateField(label=_("New day"), widget=DateInput)
    username = forms.CharField(label=_("Manager"), max_length=150, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class FollowUpCloseForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    cancel = forms.BooleanField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ReassignForm(forms.Form):
    customer_id = forms.CharField(
        label=_("Customer id"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "account-options", "autocomplete": "off", "inputmode": "numeric"}),
    )
    to_user = StaffChoiceField(label=_("New primary manager"), queryset=User.objects.none())
    seen = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = staff_users().filter(staff__role="manager")  # type: ignore[attr-defined]
