"""The reports page: ask for a report, watch it being built, download it, ask again."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpcenter.access import require, visible_or_404
from reports.catalogue import CONTENT_TYPES, KINDS
from reports.forms import ReportRequestForm
from reports.models import JobState, ReportJob
from reports.services import (
    JobRefused,
    access_of,
    download_record,
    job_again,
    job_request,
)

PAGE_SIZE = 25


def _jobs(user):
    """The jobs of the user's scope, of the reports the user may have."""
    kinds = [code for code, kind in KINDS.items() if user.has_perm(kind.permission)]
    return (
        ReportJob.objects.visible_to(user)
        .filter(kind__in=kinds)
        .select_related("union", "requested_by")
    )


@require("reports.view_reports")
def index(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(user=request.user)
    page = Paginator(_jobs(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    catalogue = [kind for kind in KINDS.values() if request.user.has_perm(kind.permission)]
    return render(
        request,
        "reports/index.html",
        {"form": form, "page": page, "jobs": page.object_list, "catalogue": catalogue},
    )


def _params_from(post: QueryDict) -> dict:
    """What a button elsewhere sends besides kind and format: a search of the household list
    (`filters`, its query string), households, a notice, a bank sheet and its part."""
    params: dict = {}
    if "filters" in post:
        query = QueryDict(post["filters"])
        params["filters"] = {
            name: query.getlist(name) for name in sorted(query) if name not in ("page",)
        }
    if post.getlist("household"):
        try:
            params["households"] = sorted({int(pk) for pk in post.getlist("household")})
        except ValueError:
            raise JobRefused(_("The households were not given correctly.")) from None
    for name in ("notice", "sheet"):
        if post.get(name):
            try:
                params[name] = int(post[name])
            except ValueError:
                raise JobRefused(_("The report was not asked for correctly.")) from None
    if post.get("part"):
        params["part"] = post["part"] if post["part"] in ("sheet", "summary") else "sheet"
    return params


@require("reports.view_reports")
@require_POST
def request_report(request: HttpRequest) -> HttpResponse:
    """Ask for a report: from the form of the reports page, or from a button on another page
    (the household list, a notice, a bank sheet) that sends its kind, format and parameters."""
    kind = KINDS.get(request.POST.get("kind", ""))
    union = None
    if kind is not None and kind.listed:
        form = ReportRequestForm(request.POST, user=request.user)
        if not form.is_valid():
            page = Paginator(_jobs(request.user), PAGE_SIZE).get_page(1)
            catalogue = [k for k in KINDS.values() if request.user.has_perm(k.permission)]
            return render(
                request,
                "reports/index.html",
                {"form": form, "page": page, "jobs": page.object_list, "catalogue": catalogue},
                status=400,
            )
        data = form.cleaned_data
        period, union, fmt = data.get("period", ""), data.get("union"), data["format"]
    else:
        period, fmt = request.POST.get("period", ""), request.POST.get("format", "")
    try:
        params = _params_from(request.POST)
        job, created = job_request(
            user=request.user,
            kind=request.POST.get("kind", ""),
            format=fmt,
            period=period,
            union=union,
            params=params,
        )
    except JobRefused as exc:
        messages.error(request, str(exc))
        back = request.POST.get("back", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("reports:index")
        return redirect(back)
    if created:
        messages.success(request, _("The report is being built; it appears below when ready."))
    elif job.state == JobState.SUCCEEDED:
        messages.info(request, _("The same report on the same data is ready: download it below."))
    else:
        messages.info(request, _("The same report is already being built; it appears below."))
    return redirect(f"{reverse('reports:index')}#job-{job.pk}")


@require("reports.view_reports")
def job_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One job's row, for the page's polling while it is queued or running."""
    job = visible_or_404(_jobs(request.user), pk=pk)
    return render(request, "reports/_job_row.html", {"job": job})


@require("reports.view_reports")
def download(request: HttpRequest, pk: int) -> FileResponse:
    job = visible_or_404(_jobs(request.user), pk=pk)
    kind = KINDS.get(job.kind)
    if job.state != JobState.SUCCEEDED or not job.file or kind is None:
        raise Http404
    if not request.user.has_perm(kind.permission):
        raise Http404
    if kind.personal and job.access != access_of(request.user):
        # Built for what the person could read then (full IDs, card numbers); their union or
        # roles have changed since: the file is not theirs to take any more.
        messages.error(
            request,
            _("Your union or roles have changed since this report was built; build it again."),
        )
        return redirect("reports:index")
    download_record(job=job, reader=request.user)
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type=CONTENT_TYPES.get(job.format, "application/octet-stream"),
    )


@require("reports.view_reports")
@require_POST
def again(request: HttpRequest, pk: int) -> HttpResponse:
    job = visible_or_404(_jobs(request.user), pk=pk)
    try:
        new = job_again(user=request.user, job=job)
    except JobRefused as exc:
        messages.error(request, str(exc))
        return redirect("reports:index")
    messages.success(request, _("The report is being built again."))
    return redirect(f"{reverse('reports:index')}#job-{new.pk}")
