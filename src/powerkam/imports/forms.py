from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from powerkam.analytics.io.contract import KINDS

KIND_LABELS = {
    "customers": _("Customers (whole base)"),
    "billing": _("Monthly billing"),
    "payments": _("Payments"),
    "loads": _("15-minute loads"),
    "feeders": _("Feeders and substations"),
    "outages": _("Outage history"),
    "projects": _("Government key projects"),
    "staff": _("Staff"),
    "assignments": _("Account managers (1+1)"),
    "visits": _("Past visits"),
    # renewable-energy key accounts
    "generation": _("Renewable generation (monthly)"),
    "green": _("Green power and certificates"),
    "applications": _("Business applications (capacity reduction, pause, closure …)"),
    "contracts": _("Supply contracts"),
    "market": _("Market status (agency purchase, direct trading, retailer)"),
    "workorders": _("95598 work orders"),
}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of data"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    file = forms.FileField(label=_("File (.csv, .xlsx or .parquet)"))
    replace_missing = forms.BooleanField(
        label=_("Clear the fields of columns the file does not have"),
        help_text=_("Off: a column missing from the file leaves what is stored as it is."),
        required=False,
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        limit_mb = int(settings.IMPORT_UPLOAD_MAX_MB)
        if upload.size is not None and upload.size > limit_mb * 1024 * 1024:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s MB; the largest file this server accepts is %(limit)s MB (POWERKAM_UPLOAD_MAX_MB)."
                ),
                code="too_large",
                params={"size": f"{upload.size / 1024 / 1024:,.1f}", "limit": f"{limit_mb:,}"},
            )
        return upload
