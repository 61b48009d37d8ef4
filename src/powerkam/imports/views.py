"""Imports in the browser, for the data administrator: upload an extract, see what it did."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from powerkam.analytics.store import is_current
from powerkam.core.errors import ApplicationError
from powerkam.imports import runs as run_log
from powerkam.imports.forms import ImportForm
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.imports.selectors import data_summary, user_may_import
from powerkam.imports.services import ImportRefused, import_file


def _require_importer(request: HttpRequest) -> None:
    if not user_may_import(request.user):
        raise PermissionDenied


def _save_upload(upload: UploadedFile) -> Path:
    """Keep the uploaded file: it is what was imported (the log refers to it by name and hash)."""
    folder = Path(settings.DATA_DIR) / "uploads" / timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / get_valid_filename(Path(upload.name or "upload").name)
    with path.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return path


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    report = refusal = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            path = _save_upload(form.cleaned_data["file"])
            try:
                report = import_file(
                    kind=form.cleaned_data["kind"],
                    path=path,
                    by=request.user if isinstance(request.user, User) else None,
                    replace_missing=form.cleaned_data["replace_missing"],
                )
            except ImportRefused as exc:
                refusal = exc
    else:
        form = ImportForm()
    runs = Paginator(ImportRun.objects.select_related("by"), 25).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "report": report,
        "refusal": refusal,
        "runs": runs,
        "stopped_ids": {run.pk for run in runs if _stopped(run)},
        "summary": data_summary(),
    }
    return render(request, "imports/index.html", context)


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_importer(request)
    run = get_object_or_404(ImportRun.objects.select_related("by", "restored_from"), pk=pk)
    context = {
        "run": run,
        "stopped": _stopped(run),
        "stopped_ids": {run.pk} if _stopped(run) else set(),
        "version_available": run_log.version_available(run),
        "version_current": run_log.version_available(run) and is_current(run_log.store_dir(), run.kind, run.pk),
    }
    return render(request, "imports/run_detail.html", context)


def _stopped(run: ImportRun) -> bool:
    """Still "running" in the log, but its process is gone: shown as interrupted until the next
    import or ``powerkam data check`` records it (and repairs what it left)."""
    return run.status == ImportStatus.RUNNING and run_log.process_alive(run) is False


@login_required
@require_POST
def rollback(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the store dataset this run produced back in place (the data administrator's undo)."""
    _require_importer(request)
    run = get_object_or_404(ImportRun, pk=pk)
    try:
        done = run_log.rollback(kind=run.kind, to=run.pk, by=request.user if isinstance(request.user, User) else None)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("imports:run", pk=run.pk)
    messages.success(
        request,
        _("%(kind)s rolled back to the version of import run %(run)s.") % {"kind": run.kind, "run": run.pk},
    )
    return redirect("imports:run", pk=done.pk)
