"""Excel pages: the import template, the import (upload → preview → confirm) and the export.

The upload reads and checks the workbook once and keeps the plan (households/importing.py) in a
private file named by a random token, signed so that only a plan this server wrote is loaded;
the session holds the token with who uploaded it, for which union and whether the files were
approved on paper. The preview shows the kept plan (the counts, and the first rows with what
each will do; nothing is parsed again); the confirm applies it, and apply_import checks again
what can have changed since.
"""

import hmac
import logging
import pickle
import re
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
from django.utils.crypto import salted_hmac
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpcenter.access import require
from helpcenter.models import Union
from households.exporting import export_to_temporary_file
from households.filters import households_filtered
from households.importing import (
    ImportPlan,
    confirm_import,
    importable_unions,
    may_register_directly,
    plan_import,
)
from households.workbook import archive_problem, build_template

logger = logging.getLogger("helpcenter.households")

SESSION_KEY = "household_imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_LIFETIME = 24 * 3600  # seconds an unconfirmed upload is kept
SHOWN_ROWS = 500  # errors listed on the preview page
PREVIEW_ROWS = 200  # households listed on it (an import has up to 20,000 rows; counts cover all)
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
PLAN_SALT = "households.import-plan"


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
    register_directly = forms.BooleanField(
        label=gettext_lazy("These files were approved on paper (enter them as approved files)"),
        required=False,
        help_text=gettext_lazy(
            "Only to migrate a paper archive: new families become registered files at once, "
            "without application, review or notice. Unticked, each new family is filed as a "
            "registration application."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.works_county_wide:
            self.fields["union"].queryset = importable_unions(user)
        else:
            del self.fields["union"]  # a grassroots caseworker imports into their own union
        if not may_register_directly(user):
            del self.fields["register_directly"]

    def clean(self):
        if "register_directly" not in self.fields and self.data.get("register_directly"):
            raise forms.ValidationError(_("Only a supervisor may enter files approved on paper."))
        return super().clean()

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
        problem = archive_problem(upload)  # before anything parses it
        if problem:
            raise forms.ValidationError(problem)
        return upload

    def union_for_import(self) -> Union:
        return self.cleaned_data.get("union") or self.user.union


@require("households.import_household")
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        _remove_stale_uploads()
        upload = form.cleaned_data["file"]
        name = PurePath(upload.name or "upload.xlsx").name[:200]
        union = form.union_for_import()
        plan = plan_import(
            upload,
            actor=request.user,
            union=union,
            source_name=name,
            register_directly=form.cleaned_data.get("register_directly", False),
        )
        token = secrets.token_urlsafe(16)
        _save_plan(token, plan)
        imports = request.session.get(SESSION_KEY, {})
        imports[token] = {"user_id": request.user.pk, "union_id": union.pk, "name": name}
        request.session[SESSION_KEY] = imports
        return redirect("households:import_preview", token=token)
    return render(request, "households/import_upload.html", {"form": form})


@require("households.import_household")
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    pending = request.session.get(SESSION_KEY, {}).get(token)
    if not pending or pending["user_id"] != request.user.pk:
        raise Http404
    union = importable_unions(request.user).filter(pk=pending["union_id"]).first()
    plan = _load_plan(token)
    if union is None or plan is None:
        raise Http404
    if request.method == "POST" and not plan.errors:
        plan = confirm_import(plan, actor=request.user)
        if plan.applied:
            _plan_path(token).unlink(missing_ok=True)
            imports = request.session[SESSION_KEY]
            imports.pop(token, None)
            request.session[SESSION_KEY] = imports
            return _finished(request, plan)
        _save_plan(token, plan)  # the refusal stays on the preview; nothing was saved
    counts = plan.counts
    context = {
        "plan": plan,
        "counts": counts,
        "union": union,
        "file_name": pending["name"],
        "errors": plan.errors[:SHOWN_ROWS],
        "shown_rows": SHOWN_ROWS,
        "rows": plan.households[:PREVIEW_ROWS],
        "preview_rows": PREVIEW_ROWS,
        "row_count": len(plan.households),
        "can_confirm": not plan.errors and (counts["create"] or counts["update"]),
    }
    return render(request, "households/import_preview.html", context)


def _finished(request: HttpRequest, plan: ImportPlan) -> HttpResponse:
    counts = plan.counts
    if plan.register_directly:
        done = _(
            "Import finished: %(create)d approved files entered, %(update)d updated, "
            "%(unchanged)d unchanged."
        )
    elif counts["create"]:
        done = _(
            "Import finished: %(create)d registration applications filed as drafts (check "
            "each, record the home visit and submit it), %(update)d files updated, "
            "%(unchanged)d unchanged."
        )
        messages.success(request, done % counts)
        return redirect(f"{reverse('cases:application_list')}?state=draft&kind=registration")
    else:
        done = _("Import finished: %(update)d files updated, %(unchanged)d unchanged.")
    messages.success(request, done % counts)
    return redirect(reverse("households:list"))


def _plan_path(token: str) -> Path:
    if not TOKEN.fullmatch(token):
        raise Http404
    return _uploads_dir() / f"{token}.plan"


def _save_plan(token: str, plan: ImportPlan) -> None:
    data = pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
    signature = salted_hmac(PLAN_SALT, data, algorithm="sha256").digest()
    _plan_path(token).write_bytes(signature + data)


def _load_plan(token: str) -> ImportPlan | None:
    """The plan the upload made, if this server wrote it (signed) and it is still kept."""
    try:
        content = _plan_path(token).read_bytes()
    except FileNotFoundError:
        return None
    signature, data = content[:32], content[32:]
    expected = salted_hmac(PLAN_SALT, data, algorithm="sha256").digest()
    if not hmac.compare_digest(signature, expected):
        logger.warning("import plan %s has a wrong signature; ignored", token)
        return None
    try:
        return pickle.loads(data)  # noqa: S301 (signed by this server above)
    except Exception:  # written by an earlier version of the code: upload again
        return None


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
        # The message says why; the list is shown without the refused values (a search of
        # 100,000 characters cannot be sent back in an address).
        why = " ".join(error for errors in household_filter.errors.values() for error in errors)
        refused = _("The export was not made: some filters could not be applied.")
        messages.error(request, f"{refused} {why}")
        query = request.GET.copy()
        for name in household_filter.errors:
            query.pop(name, None)
        return redirect(f"{reverse('households:list')}?{query.urlencode()}")
    queryset = household_filter.qs
    from reports.services import export_as_job, filters_param, too_big_for_the_web

    rows = queryset.count()
    if too_big_for_the_web(rows):
        # Too big to build while the request waits (20 s at 100,000 files): a report job.
        return export_as_job(
            request,
            kind="households",
            format="xlsx",
            params={"filters": filters_param(request.GET)},
            rows=rows,
        )
    stream, count = export_to_temporary_file(queryset)
    logger.info("household export user_id=%s rows=%d", request.user.pk, count)
    name = f"困难职工档案-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(stream, as_attachment=True, filename=name, content_type=XLSX)


def _remove_stale_uploads() -> None:
    """Plans (and uploads of earlier versions) nobody confirmed are deleted after a day."""
    limit = time.time() - UPLOAD_LIFETIME
    for path in [*_uploads_dir().glob("*.plan"), *_uploads_dir().glob("*.xlsx")]:
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
