from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from powerkam.core.errors import ConflictError
from powerkam.core.locking import check_newest
from powerkam.core.models import ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ("name", "last_run_on", "last_queued_at")
    readonly_fields = ("name", "last_run_on", "last_queued_at")


class RulesVersionForm(forms.ModelForm):
    """The admin site's form for a new version of a rules document (docs/api.md, "Rules versions").

    It carries the id of the newest version when the form was opened (``based_on``); if another
    administrator saved a version since, the form is refused with who saved what, instead of the
    later save silently replacing the earlier one. The admin site saves inside one transaction, so the
    newest version stays locked (:func:`~powerkam.core.locking.check_newest`) until this one is saved.
    """

    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            newest = self._meta.model._default_manager.order_by("-pk").first()
            self.fields["based_on"].initial = newest.pk if newest is not None else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is None:  # a new version (none is ever changed)
            try:
                check_newest(self._meta.model, cleaned.get("based_on"))
            except ConflictError as exc:
                raise ValidationError(exc.message) from exc
        return cleaned
