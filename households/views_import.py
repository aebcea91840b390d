"""Excel pages: the import template, the import (upload → preview → confirm) and the export."""

import logging
import secrets
import time
from pathlib import Path, PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpcenter.access import require
from helpcenter.models import Union
from households.exporting import export_to_temporary_file
from households.filters import households_filtered
from households.importing import import_households, importable_unions, plan_import
from households.workbook import build_template

logger = logging.getLogger("helpcenter.households")

SESSION_KEY = "household_imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_LIFETIME = 24 * 3600  # seconds an unconfirmed upload is kept
SHOWN_ROWS = 500  # errors and updates listed on the preview page


def _uploads_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))
    union = forms.ModelChoiceField(
        label=gettext_lazy("Union"),
        queryset=Union.objects.none(),
        help_text=gettext_lazy("Rows whose 所属工会 is blank are imported into this union."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.works_county_wide:
            self.fields["union"].queryset = importable_unions(user)
        else:
            del self.fields["union"]  # a grassroots caseworker imports into their own union

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB; split it into several files.")
                % {"limit": settings.MAX_UPLOAD_MB}
            )
        head = upload.read(8)
        upload.seek(0)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise forms.ValidationError(
                _("This is an old .xls file. Open it in Excel, save it as .xlsx and upload that.")
            )
        if not head.startswith(b"PK\x03\x04"):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx)."))
        return upload

    def union_for_import(self) -> Union:
        return self.cleaned_data.get("union") or self.user.union


@require("households.import_household")
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        _remove_stale_uploads()
        token = secrets.token_urlsafe(16)
        upload = form.cleaned_data["file"]
        with open(_uploads_dir() / f"{token}.xlsx", "wb") as saved:
            for chunk in upload.chunks():
                saved.write(chunk)
        imports = request.session.get(SESSION_KEY, {})
        imports[token] = {
            "user_id": request.user.pk,
            "union_id": form.union_for_import().pk,
            "name": PurePath(upload.name or "upload.xlsx").name[:200],
        }
        request.session[SESSION_KEY] = imports
        return redirect("households:import_preview", token=token)
    return render(request, "households/import_upload.html", {"form": form})


@require("households.import_household")
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    pending = request.session.get(SESSION_KEY, {}).get(token)
    path = _uploads_dir() / f"{token}.xlsx"
    if not pending or pending["user_id"] != request.user.pk or not path.is_file():
        raise Http404
    union = importable_unions(request.user).filter(pk=pending["union_id"]).first()
    if union is None:
        raise Http404
    arguments = {"actor": request.user, "union": union, "source_name": pending["name"]}
    if request.method == "POST":
        plan = import_households(path, **arguments)
        if plan.applied:
            path.unlink(missing_ok=True)
            imports = request.session[SESSION_KEY]
            imports.pop(token, None)
            request.session[SESSION_KEY] = imports
            done = _(
                "Import finished: %(create)d files registered, %(update)d updated, "
                "%(unchanged)d unchanged."
            )
            messages.success(request, done % plan.counts)
            return redirect(reverse("households:list"))
    else:
        plan = plan_import(path, **arguments)
    counts = plan.counts
    context = {
        "plan": plan,
        "counts": counts,
        "union": union,
        "file_name": pending["name"],
        "errors": plan.errors[:SHOWN_ROWS],
        "updates": plan.with_action("update")[:SHOWN_ROWS],
        "shown_rows": SHOWN_ROWS,
        "can_confirm": not plan.errors and (counts["create"] or counts["update"]),
    }
    return render(request, "households/import_preview.html", context)


@require("households.import_household")
def import_template(request: HttpRequest) -> HttpResponse:
    content = build_template(unions=importable_unions(request.user))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="困难职工档案导入模板.xlsx"
    )
    return response


@require("households.export_household")
def export(request: HttpRequest) -> HttpResponse:
    household_filter = households_filtered(request.user, request.GET)
    if not household_filter.is_valid():
        # A filter that cannot be applied (another union, a value that does not exist) must not
        # quietly widen the export to everything in scope.
        messages.error(request, _("The export was not made: some filters could not be applied."))
        return redirect(f"{reverse('households:list')}?{request.GET.urlencode()}")
    queryset = household_filter.qs
    stream, count = export_to_temporary_file(queryset)
    logger.info("household export user_id=%s rows=%d", request.user.pk, count)
    name = f"困难职工档案-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(stream, as_attachment=True, filename=name, content_type=XLSX)


def _remove_stale_uploads() -> None:
    """Uploads nobody confirmed are deleted after a day."""
    limit = time.time() - UPLOAD_LIFETIME
    for path in _uploads_dir().glob("*.xlsx"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
