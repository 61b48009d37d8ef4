"""Imports in the browser, for the data administrator: upload an extract, see what it did."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from powerkam.analytics.store import is_current
from powerkam.core.errors import ApplicationError
from powerkam.imports import runs as run_log
from powerkam.imports.forms import KIND_LABELS, ImportForm
from powerkam.imports.messages import problem_rows, refusal_message, report_warnings
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.imports.selectors import data_summary, user_may_import
from powerkam.imports.services import ImportRefused, import_file

logger = logging.getLogger(__name__)
_FOLDER_FORMAT = "%Y%m%d-%H%M%S-%f"


def _require_importer(request: HttpRequest) -> None:
    if not user_may_import(request.user):
        raise PermissionDenied


def _uploads_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def remove_old_uploads(now: dt.datetime | None = None) -> int:
    """Remove the kept uploads older than POWERKAM_UPLOAD_KEEP_DAYS (run at each upload).

    Only the copies of uploaded files go: the import log (name, hash, what it did) stays.
    """
    root = _uploads_dir()
    if not root.is_dir():
        return 0
    cutoff = timezone.localtime(now) - dt.timedelta(days=int(settings.IMPORT_UPLOAD_KEEP_DAYS))
    removed = 0
    for folder in root.iterdir():
        try:
            made = dt.datetime.strptime(folder.name, _FOLDER_FORMAT).replace(tzinfo=cutoff.tzinfo)
        except ValueError:
            continue  # not one of ours
        if folder.is_dir() and made < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _save_upload(upload: UploadedFile) -> Path:
    """Keep the uploaded file: it is what was imported (the log refers to it by name and hash)."""
    folder = _uploads_dir() / timezone.localtime().strftime(_FOLDER_FORMAT)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / get_valid_filename(Path(upload.name or "upload").name)
    with path.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return path


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    """Stream the upload to a temporary file, but stop writing past POWERKAM_UPLOAD_MAX_MB.

    The file's size is still counted to its end, so the form refuses it with its real size, and
    a huge upload never fills the disk.
    """

    def new_file(self, *args: object, **kwargs: object) -> None:
        super().new_file(*args, **kwargs)  # type: ignore[arg-type]
        self.received = 0
        self.limit = int(settings.IMPORT_UPLOAD_MAX_MB) * 1024 * 1024

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            return None  # counted, not kept
        return super().receive_data_chunk(raw_data, start)


@csrf_exempt
@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    # The upload handlers must be set before the body is read; CSRF is checked right after.
    request.upload_handlers = [SizeLimitedUploadHandler(request)]
    return _index(request)


@csrf_protect
def _index(request: HttpRequest) -> HttpResponse:
    report = refusal = None
    warnings: list[str] = []
    refusal_text = ""
    problems: list[dict[str, object]] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            remove_old_uploads()
            path = _save_upload(form.cleaned_data["file"])
            try:
                report = import_file(
                    kind=form.cleaned_data["kind"],
                    path=path,
                    by=request.user if isinstance(request.user, User) else None,
                    replace_missing=form.cleaned_data["replace_missing"],
                )
                warnings = report_warnings(report)
            except ImportRefused as exc:
                refusal = exc
                refusal_text = refusal_message(exc)
                problems = problem_rows(exc.errors)
                # A refused file changed nothing; its log entry keeps name, hash and problems.
                shutil.rmtree(path.parent, ignore_errors=True)
    else:
        form = ImportForm()
    runs = Paginator(ImportRun.objects.select_related("by"), 25).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "report": report,
        "report_kind": KIND_LABELS.get(report.kind, report.kind) if report else "",
        "report_warnings": warnings,
        "refusal": refusal,
        "refusal_text": refusal_text,
        "problems": problems,
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
        "problems": problem_rows(run.errors),
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
